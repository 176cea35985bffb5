/** Sending a numbered workload as fast as allowed (or at a rate) over UDP or TCP, counting what the socket refused. */
import { connect } from 'node:net';
import { encodeFrame } from '../core/framing.js';
import { errnoOf } from '../errors.js';
import { preciseNow, stampMessage } from './sequence.js';
import { openUdpSocket, type LocalBind } from './udp-socket.js';

/** What a blast did. */
export interface BlastResult {
  sent: number;
  /** Sends the socket refused (e.g. ENOBUFS, EPERM), with the first error code. */
  errors: number;
  firstError?: string | undefined;
  /** Milliseconds from first send to last completion. */
  ms: number;
}

/** Options of a blast. */
export interface BlastOptions {
  host: string;
  port: number;
  count: number;
  size: number;
  /** Messages per second; 0 for as fast as the socket takes them. */
  rate: number;
  /** UDP: where to send from (default: any address, a port the system picks). */
  local?: LocalBind | undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A guard timer that does not keep the process alive once the work is done. */
function guard(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Calls `sendOne(i)` for i in 0..count-1, paced at `rate` per second (0: unpaced), awaiting `settle()`
 * every `batch` sends so the socket's queue stays bounded.
 */
async function paced(count: number, rate: number, sendOne: (i: number) => void, settle: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const batch = 256;
  for (let i = 0; i < count; ) {
    let due = count;
    if (rate > 0) {
      due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      if (due <= i) {
        await sleep(1);
        continue;
      }
    }
    const stop = Math.min(due, i + batch);
    for (; i < stop; i++) sendOne(i);
    await settle();
  }
}

/**
 * Sends `count` stamped datagrams to host:port over UDP.
 * @throws UdpkitError when the socket cannot be bound (see {@link openUdpSocket})
 */
export async function blastUdp(options: BlastOptions): Promise<BlastResult> {
  const socket = await openUdpSocket(options.host.includes(':') ? 'IPv6' : 'IPv4', options.local);
  let errors = 0;
  let firstError: string | undefined;
  let pending = 0;
  let wake: (() => void) | undefined;
  const done = (error: Error | null): void => {
    pending -= 1;
    if (error) {
      errors += 1;
      firstError ??= errnoOf(error) ?? error.message;
    }
    if (pending === 0) wake?.();
  };
  const t0 = performance.now();
  await paced(
    options.count,
    options.rate,
    (i) => {
      pending += 1;
      socket.send(stampMessage(i, options.size, preciseNow()), options.port, options.host, done);
    },
    () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
  );
  const ms = performance.now() - t0;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { sent: options.count - errors, errors, firstError, ms };
}

/** Sends `count` stamped, length-framed messages on one TCP connection, then half-closes and waits for the close. */
export async function blastTcp(options: BlastOptions & { connectTimeoutMs?: number }): Promise<BlastResult & { connectMs: number }> {
  const c0 = performance.now();
  const socket = connect({ host: options.host, port: options.port, noDelay: true });
  let failure: string | undefined;
  socket.on('error', (error) => {
    failure ??= errnoOf(error) ?? error.message;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connected = await Promise.race([
    new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))),
    closed.then(() => false),
    guard(options.connectTimeoutMs ?? 10_000).then(() => false),
  ]);
  const connectMs = performance.now() - c0;
  if (!connected) {
    socket.destroy();
    return { sent: 0, errors: options.count, firstError: failure ?? 'ETIMEDOUT', ms: 0, connectMs };
  }
  socket.resume();
  const t0 = performance.now();
  let written = 0;
  await paced(
    options.count,
    options.rate,
    (i) => {
      socket.write(encodeFrame(stampMessage(i, options.size, preciseNow()), 'length'));
      written += 1;
    },
    () =>
      socket.writableNeedDrain && !socket.destroyed
        ? Promise.race([new Promise<void>((resolve) => socket.once('drain', () => resolve())), closed])
        : Promise.resolve(),
  );
  await Promise.race([new Promise<void>((resolve) => socket.end(() => resolve())), closed]);
  // The receiver closes once it has read everything: until then the data is not delivered.
  await Promise.race([closed, guard(30_000)]);
  const ms = performance.now() - t0;
  socket.destroy();
  return { sent: failure ? 0 : written, errors: failure ? written : 0, firstError: failure, ms, connectMs };
}
