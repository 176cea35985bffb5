/** The TCP sender: connect (timed), write every message whole, half-close, and optionally read the reply. */
import { isIP, type Socket } from 'node:net';
import { UdpkitError, errnoOf, fromSystemError } from '../errors.js';
import { formatEndpoint, formatSource } from '../format/endpoint.js';
import { unmapEndpoint } from './endpoint.js';
import type { DataRecord, Endpoint, SendBase, SendResult } from '../types.js';
import { encodeFrame, type Framing } from './framing.js';
import { DEFAULT_MAX_REPLY } from './replies.js';
import { resolveAll } from './resolve.js';
import { AllAttemptsFailed, connectFirst, describeAttempts, type FailedAttempt } from './happy-eyeballs.js';
import { checkSendOptions } from './options.js';
import { monotonicMs } from '../clock.js';
import { Pacer } from './pacer.js';
import { messageSource, type MessageSource } from './messages.js';
import { TcpSendRun, explainTcp } from './tcp-send-run.js';

/** Connect timeout when none is given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** A write that makes no progress for this long (the peer does not read) ends the send, when none is given. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
/** Without --wait: how long to wait for the peer to close after our FIN before closing anyway. */
export const CLOSE_LINGER_MS = 500;

/** Options of {@link sendTcp}. */
export interface TcpSendOptions extends SendBase {
  /** Delimiter or prefix added to each message (default `none`). */
  frame?: Framing | undefined;
  connectTimeoutMs?: number | undefined;
  /** Give up when written bytes make no progress for this long (default {@link DEFAULT_SEND_TIMEOUT_MS}). */
  sendTimeoutMs?: number | undefined;
  /** Connect from this local address (it must be one of this host's); only destinations of its family are tried. */
  sourceAddress?: string | undefined;
  /** Connect from this local port (one connection attempt at a time, then). */
  sourcePort?: number | undefined;
}

/** What {@link sendTcp} did: a {@link SendResult} whose messages were written on one connection. */
export interface TcpSendResult extends SendResult<DataRecord> {
  protocol: 'tcp';
  /** Milliseconds the handshake took (what UDP does not have). */
  connectMs: number;
  /** Of `totalBytes`, those the kernel took (less only when a run was interrupted with writes still queued). */
  handedBytes: number;
  /** With waitMs: every reply byte that arrived, kept or not. */
  replyBytes?: number;
  /** Addresses of the host name tried before `destination` answered (RFC 8305), with why each failed. */
  triedFirst: FailedAttempt[];
  /** How the connection ended: the peer closed, or we did after waiting. */
  closedBy: 'peer' | 'us';
}

/** The connection made, and what it took. */
interface Connected {
  socket: Socket;
  destination: Endpoint;
  local: Endpoint;
  connectMs: number;
  failed: FailedAttempt[];
}

/**
 * Resolves the host and connects to the first of its addresses that answers (RFC 8305), from the source asked.
 * @throws UdpkitError E_USAGE (a source of a family the host has no address of), E_REFUSED, E_TIMEOUT, E_UNAVAILABLE
 */
async function connectTcp(options: TcpSendOptions): Promise<Connected> {
  const sourceFamily = options.sourceAddress === undefined ? 0 : isIP(options.sourceAddress);
  const resolved = await resolveAll(options.host, options.family ?? 0);
  // From a chosen source address, only the destinations of its family can be reached.
  const addresses = sourceFamily === 0 ? resolved : resolved.filter((a) => (a.family === 'IPv6' ? 6 : 4) === sourceFamily);
  if (addresses.length === 0) {
    throw new UdpkitError('E_USAGE', `--source ${options.sourceAddress ?? ''} is IPv${sourceFamily}, but ${options.host} has no IPv${sourceFamily} address`);
  }
  const whereAll = describeAttempts(addresses, options.port, options.host);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const c0 = monotonicMs();
  try {
    const { socket, address, failed } = await connectFirst(
      addresses,
      options.port,
      connectTimeoutMs,
      () => new UdpkitError('E_TIMEOUT', `connect to ${whereAll} timed out after ${connectTimeoutMs} ms`, { errno: 'ETIMEDOUT' }),
      { address: options.sourceAddress, port: options.sourcePort },
    );
    const local = unmapEndpoint(socket.localAddress ?? '', socket.localPort ?? 0, socket.localFamily ?? '');
    return { socket, destination: { ...address, port: options.port }, local, connectMs: monotonicMs() - c0, failed };
  } catch (error) {
    const cause = error instanceof AllAttemptsFailed ? error.cause : error;
    const errno = errnoOf(cause);
    // A chosen source that cannot be bound (in use, not local) is named as the source, not as the destination.
    const chosen = options.sourceAddress !== undefined || options.sourcePort !== undefined;
    if (chosen && (errno === 'EADDRINUSE' || errno === 'EADDRNOTAVAIL')) {
      throw fromSystemError(cause, `cannot send from ${formatSource(options.sourceAddress, options.sourcePort)}`);
    }
    throw explainTcp(cause, whereAll, 'connecting to');
  }
}

/** The messages to write, framed, with the bytes and the largest payload counted as they are taken. */
function framedMessages(source: MessageSource, frame: Framing) {
  const fixedMessage = source.fixed === undefined ? undefined : encodeFrame(source.fixed, frame);
  const totals = { bytes: 0, largest: source.fixed?.length ?? 0 };
  const take = async (index: number): Promise<Buffer | undefined> => {
    if (fixedMessage !== undefined) {
      totals.bytes += fixedMessage.length;
      return fixedMessage;
    }
    const payload = await source.next(index);
    if (payload === undefined) return undefined;
    if (payload.length > totals.largest) totals.largest = payload.length;
    const framed = encodeFrame(payload, frame);
    totals.bytes += framed.length;
    return framed;
  };
  return { take, totals };
}

/**
 * Connects to host:port over TCP, writes the payload `count` times on that one connection, half-closes,
 * and with `waitMs` reads the reply (at most `maxReplyBytes` kept; the rest counted).
 * @throws UdpkitError E_REFUSED, E_TIMEOUT (connect, a stalled write, no reply), E_RESET (mid-send),
 *   E_CLOSED (the peer closed before every exchange was done), E_UNAVAILABLE, E_UNKNOWN_HOST
 */
export async function sendTcp(given: TcpSendOptions): Promise<TcpSendResult> {
  const options = await checkSendOptions(given);
  const connected = await connectTcp(options);
  const frame = options.frame ?? 'none';
  // A TCP message has no size limit of its own (the CLI bounds what it reads).
  const source = messageSource(options.payload, options.signal, () => undefined);
  const { take, totals } = framedMessages(source, frame);
  const count = options.count ?? (options.durationMs === undefined && source.fixed !== undefined ? 1 : Number.POSITIVE_INFINITY);
  const paced = (options.intervalMs ?? 0) > 0 || options.durationMs !== undefined;
  const pacer = new Pacer(options.intervalMs ?? 0, options.signal, options.durationMs, options.count);
  const run = new TcpSendRun(
    connected.socket,
    {
      ...connected,
      frame,
      take,
      count,
      paced,
      pacer,
      signal: options.signal,
      waitMs: options.waitMs,
      maxReplyBytes: options.maxReplyBytes ?? DEFAULT_MAX_REPLY,
      onReply: options.onReply,
      sendTimeoutMs: options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
      lingerMs: CLOSE_LINGER_MS,
    },
    `${formatEndpoint(connected.destination)} over tcp`,
  );
  const startedAt = Date.now();
  const t0 = monotonicMs();
  try {
    if (options.waitMs === undefined) await run.stream();
    else await run.ping(options.waitMs);
    const sendMs = monotonicMs() - t0;
    await run.finish();
    const result: TcpSendResult = {
      protocol: 'tcp',
      destination: connected.destination,
      local: connected.local,
      connectMs: connected.connectMs,
      messages: run.messages,
      bytesPerMessage: totals.largest,
      totalBytes: totals.bytes,
      handedBytes: run.writer.handed,
      startedAt,
      sendMs,
      closedBy: run.peerClosed ? 'peer' : 'us',
      triedFirst: connected.failed,
      interrupted: options.signal?.aborted === true,
    };
    const rate = paced || options.waitMs !== undefined ? pacer.achievedRate(run.messages) : run.messages > 1 && sendMs > 0 ? (run.messages * 1000) / sendMs : undefined;
    if (rate !== undefined) result.rate = rate;
    if (rate !== undefined && paced && options.waitMs === undefined) result.spanMs = pacer.spanMs;
    if (options.waitMs !== undefined) addReplies(result, run, options.waitMs, t0);
    return result;
  } catch (caught) {
    throw run.explain(caught);
  } finally {
    source.close();
    run.dispose();
  }
}

/**
 * Ping mode: adds the replies and round trips to the result.
 * @throws UdpkitError E_TIMEOUT when no reply byte came at all
 */
function addReplies(result: TcpSendResult, run: TcpSendRun, waitMs: number, t0: number): void {
  const { replies, loop } = run;
  replies.end();
  if (replies.bytes === 0 && !result.interrupted) {
    if (run.peerClosed) {
      throw new UdpkitError('E_TIMEOUT', `no reply from ${run.where}: the peer closed the connection without replying`, { errno: 'ETIMEDOUT' });
    }
    throw new UdpkitError('E_TIMEOUT', `no reply from ${run.where} within ${waitMs} ms`, { errno: 'ETIMEDOUT' });
  }
  result.replies = replies.kept;
  result.replyBytes = replies.bytes;
  result.replyOverflow = replies.overflow;
  result.rttMs = loop?.rttMs ?? [];
  result.lateReplies = loop?.late ?? 0;
  const firstRtt = loop?.firstRtt;
  if (firstRtt !== undefined) result.replyMs = firstRtt;
  else if (replies.firstAt !== undefined) result.replyMs = replies.firstAt - t0;
}
