/**
 * A UDP sender's socket and its failures: bound to the source asked (or an ephemeral port), set up for broadcast,
 * multicast and TTL, connected when asked; and what a send error means for this destination. @internal
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { fromSystemError, type UdpkitError } from '../errors.js';
import { formatSource } from '../format/endpoint.js';
import type { Endpoint } from '../types.js';

/** Everything about a UDP send that is decided before the first socket: where to, from where, how. */
export interface UdpSendPlan {
  destination: Endpoint;
  /** `HOST:PORT over udp`, as messages name the destination. */
  where: string;
  multicast: boolean;
  connect: boolean;
  broadcast: boolean;
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
  ttl: number | undefined;
  /** The address of the interface a group destination is sent out of. */
  multicastInterface: string | undefined;
  multicastLoop: boolean | undefined;
}

/** The address and port a socket is bound to. */
export function boundEndpoint(socket: Socket): Endpoint {
  const a = socket.address();
  return { address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/** Sets what the plan asks of a bound socket (SO_BROADCAST, multicast interface, loop and TTL, or the unicast TTL). */
function configure(socket: Socket, plan: UdpSendPlan): void {
  if (plan.broadcast) socket.setBroadcast(true);
  if (plan.multicast) {
    if (plan.multicastInterface !== undefined) socket.setMulticastInterface(plan.multicastInterface);
    if (plan.ttl !== undefined) socket.setMulticastTTL(plan.ttl);
    if (plan.multicastLoop !== undefined) socket.setMulticastLoopback(plan.multicastLoop);
  } else if (plan.ttl !== undefined) {
    socket.setTTL(plan.ttl);
  }
}

/** Binds `socket` as the plan says; a chosen source that cannot be bound is named as the source. */
function bindAsPlanned(socket: Socket, plan: UdpSendPlan): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const refuse = (error: Error): void => {
      const chosen = plan.sourceAddress !== undefined || plan.sourcePort !== undefined;
      reject(chosen ? fromSystemError(error, `cannot send from ${formatSource(plan.sourceAddress, plan.sourcePort)}`) : error);
    };
    socket.once('error', refuse);
    socket.bind(plan.sourcePort ?? 0, plan.sourceAddress, () => {
      socket.off('error', refuse);
      try {
        configure(socket, plan);
        resolve();
      } catch (error) {
        reject(fromSystemError(error, `cannot set up the socket to send to ${plan.where}`));
      }
    });
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The socket's resolver: an IP literal (every destination here is one, resolved once before the first send) is
 * answered at once; a name goes to dns.lookup as dgram's default does. dgram resolves the address on every
 * unconnected send, and its default answers even a literal through a process.nextTick: in a fresh process that
 * doubled a send's cost (500 sends at 100,000/s reached 28,000-46,000/s; answered at once, 36,000-75,000/s).
 */
function literalLookup(hostname: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

/**
 * Opens a socket for the plan, bound (and connected, with `connect`). `onError` hears every error after that;
 * the socket is handed to `track` before the bind, so it is closed at the end even when the bind fails.
 */
export async function openSendSocket(plan: UdpSendPlan, onError: (error: Error) => void, track: (socket: Socket) => void): Promise<Socket> {
  const socket = createSocket({ type: plan.destination.family === 'IPv6' ? 'udp6' : 'udp4', lookup: literalLookup });
  track(socket);
  await bindAsPlanned(socket, plan);
  // Only now: an error listener attached before the bind settled would swallow the bind's own failure.
  socket.on('error', onError);
  if (plan.connect) {
    await new Promise<void>((resolve, reject) => {
      socket.connect(plan.destination.port, plan.destination.address, (error?: Error) => (error ? reject(error) : resolve()));
    });
  }
  return socket;
}

/** What a failed send means for this plan: a broadcast without SO_BROADCAST, a group with no route, nothing listening. */
export function explainSendError(plan: UdpSendPlan, error: unknown): UdpkitError {
  return fromSystemError(error, `cannot send to ${plan.where}`, (errno) => {
    if (plan.multicast && (errno === 'ENETUNREACH' || errno === 'EHOSTUNREACH' || errno === 'ENODEV')) {
      return ['E_UNAVAILABLE', `cannot send to ${plan.where}: no route for the group (${errno}); name the interface with --multicast-if`];
    }
    if (errno === 'ECONNREFUSED') return ['E_REFUSED', `connection refused by ${plan.where} (ICMP port unreachable: nothing listens there)`];
    return undefined;
  });
}

/** Closes every socket, resolving when all have closed; a socket already closed counts as closed. */
export function closeAll(sockets: readonly Socket[]): Promise<void> {
  return Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.removeAllListeners('message');
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
    ),
  ).then(() => undefined);
}
