/** The TCP sender: connect (timed), write every message whole, half-close, and optionally read the reply. */
import { isIP, type Socket } from 'node:net';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint, formatSource } from '../format/endpoint.js';
import { unmapEndpoint } from './endpoint.js';
import type { DataRecord, Endpoint, SendBase } from '../types.js';
import { Deframer, FrameTooLargeError, encodeFrame, type Framing } from './framing.js';
import { DEFAULT_MAX_REPLY, ReplyBox, type ReplyOverflow } from './replies.js';
import { resolveAll } from './resolve.js';
import { AllAttemptsFailed, connectFirst, type FailedAttempt } from './happy-eyeballs.js';
import { checkSendOptions } from './options.js';
import { monotonicMs } from '../clock.js';
import { Pacer } from './pacer.js';
import { messageSource } from './messages.js';

/** Connect timeout when none is given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** A write that makes no progress for this long (the peer does not read) ends the send, when none is given. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
/** Without --wait: how long to wait for the peer to close after our FIN before closing anyway. */
export const CLOSE_LINGER_MS = 500;
/** Messages longer than this are written in slices of it. */
const WRITE_SLICE = 64 * 1024;

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

/** What {@link sendTcp} did. */
export interface TcpSendResult {
  protocol: 'tcp';
  destination: Endpoint;
  local: Endpoint;
  /** Milliseconds the handshake took (what UDP does not have). */
  connectMs: number;
  /** Messages written whole. */
  messages: number;
  bytesPerMessage: number;
  /** Bytes written, framing included. */
  totalBytes: number;
  /** Of `totalBytes`, those the kernel took (less only when a run was interrupted with writes still queued). */
  handedBytes: number;
  startedAt: number;
  /** Milliseconds from the first write to the last write's completion. */
  sendMs: number;
  /** Messages per second achieved, with more than one message (paced: (n − 1) / elapsed from the first send to the last). */
  rate?: number;
  /** With waitMs: every reply, as chunks (or frames, with framing), up to `maxReplyBytes` in all. */
  replies?: DataRecord[];
  /** With waitMs: every reply byte that arrived, kept or not. */
  replyBytes?: number;
  /** With waitMs: reply bytes over `maxReplyBytes`, counted and not kept. */
  replyOverflow?: ReplyOverflow;
  /** With waitMs: the round trip of the first exchange that got a reply (first write to first reply byte otherwise). */
  replyMs?: number;
  /** With waitMs: the round trip of each message, null where none came back in time. */
  rttMs?: (number | null)[];
  /** With waitMs: replies that came after their exchange's wait was over (matched in order; not in `rttMs`). */
  lateReplies?: number;
  /** Addresses of the host name tried before `destination` answered (RFC 8305), with why each failed. */
  triedFirst: FailedAttempt[];
  /** How the connection ended: the peer closed, or we did after waiting. */
  closedBy: 'peer' | 'us';
  /** True when `signal` ended the run early: `messages` counts what was written before. */
  interrupted: boolean;
}

function isReset(error: unknown): boolean {
  const errno = (error as { code?: string } | undefined)?.code;
  return errno === 'ECONNRESET' || errno === 'EPIPE';
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
 * Watches a socket's outgoing queue: when bytes wait to be written and none has left for `ms`, the peer is not
 * reading, and `onStall` is called once. @internal
 */
function stallWatch(socket: Socket, ms: number, onStall: () => void): () => void {
  let lastLength = 0;
  let lastProgress = monotonicMs();
  const timer = setInterval(
    () => {
      const pending = socket.writableLength;
      const now = monotonicMs();
      if (pending === 0 || pending < lastLength) lastProgress = now;
      lastLength = pending;
      if (pending > 0 && now - lastProgress >= ms) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(10, Math.min(250, ms / 4)),
  );
  return () => clearInterval(timer);
}

/**
 * Connects to host:port over TCP, writes the payload `count` times on that one connection, half-closes,
 * and with `waitMs` reads the reply (at most `maxReplyBytes` kept; the rest counted).
 * @throws UdpkitError E_REFUSED, E_TIMEOUT (connect, a stalled write, no reply), E_RESET (mid-send),
 *   E_CLOSED (the peer closed before every exchange was done), E_UNAVAILABLE, E_UNKNOWN_HOST
 */
export async function sendTcp(given: TcpSendOptions): Promise<TcpSendResult> {
  const options = await checkSendOptions(given);
  const sourceFamily = options.sourceAddress === undefined ? 0 : isIP(options.sourceAddress);
  const resolved = await resolveAll(options.host, options.family ?? 0);
  // From a chosen source address, only the destinations of its family can be reached.
  const addresses = sourceFamily === 0 ? resolved : resolved.filter((a) => (a.family === 'IPv6' ? 6 : 4) === sourceFamily);
  if (addresses.length === 0) {
    throw new UdpkitError('E_USAGE', `--source ${options.sourceAddress ?? ''} is IPv${sourceFamily}, but ${options.host} has no IPv${sourceFamily} address`);
  }
  const fromSource =
    options.sourceAddress === undefined && options.sourcePort === undefined
      ? undefined
      : formatSource(options.sourceAddress, options.sourcePort);
  const frame = options.frame ?? 'none';
  // A TCP message has no size limit of its own (the CLI bounds what it reads).
  const source = messageSource(options.payload, options.signal, () => undefined);
  const count = options.count ?? (options.durationMs === undefined && source.fixed !== undefined ? 1 : Number.POSITIVE_INFINITY);
  const paced = (options.intervalMs ?? 0) > 0 || options.durationMs !== undefined;
  const fixedMessage = source.fixed === undefined ? undefined : encodeFrame(source.fixed, frame);
  let totalBytes = 0;
  let largest = source.fixed?.length ?? 0;
  /** The next message, framed; undefined when a stream has ended. */
  const take = async (index: number): Promise<Buffer | undefined> => {
    if (fixedMessage !== undefined) {
      totalBytes += fixedMessage.length;
      return fixedMessage;
    }
    const payload = await source.next(index);
    if (payload === undefined) return undefined;
    if (payload.length > largest) largest = payload.length;
    const framed = encodeFrame(payload, frame);
    totalBytes += framed.length;
    return framed;
  };
  const signal = options.signal;
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const every = addresses.map((a) => formatEndpoint({ address: a.address, port: options.port }));
  const whereAll = addresses.length === 1 ? `${every[0]} over tcp` : `${every.join(' and ')} over tcp (every address of ${options.host})`;

  const c0 = monotonicMs();
  let connected: Awaited<ReturnType<typeof connectFirst>>;
  try {
    connected = await connectFirst(addresses, options.port, connectTimeoutMs, () =>
      new UdpkitError('E_TIMEOUT', `connect to ${whereAll} timed out after ${connectTimeoutMs} ms`, { errno: 'ETIMEDOUT' }),
      { address: options.sourceAddress, port: options.sourcePort },
    );
  } catch (error) {
    const cause = error instanceof AllAttemptsFailed ? error.cause : error;
    const errno = (cause as { code?: string }).code;
    // A chosen source that cannot be bound (in use, not local) is named as the source, not as the destination.
    if (fromSource !== undefined && (errno === 'EADDRINUSE' || errno === 'EADDRNOTAVAIL')) throw fromSystemError(cause, `cannot send from ${fromSource}`);
    throw explain(cause, whereAll, 'connecting to');
  }
  const { socket, failed } = connected;
  const destination: Endpoint = { ...connected.address, port: options.port };
  const where = `${formatEndpoint(destination)} over tcp`;
  const connectMs = monotonicMs() - c0;
  const local = unmapEndpoint(socket.localAddress ?? '', socket.localPort ?? 0, socket.localFamily ?? '');

  let failure: Error | undefined;
  let peerClosed = false;
  const maxReply = options.maxReplyBytes ?? DEFAULT_MAX_REPLY;
  const box = new ReplyBox<DataRecord>(maxReply, options.onReply);
  // A frame can never be longer than what may be kept: the deframer's memory is bounded by the same figure.
  const deframer = new Deframer(frame, Math.max(1, maxReply));
  let replyBytes = 0;
  let firstReplyAt: number | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.on('error', (error) => {
    failure ??= error;
    wakeUp();
  });
  socket.on('end', () => {
    peerClosed = true;
    wakeUp();
  });
  socket.once('close', wakeUp);
  let abortNow: (() => void) | undefined;
  /** Resolves on Ctrl+C: a write that the peer does not take must not hold the run past it. */
  const aborted = new Promise<void>((resolve) => (abortNow = resolve));
  if (signal?.aborted) abortNow?.();
  const onAbort = (): void => {
    abortNow?.();
    wakeUp();
  };
  signal?.addEventListener('abort', onAbort);
  let written = 0;
  /** Bytes whose write completed: handed to the kernel (not necessarily read by the peer). */
  let handed = 0;
  const onWritten = (length: number) => (error?: Error | null) => {
    if (!error) handed += length;
  };
  const stopWatch = stallWatch(socket, sendTimeoutMs, () => {
    failure ??= new UdpkitError(
      'E_TIMEOUT',
      `sending to ${where} made no progress for ${sendTimeoutMs} ms: the peer is not reading ` +
        `(${handed} of ${written} bytes handed to the kernel)`,
      { errno: 'ETIMEDOUT' },
    );
    socket.destroy();
    wakeUp();
  });
  let lastUnitAt = 0;
  /**
   * Ping mode: exchanges not yet answered, oldest first, each with its reply time once it has one. Replies are
   * matched in order (TCP keeps it): each reply unit answers the oldest exchange still waiting, so a reply that
   * comes after its exchange timed out is counted late, never as the answer to the exchange after it.
   */
  const unanswered: { answeredAt?: number; timedOut: boolean }[] = [];
  let late = 0;
  let deframing = options.waitMs !== undefined;
  socket.on('data', (chunk: Buffer) => {
    firstReplyAt ??= monotonicMs();
    replyBytes += chunk.length;
    if (!deframing) {
      if (options.waitMs !== undefined) box.drop(chunk.length);
      return;
    }
    lastUnitAt = monotonicMs();
    let payloads: Buffer[];
    try {
      payloads = deframer.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      // A frame longer than every byte we may keep: count the rest of the stream instead of holding it.
      deframing = false;
      box.drop(error.size);
      wakeUp();
      return;
    }
    for (const payload of payloads) {
      const exchange = unanswered.shift();
      if (exchange?.timedOut === true) late += 1;
      else if (exchange !== undefined) exchange.answeredAt = lastUnitAt;
      const record: DataRecord = { event: 'data', protocol: 'tcp', time: Date.now(), conn: 1, from: destination, local, unit: frame === 'none' ? 'chunk' : 'frame', payload };
      if (!box.offer(record) && frame === 'none') deframing = false;
    }
    wakeUp();
  });

  const startedAt = Date.now();
  const t0 = monotonicMs();
  const rttMs: (number | null)[] = [];
  const peerGone = (): boolean => peerClosed || socket.destroyed;
  /** Ping mode: waits up to waitMs for this exchange's reply (a frame with framing, else a chunk). */
  const awaitReply = async (exchange: { answeredAt?: number; timedOut: boolean }, sentAt: number): Promise<void> => {
    const waitMs = Math.max(0, sentAt + (options.waitMs ?? 0) - monotonicMs());
    // Timers run on the loop's millisecond clock: a flag, not a clock comparison, says the time is up.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      wakeUp();
    }, waitMs);
    const answered = (): boolean => exchange.answeredAt !== undefined;
    for (let turn = 0; turn < 100_000 && !answered() && deframing && !peerGone() && !failure && !timedOut && !signal?.aborted; turn++) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    clearTimeout(timer);
    if (exchange.answeredAt !== undefined) rttMs.push(exchange.answeredAt - sentAt);
    else if (!deframing) rttMs.push(lastUnitAt - sentAt);
    else if (timedOut) rttMs.push(null);
    // Unanswered, for whatever reason: a reply that still comes is late.
    exchange.timedOut = exchange.answeredAt === undefined;
  };
  let messages = 0;
  const pacer = new Pacer(options.intervalMs ?? 0, signal, options.durationMs);
  try {
    for (let i = 0; i < count && !signal?.aborted; i++) {
      // In ping mode a reset ends the exchanges, and is reported as how far they got.
      if (failure && options.waitMs !== undefined && isReset(failure)) break;
      if (failure) throw failure;
      if (paced && !(await pacer.due(i))) break;
      const message = await take(i);
      if (message === undefined) break;
      if (options.waitMs !== undefined) {
        // Ping mode: one message, its reply, then the next. A peer that has closed gets nothing more.
        if (peerGone()) break;
        const exchange = { timedOut: false };
        unanswered.push(exchange);
        const sentAt = monotonicMs();
        // No wait for the write's callback: a failed write shows up as the socket's error.
        socket.write(message, onWritten(message.length));
        written += message.length;
        messages += 1;
        await awaitReply(exchange, sentAt);
        continue;
      }
      // A large message goes down in slices, so a reset in the middle of it can say how much reached the kernel.
      let flushed: Promise<void> = Promise.resolve();
      for (let at = 0; at === 0 || at < message.length; at += WRITE_SLICE) {
        const slice = message.subarray(at, at + WRITE_SLICE);
        flushed.catch(() => undefined);
        flushed = new Promise<void>((resolve, reject) =>
          socket.write(slice, (error) => {
            onWritten(slice.length)(error);
            if (error) reject(error);
            else resolve();
          }),
        );
      }
      written += message.length;
      messages += 1;
      // Await every write when paced; otherwise only when the socket's buffer is full (backpressure).
      if (paced || socket.writableNeedDrain || i === count - 1) await Promise.race([flushed, closed, aborted]);
      else flushed.catch(() => undefined);
    }
    const sendMs = monotonicMs() - t0;
    // Interrupted with bytes still queued: drop them (what reached the kernel is reported) rather than wait for the peer.
    if (signal?.aborted && socket.writableLength > 0) socket.destroy();
    if (!socket.destroyed) await Promise.race([new Promise<void>((resolve) => socket.end(() => resolve())), closed, aborted]);
    const resetBy = isReset(failure);
    if ((peerClosed || resetBy) && options.waitMs !== undefined && messages < count && !signal?.aborted) {
      // Ping mode cut short by the peer: say how far it got, whichever way it went (a FIN, or an RST).
      const got = rttMs.filter((v) => v !== null).length;
      throw new UdpkitError(
        'E_CLOSED',
        `peer ${resetBy ? 'reset' : 'closed'} the connection after ${Number.isFinite(count) ? `${got} of ${count}` : got} exchanges: ${where} ` +
          `(${messages} message${messages === 1 ? '' : 's'} sent, ${replyBytes} reply bytes received)`,
        resetBy ? { errno: 'ECONNRESET' } : undefined,
      );
    }
    if (failure) throw failure;

    const lingerMs = signal?.aborted ? 0 : (options.waitMs ?? CLOSE_LINGER_MS);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, lingerMs)))]);
    clearTimeout(timer);
    // Set by the socket's handlers while we waited (TypeScript cannot see that, hence the type restated).
    const lingerFailure = failure as Error | undefined;
    if (lingerFailure && (lingerFailure as { code?: string }).code !== 'ECONNRESET') throw lingerFailure;

    const result: TcpSendResult = {
      protocol: 'tcp',
      destination,
      local,
      connectMs,
      messages,
      bytesPerMessage: largest,
      totalBytes,
      handedBytes: handed,
      startedAt,
      sendMs,
      closedBy: peerClosed ? 'peer' : 'us',
      triedFirst: failed,
      interrupted: signal?.aborted === true,
    };
    const rate = paced ? pacer.achievedRate(messages) : messages > 1 && sendMs > 0 ? (messages * 1000) / sendMs : undefined;
    if (rate !== undefined) result.rate = rate;
    if (options.waitMs !== undefined) {
      const partial = deframing ? deframer.end() : undefined;
      if (partial) box.offer({ event: 'data', protocol: 'tcp', time: Date.now(), conn: 1, from: destination, local, unit: 'partial', payload: partial });
      if (replyBytes === 0 && !result.interrupted) {
        if (peerClosed) {
          throw new UdpkitError('E_TIMEOUT', `no reply from ${where}: the peer closed the connection without replying`, { errno: 'ETIMEDOUT' });
        }
        throw new UdpkitError('E_TIMEOUT', `no reply from ${where} within ${options.waitMs} ms`, { errno: 'ETIMEDOUT' });
      }
      result.replies = box.kept;
      result.replyBytes = replyBytes;
      result.replyOverflow = box.overflow;
      result.rttMs = rttMs;
      result.lateReplies = late;
      const firstRtt = rttMs.find((v): v is number => v !== null);
      if (firstRtt !== undefined) result.replyMs = firstRtt;
      else if (firstReplyAt !== undefined) result.replyMs = firstReplyAt - t0;
    }
    return result;
  } catch (caught) {
    // A stall we diagnosed destroys the socket, and writes still queued then fail as "destroyed": ours is the cause.
    const error = failure instanceof UdpkitError ? failure : caught;
    if (error instanceof UdpkitError) throw error;
    const errno = (error as { code?: string }).code;
    if (errno === 'ECONNRESET' || errno === 'EPIPE') {
      throw new UdpkitError('E_RESET', `connection reset by ${where} while sending: ${handed} of ${written} bytes had been handed to the kernel`, {
        cause: error,
        errno,
      });
    }
    throw explain(error, where, 'sending to');
  } finally {
    stopWatch();
    signal?.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}
