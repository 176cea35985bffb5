/**
 * One connection of the TCP sender, from the first write to the close: the messages written (as a stream, or one
 * exchange at a time in ping mode), the replies read, the half-close and how the peer ended it. @internal
 */
import type { Socket } from 'node:net';
import { UdpkitError, errnoOf, fromSystemError } from '../errors.js';
import type { DataRecord, Endpoint } from '../types.js';
import type { Framing } from './framing.js';
import type { Pacer } from './pacer.js';
import { Waiter } from './waiter.js';
import { PingLoop } from './ping-loop.js';
import { MessageWriter, stallWatch } from './tcp-writer.js';
import { TcpReplies } from './tcp-replies.js';

/** What a connection's run is given. */
export interface TcpRunSettings {
  destination: Endpoint;
  local: Endpoint;
  frame: Framing;
  /** The next framed message, or undefined when a stream has ended. */
  take: (index: number) => Promise<Buffer | undefined>;
  count: number;
  paced: boolean;
  pacer: Pacer;
  signal: AbortSignal | undefined;
  /** Ping mode: how long each exchange waits for its answer. */
  waitMs: number | undefined;
  maxReplyBytes: number;
  onReply: ((record: DataRecord) => void) | undefined;
  sendTimeoutMs: number;
  /** Without waitMs: how long to wait for the peer to close after our FIN. */
  lingerMs: number;
}

/** Whether a socket error is the peer resetting the connection. */
export function isReset(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno === 'ECONNRESET' || errno === 'EPIPE';
}

/**
 * A failure on a TCP connection as a UdpkitError: refused, reset, unreachable, named with what was being done.
 * @param reset how a reset reads, when the caller can say more (how far the writes got)
 */
export function explainTcp(error: unknown, where: string, phase: string, reset = `connection reset by ${where} while ${phase}`): UdpkitError {
  return fromSystemError(error, `${phase} ${where}`, (errno) => {
    if (errno === 'ECONNREFUSED') return ['E_REFUSED', `connection refused by ${where}`];
    if (errno === 'ECONNRESET' || errno === 'EPIPE') return ['E_RESET', reset];
    if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') return ['E_UNAVAILABLE', `${errno === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable: ${where}`];
    return undefined;
  });
}

export class TcpSendRun {
  failure: Error | undefined;
  peerClosed = false;
  /** Messages written whole (ping mode: exchanges sent). */
  messages = 0;
  /** How far the writes had got when the peer's FIN or RST was first seen. */
  private closedAt: { handed: number; messages: number } | undefined;
  readonly where: string;
  readonly writer: MessageWriter;
  readonly replies: TcpReplies;
  loop: PingLoop | undefined;
  private readonly waiter: Waiter;
  private readonly closed: Promise<void>;
  /** Resolves on Ctrl+C: a write that the peer does not take must not hold the run past it. */
  private readonly aborted: Promise<void>;
  private readonly stopWatch: () => void;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly settings: TcpRunSettings,
    where: string,
  ) {
    this.where = where;
    this.waiter = new Waiter(settings.signal);
    this.writer = new MessageWriter(socket);
    const ends = { from: settings.destination, local: settings.local };
    this.replies = new TcpReplies(settings.frame, settings.maxReplyBytes, ends, settings.onReply, settings.waitMs !== undefined);
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const signal = settings.signal;
    this.aborted = new Promise<void>((resolve) => {
      this.onAbort = () => resolve();
      if (signal?.aborted === true) resolve();
      signal?.addEventListener('abort', this.onAbort, { once: true });
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('end', () => {
      this.peerClosed = true;
      this.closedAt ??= { handed: this.writer.handed, messages: this.messages };
      this.waiter.wake();
    });
    socket.once('close', this.waiter.wake);
    socket.on('data', (chunk: Buffer) => {
      this.replies.push(chunk, this.loop);
      this.waiter.wake();
    });
    this.stopWatch = stallWatch(socket, settings.sendTimeoutMs, () => this.stall());
  }

  private fail(error: Error): void {
    if (isReset(error)) this.closedAt ??= { handed: this.writer.handed, messages: this.messages };
    this.failure ??= error;
    this.waiter.wake();
  }

  private stall(): void {
    const { sendTimeoutMs } = this.settings;
    const { handed, written } = this.writer;
    this.fail(
      new UdpkitError(
        'E_TIMEOUT',
        `sending to ${this.where} made no progress for ${sendTimeoutMs} ms: the peer is not reading ` + `(${handed} of ${written} bytes handed to the kernel)`,
        { errno: 'ETIMEDOUT' },
      ),
    );
    this.socket.destroy();
  }

  private get peerGone(): boolean {
    return this.peerClosed || this.socket.destroyed;
  }

  /** Writes every message as a stream: awaited when paced, at the end, or when the socket's buffer is full. */
  async stream(): Promise<void> {
    const { count, paced, pacer, signal, take } = this.settings;
    for (let i = 0; i < count && signal?.aborted !== true; i++) {
      if (this.failure) throw this.failure;
      if (paced && !(await pacer.due(i))) break;
      // The peer closed (FIN) or went away: what would be written now can only be refused. finish() says so.
      if (this.socket.destroyed) break;
      const message = await take(i);
      if (message === undefined) break;
      const flushed = this.writer.write(message);
      this.messages += 1;
      if (paced || this.socket.writableNeedDrain || i === count - 1) await Promise.race([flushed, this.closed, this.aborted]);
      else flushed.catch(() => undefined);
    }
  }

  /** Ping mode: one message, its reply, then the next. A reset ends the exchanges and is reported as how far they got. */
  async ping(waitMs: number): Promise<void> {
    const { count, pacer, signal, take } = this.settings;
    this.loop = new PingLoop(
      {
        take,
        send: (message) => this.writer.writeAndForget(message),
        stopped: () => this.peerGone || this.failure !== undefined,
      },
      { count, waitMs, matching: 'in-order', pacer, waiter: this.waiter, signal },
    );
    await this.loop.run();
    this.messages = this.loop.sent;
    if (this.failure && !isReset(this.failure)) throw this.failure;
  }

  /**
   * Half-closes and waits for the peer's close (at most the linger), then says how the exchange ended.
   * @throws UdpkitError E_CLOSED when the peer closed or reset before every exchange of a ping was done
   */
  async finish(): Promise<void> {
    const { signal, waitMs, count } = this.settings;
    // Interrupted with bytes still queued: drop them (what reached the kernel is reported) rather than wait for the peer.
    if (signal?.aborted === true && this.socket.writableLength > 0) this.socket.destroy();
    if (!this.socket.destroyed) await Promise.race([new Promise<void>((resolve) => this.socket.end(() => resolve())), this.closed, this.aborted]);
    const resetBy = isReset(this.failure);
    if ((this.peerClosed || resetBy) && waitMs !== undefined && this.messages < count && signal?.aborted !== true) {
      // Ping mode cut short by the peer: say how far it got, whichever way it went (a FIN, or an RST).
      const got = this.loop?.rttMs.filter((v) => v !== null).length ?? 0;
      const sent = `${this.messages} message${this.messages === 1 ? '' : 's'} sent, ${this.replies.bytes} reply bytes received`;
      throw new UdpkitError(
        'E_CLOSED',
        `peer ${resetBy ? 'reset' : 'closed'} the connection after ${Number.isFinite(count) ? `${got} of ${count}` : got} exchanges: ${this.where} (${sent})`,
        resetBy ? { errno: 'ECONNRESET' } : undefined,
      );
    }
    if (this.failure && !isReset(this.failure)) throw this.failure;
    this.checkDelivered();
    const lingerMs = signal?.aborted === true ? 0 : (waitMs ?? this.settings.lingerMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, lingerMs)))]);
    clearTimeout(timer);
    // A reset once everything was handed over is how the peer ended it; anything else is a failure.
    const lingerFailure = this.failure;
    if (lingerFailure && !isReset(lingerFailure)) throw lingerFailure;
  }

  /**
   * A stream the peer closed or reset before it was all written: never reported as sent. What the writes had handed
   * to the kernel when the peer's FIN or RST came is the most the peer can have taken.
   * @throws UdpkitError E_CLOSED (the peer closed) or E_RESET (it reset)
   */
  private checkDelivered(): void {
    const { count, signal } = this.settings;
    const { handed, written } = this.writer;
    const short = handed < written || (Number.isFinite(count) && this.messages < count && this.closedAt !== undefined);
    if (!short || signal?.aborted === true) return;
    const at = this.closedAt ?? { handed, messages: this.messages };
    const total = Number.isFinite(count) ? count : this.messages;
    const how = isReset(this.failure) ? 'reset' : 'closed';
    throw new UdpkitError(
      how === 'reset' ? 'E_RESET' : 'E_CLOSED',
      `peer ${how} the connection before everything was delivered: ${this.where} ` +
        `(${at.messages} of ${total} message${total === 1 ? '' : 's'}, ${at.handed} byte${at.handed === 1 ? '' : 's'}, had been handed to the kernel by then)`,
      how === 'reset' ? { errno: 'ECONNRESET' } : undefined,
    );
  }

  /** A failure of the run as a UdpkitError; a stall we diagnosed is the cause of the writes that failed after it. */
  explain(caught: unknown): UdpkitError {
    const error = this.failure instanceof UdpkitError ? this.failure : caught;
    const { handed, written } = this.writer;
    return explainTcp(error, this.where, 'sending to', `connection reset by ${this.where} while sending: ${handed} of ${written} bytes had been handed to the kernel`);
  }

  dispose(): void {
    if (this.onAbort !== undefined) this.settings.signal?.removeEventListener('abort', this.onAbort);
    this.stopWatch();
    this.waiter.dispose();
    this.socket.destroy();
  }
}
