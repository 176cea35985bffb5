/**
 * Connecting to a name with several addresses, as RFC 8305 (Happy Eyeballs v2) says: the addresses in the
 * resolver's order with the families interleaved, a new attempt every 250 ms or as soon as the last one failed,
 * the first to connect wins and the others are dropped.
 */
import { connect, type Socket } from 'node:net';
import type { ResolvedAddress } from './resolve.js';
import { errnoOf } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';

/** RFC 8305's recommended Connection Attempt Delay. */
export const ATTEMPT_DELAY_MS = 250;

/** An address that was tried and did not answer first: refused, unreachable, or dropped when another won. */
export interface FailedAttempt {
  address: string;
  /** `ECONNREFUSED`, `EHOSTUNREACH`, … */
  errno: string;
}

/** Interleaves the families, keeping the resolver's order within each and starting with its first family. */
export function attemptOrder(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
  const first = addresses[0]?.family;
  const same = addresses.filter((a) => a.family === first);
  const other = addresses.filter((a) => a.family !== first);
  const order: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(same.length, other.length); i++) {
    if (same[i]) order.push(same[i] as ResolvedAddress);
    if (other[i]) order.push(other[i] as ResolvedAddress);
  }
  return order;
}

/** Every address to be tried, as messages name them: `[::1]:5000 and 127.0.0.1:5000 over tcp (every address of localhost)`. */
export function describeAttempts(addresses: readonly ResolvedAddress[], port: number, host: string): string {
  const every = addresses.map((a) => formatEndpoint({ address: a.address, port }));
  return addresses.length === 1 ? `${every[0]} over tcp` : `${every.join(' and ')} over tcp (every address of ${host})`;
}

/** Every attempt failed: `cause` is the last failure, `failed` all of them in order. */
export class AllAttemptsFailed extends Error {
  constructor(
    override readonly cause: Error,
    readonly failed: FailedAttempt[],
  ) {
    super(cause.message);
  }
}

/**
 * Connects to the first of `addresses` that answers on `port`, from `local` when given.
 * @returns the connected socket, the address that answered and those that failed before it
 * @throws AllAttemptsFailed when none connected; `onTimeout()`'s error after `timeoutMs`
 */
export function connectFirst(
  addresses: readonly ResolvedAddress[],
  port: number,
  timeoutMs: number,
  onTimeout: () => Error,
  local?: { address?: string | undefined; port?: number | undefined },
): Promise<{ socket: Socket; address: ResolvedAddress; failed: FailedAttempt[] }> {
  const order = attemptOrder(addresses);
  return new Promise((resolve, reject) => {
    const running = new Map<Socket, ResolvedAddress>();
    const failed: FailedAttempt[] = [];
    let next = 0;
    let settled = false;
    let stagger: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => settle(() => reject(onTimeout())), timeoutMs);
    const settle = (then: () => void, winner?: Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(stagger);
      for (const socket of running.keys()) if (socket !== winner) socket.destroy();
      then();
    };
    const start = (): void => {
      const target = order[next];
      if (settled || target === undefined) return;
      next += 1;
      const socket = connect({ host: target.address, port, noDelay: true, localAddress: local?.address, localPort: local?.port });
      running.set(socket, target);
      clearTimeout(stagger);
      // A fixed source port can be bound by one attempt at a time: the next starts when one fails.
      if (next < order.length && local?.port === undefined) stagger = setTimeout(start, ATTEMPT_DELAY_MS);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        settle(() => resolve({ socket, address: target, failed }), socket);
      });
      socket.once('error', (error: Error) => {
        running.delete(socket);
        if (settled) return;
        failed.push({ address: target.address, errno: errnoOf(error) ?? 'EIO' });
        if (next < order.length) start();
        else if (running.size === 0) settle(() => reject(new AllAttemptsFailed(error, failed)));
      });
    };
    start();
  });
}
