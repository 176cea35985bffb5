/** The TCP sender: connect (timed), write every message whole, half-close, and optionally read the reply. */
import { connect, type Socket } from 'node:net';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint, unmapEndpoint } from '../format/endpoint.js';
import type { DataRecord, Endpoint, SendBase } from '../types.js';
import { Deframer, encodeFrame, type Framing } from './framing.js';
import { resolveHost } from './resolve.js';
import { monotonicMs } from '../clock.js';

/** Connect timeout when none is given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Without --wait: how long to wait for the peer to close after our FIN before closing anyway. */
export const CLOSE_LINGER_MS = 500;

/** Options of {@link sendTcp}. */
export interface TcpSendOptions extends SendBase {
  /** Delimiter or prefix added to each message (default `none`). */
  frame?: Framing | undefined;
  connectTimeoutMs?: number | undefined;
}

/** What {@link sendTcp} did. */
export interface TcpSendResult {
  protocol: 'tcp';
  destination: Endpoint;
  local: Endpoint;
  /** Milliseconds the handshake took (what UDP does not have). */
  connectMs: number;
  messages: number;
  bytesPerMessage: number;
  /** Bytes written, framing included. */
  totalBytes: number;
  startedAt: number;
  /** Milliseconds from the first write to the last write's completion. */
  sendMs: number;
  /** With waitMs: the reply, as chunks (or frames, with framing). */
  reply?: DataRecord[];
  replyBytes?: number;
  /** With waitMs: the round trip of the first exchange that got a reply (first write to first reply byte otherwise). */
  replyMs?: number;
  /** With waitMs: the round trip of each message, null where none came back in time. */
  rttMs?: (number | null)[];
  /** How the connection ended: the peer closed, or we did after waiting. */
  closedBy: 'peer' | 'us';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function connectTimed(address: string, port: number, timeoutMs: number, where: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UdpkitError('E_TIMEOUT', `connect to ${where} timed out after ${timeoutMs} ms`, { errno: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function explain(error: unknown, where: string, phase: string): UdpkitError {
  if (error instanceof UdpkitError) return error;
  const errno = (error as { code?: string }).code;
  if (errno === 'ECONNREFUSED') return new UdpkitError('E_REFUSED', `connection refused by ${where}`, { cause: error, errno });
  if (errno === 'ECONNRESET' || errno === 'EPIPE') {
    return new UdpkitError('E_RESET', `connection reset by ${where} while ${phase}`, { cause: error, errno });
  }
  if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') {
    return new UdpkitError('E_UNAVAILABLE', `${errno === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable: ${where}`, { cause: error, errno });
  }
  return fromSystemError(error, `${phase} ${where}`);
}

/**
 * Connects to host:port over TCP, writes the payload `count` times on that one connection, half-closes,
 * and with `waitMs` reads the reply.
 * @throws UdpkitError E_REFUSED, E_TIMEOUT (connect), E_RESET (mid-send), E_UNAVAILABLE, E_UNKNOWN_HOST
 */
export async function sendTcp(options: TcpSendOptions): Promise<TcpSendResult> {
  const resolved = await resolveHost(options.host, options.family ?? 0);
  const destination: Endpoint = { ...resolved, port: options.port };
  const where = `${formatEndpoint(destination)} over tcp`;
  const frame = options.frame ?? 'none';
  const count = options.count ?? 1;
  const message = encodeFrame(options.payload, frame);

  const c0 = monotonicMs();
  let socket: Socket;
  try {
    socket = await connectTimed(resolved.address, options.port, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, where);
  } catch (error) {
    throw explain(error, where, 'connecting to');
  }
  const connectMs = monotonicMs() - c0;
  const local = unmapEndpoint(socket.localAddress ?? '', socket.localPort ?? 0, socket.localFamily ?? '');

  let failure: unknown;
  let peerClosed = false;
  const deframer = new Deframer(frame, Number.MAX_SAFE_INTEGER);
  const reply: DataRecord[] = [];
  let replyBytes = 0;
  let firstReplyAt: number | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (error) => {
    failure ??= error;
  });
  socket.on('end', () => {
    peerClosed = true;
  });
  let lastUnitAt = 0;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.once('close', wakeUp);
  socket.on('data', (chunk: Buffer) => {
    firstReplyAt ??= monotonicMs();
    replyBytes += chunk.length;
    if (options.waitMs === undefined) return;
    lastUnitAt = monotonicMs();
    for (const payload of deframer.push(chunk)) {
      reply.push({
        event: 'data',
        protocol: 'tcp',
        time: Date.now(),
        conn: 1,
        from: destination,
        local,
        unit: frame === 'none' ? 'chunk' : 'frame',
        payload,
      });
    }
    wakeUp();
  });

  const startedAt = Date.now();
  const t0 = monotonicMs();
  const rttMs: (number | null)[] = [];
  /** Ping mode: waits up to waitMs for a reply unit (a frame with framing, else any chunk) after index `before`. */
  const awaitReply = async (before: number, sentAt: number): Promise<void> => {
    const waitMs = Math.max(0, sentAt + (options.waitMs ?? 0) - monotonicMs());
    // Timers run on the loop's millisecond clock: a flag, not a clock comparison, says the time is up.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      wakeUp();
    }, waitMs);
    for (let turn = 0; turn < 100_000 && reply.length === before && !socket.destroyed && !failure && !timedOut; turn++) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    clearTimeout(timer);
    rttMs.push(reply.length > before ? lastUnitAt - sentAt : null);
  };
  try {
    for (let i = 0; i < count; i++) {
      if (failure) throw failure;
      if (options.waitMs !== undefined) {
        // Ping mode: one message, its reply, then the next.
        if (i > 0 && (options.intervalMs ?? 0) > 0) await sleep(options.intervalMs ?? 0);
        const before = reply.length;
        const sentAt = monotonicMs();
        // No wait for the write's callback: a failed write shows up as the socket's error.
        socket.write(message);
        await awaitReply(before, sentAt);
        continue;
      }
      if (i > 0 && (options.intervalMs ?? 0) > 0) await sleep(options.intervalMs ?? 0);
      const flushed = new Promise<void>((resolve, reject) => socket.write(message, (error) => (error ? reject(error) : resolve())));
      // Await every write when paced; otherwise only when the socket's buffer is full (backpressure).
      if ((options.intervalMs ?? 0) > 0 || socket.writableNeedDrain || i === count - 1) await flushed;
      else flushed.catch(() => undefined);
    }
    const sendMs = monotonicMs() - t0;
    await Promise.race([new Promise<void>((resolve) => socket.end(() => resolve())), closed]);
    if (failure) throw failure;

    const waitMs = options.waitMs ?? CLOSE_LINGER_MS;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (failure && (failure as { code?: string }).code !== 'ECONNRESET') throw failure;

    const result: TcpSendResult = {
      protocol: 'tcp',
      destination,
      local,
      connectMs,
      messages: count,
      bytesPerMessage: options.payload.length,
      totalBytes: count * message.length,
      startedAt,
      sendMs,
      closedBy: peerClosed ? 'peer' : 'us',
    };
    if (options.waitMs !== undefined) {
      const partial = deframer.end();
      if (partial) reply.push({ event: 'data', protocol: 'tcp', time: Date.now(), conn: 1, from: destination, local, unit: 'partial', payload: partial });
      if (replyBytes === 0 && !peerClosed) {
        throw new UdpkitError('E_TIMEOUT', `no reply from ${where} within ${options.waitMs} ms`, { errno: 'ETIMEDOUT' });
      }
      result.reply = reply;
      result.replyBytes = replyBytes;
      result.rttMs = rttMs;
      const firstRtt = rttMs.find((v): v is number => v !== null);
      if (firstRtt !== undefined) result.replyMs = firstRtt;
      else if (firstReplyAt !== undefined) result.replyMs = firstReplyAt - t0;
    }
    return result;
  } catch (error) {
    throw explain(error, where, 'sending to');
  } finally {
    socket.destroy();
  }
}
