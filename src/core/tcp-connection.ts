/**
 * One connection a TCP listener accepted: it reads the stream, cuts it into records (chunks or frames), echoes with
 * backpressure, and knows why it closed. It keeps nothing once closed: the listener drops it from its set. @internal
 */
import type { Socket } from 'node:net';
import type { CloseReason, DataRecord, Endpoint, ReplyNote, Traffic, TrafficRecord } from '../types.js';
import { Deframer, FrameTooLargeError, encodeFrame, type Framing } from './framing.js';
import type { Completion } from './completion.js';
import type { Counters } from './stats.js';
import { monotonicMs } from '../clock.js';
import { stillConnected } from './peer-name.js';
import { errnoOf } from '../errors.js';
import { MAX_PENDING_REPLIES, replyNote, type ReplyFunction, type ReplyPlan } from './reply-hook.js';
import type { EchoGuard } from './echo-guard.js';

/** What every connection of one listener shares: its settings, its counters and where records go. */
export interface ConnectionHost {
  readonly frame: Framing;
  readonly maxFrame: number;
  readonly echo: boolean;
  /** Answers frames (a responder); the echo, when on, answers what it leaves unanswered. */
  readonly reply?: ReplyFunction | undefined;
  /** Bounds the reply function's answers per sender (the echo's rate bound). */
  readonly replyGuard?: EchoGuard | undefined;
  readonly now: () => number;
  readonly completion: Completion;
  readonly counters: Counters;
  readonly emit: (record: TrafficRecord) => void;
  /** Whether the listener's reader is behind: every connection stops reading until it catches up. */
  readonly paused: () => boolean;
  /** A chunk was read (the drain step of a shutdown waits until these stop). */
  readonly arrived: () => void;
  /** The connection closed: the listener forgets it. */
  readonly closed: (connection: Connection) => void;
}

export class Connection {
  /** Why it closed, once known; the first reason wins. */
  private reason: CloseReason | undefined;
  private sawFin = false;
  /** Echo replies queued in the socket: reading waits until they drain. */
  private echoBlocked = false;
  private readonly received: Traffic = { bytes: 0, chunks: 0 };
  private readonly sent: Traffic = { bytes: 0, chunks: 0 };
  private readonly openedAt = monotonicMs();
  private readonly deframer: Deframer;
  private readonly head: { protocol: 'tcp'; conn: number; from: Endpoint; local: Endpoint };
  /** Delayed replies waiting (cancelled at close). */
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly socket: Socket,
    id: number,
    from: Endpoint,
    local: Endpoint,
    private readonly host: ConnectionHost,
  ) {
    this.head = { protocol: 'tcp', conn: id, from, local };
    this.deframer = new Deframer(host.frame, host.maxFrame);
  }

  /** Records the open; for a connection that is refused (shutdown, max-conns), its close at once. */
  static refuse(socket: Socket, id: number, from: Endpoint, local: Endpoint, host: ConnectionHost, reason: CloseReason): void {
    const connection = new Connection(socket, id, from, local, host);
    connection.recordOpen();
    socket.destroy();
    connection.recordClose(reason);
  }

  recordOpen(): void {
    this.host.emit({ event: 'open', time: this.host.now(), ...this.head });
  }

  private recordClose(reason: CloseReason): void {
    const { received, sent } = this;
    this.host.emit({ event: 'close', time: this.host.now(), ...this.head, reason, received, sent, durationMs: monotonicMs() - this.openedAt });
  }

  /** Starts reading: records every chunk or frame, echoes, and records the close when the socket closes. */
  start(idleTimeoutMs: number | undefined): void {
    const { socket } = this;
    this.flow();
    if (idleTimeoutMs !== undefined) socket.setTimeout(idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('timeout', () => this.destroy('idle-timeout'));
    socket.on('error', (error) => this.onError(error));
    socket.on('close', () => this.onClose());
  }

  /** Reads only while neither the listener's output nor this connection's echo is backed up. */
  flow(): void {
    if (this.host.paused() || this.echoBlocked) this.socket.pause();
    else this.socket.resume();
  }

  /** Closes the connection for `reason` (unless it already has one), resolving once it has closed. */
  shutdown(reason: CloseReason): Promise<void> {
    return new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.destroy(reason);
    });
  }

  private destroy(reason: CloseReason): void {
    this.reason ??= reason;
    this.socket.destroy();
  }

  private fail(code: string, message: string, reason: CloseReason): void {
    this.reason ??= reason;
    this.host.emit({ event: 'error', time: this.host.now(), ...this.head, code, message });
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const { host, received } = this;
    host.arrived();
    received.bytes += chunk.length;
    received.chunks += 1;
    host.counters.bytes += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.deframer.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      this.fail('EMAXFRAME', error.message, 'max-frame');
      return;
    }
    const unit = host.frame === 'none' ? 'chunk' : 'frame';
    for (const payload of frames) {
      if (host.completion.finished) return;
      host.counters.records += 1;
      const last = host.completion.record(payload);
      // Echo first, then record: the peer's round trip does not wait for our output.
      if (host.reply !== undefined) {
        const record: DataRecord = { event: 'data', time: host.now(), ...this.head, unit, payload };
        this.respond(host.reply, record);
        host.emit(record);
      } else {
        if (host.echo && !this.socket.destroyed) this.echoBack(payload);
        host.emit({ event: 'data', time: host.now(), ...this.head, unit, payload });
      }
      if (last) host.counters.stop();
    }
  }

  /** Answers one frame with the reply function (the echo answers what it leaves), noting the rule on `record`. */
  private respond(reply: ReplyFunction, record: DataRecord): void {
    const plan = reply(record.payload, record.from, record.local);
    if (plan === undefined) {
      if (this.host.echo && !this.socket.destroyed) this.echoBack(record.payload);
      return;
    }
    const held = this.held(plan, record.from);
    record.reply = replyNote(plan, held);
    if (held !== undefined) {
      this.host.counters.echoSuppressed += 1;
      return;
    }
    const send = (): void => {
      for (const payload of plan.replies) if (!this.socket.destroyed) this.echoBack(payload, 'replied');
    };
    if (plan.delayMs <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, plan.delayMs);
    this.timers.add(timer);
  }

  /** Why a plan's replies are held back (too many delayed replies waiting, or over the sender's rate), if they are. */
  private held(plan: ReplyPlan, from: Endpoint): ReplyNote['suppressed'] {
    if (plan.replies.length === 0) return undefined;
    if (plan.delayMs > 0 && this.timers.size >= MAX_PENDING_REPLIES) return 'pending';
    if (this.host.replyGuard?.allow(from.address, from.port, monotonicMs()) === false) return 'rate';
    return undefined;
  }

  private echoBack(payload: Buffer, counter: 'echoed' | 'replied' = 'echoed'): void {
    const reply = this.host.frame === 'none' ? payload : encodeFrame(payload, this.host.frame);
    const more = this.socket.write(reply, (error) => {
      if (error) return;
      this.sent.bytes += reply.length;
      this.sent.chunks += 1;
      this.host.counters[counter] += 1;
    });
    // A peer that sends and never reads: stop reading it until its echoes drain, so memory stays flat.
    if (!more && !this.echoBlocked) {
      this.echoBlocked = true;
      this.flow();
      this.socket.once('drain', () => {
        this.echoBlocked = false;
        this.flow();
      });
    }
  }

  private onEnd(): void {
    // Node.js ends the stream the same way for a FIN and for an RST that followed data: ask the kernel which.
    if (stillConnected(this.socket)) {
      this.sawFin = true;
      this.socket.end();
    } else {
      this.destroy('reset');
    }
  }

  private onError(error: Error): void {
    const errno = errnoOf(error);
    // A peer's reset is how that peer ended its connection (a `close (reset)` record), not the listener's error.
    if (errno === 'ECONNRESET' || errno === 'EPIPE') {
      this.reason ??= 'reset';
      return;
    }
    this.host.counters.socketErrors += 1;
    this.fail(errno ?? 'EIO', error.message, 'error');
  }

  private onClose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.host.closed(this);
    const partial = this.deframer.end();
    if (partial) this.host.emit({ event: 'data', time: this.host.now(), ...this.head, unit: 'partial', payload: partial });
    this.recordClose(this.reason ?? (this.sawFin ? 'fin' : 'reset'));
  }
}
