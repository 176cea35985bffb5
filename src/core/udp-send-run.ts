/**
 * One run of the UDP sender: its sockets, its first failure, the replies it keeps, and the two ways it sends: a
 * flood (or a paced stream) that keeps at most {@link HIGH_WATER} sends in flight, and a ping that waits for each
 * answer. @internal
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { UdpkitError } from '../errors.js';
import { unmapEndpoint } from './endpoint.js';
import type { DatagramRecord, Endpoint, SendResult } from '../types.js';
import { ReplyBox } from './replies.js';
import { monotonicMs } from '../clock.js';
import type { Pacer } from './pacer.js';
import type { MessageSource } from './messages.js';
import { Waiter } from './waiter.js';
import { PingLoop } from './ping-loop.js';
import { boundEndpoint, closeAll, explainSendError, openSendSocket, type UdpSendPlan } from './udp-send-socket.js';

/** Sends handed to the socket and not yet completed, at most: past it the loop waits for half to complete. */
const HIGH_WATER = 512;
/** Ping mode: sockets kept listening for late replies after their exchange went unanswered. */
const MAX_RETIRED = 32;

/** What a run settles on before it starts. */
export interface UdpRunSettings {
  plan: UdpSendPlan;
  source: MessageSource;
  count: number;
  paced: boolean;
  pacer: Pacer;
  signal: AbortSignal | undefined;
  maxReplyBytes: number;
  onReply: ((record: DatagramRecord) => void) | undefined;
  /** Connected sockets, no reply awaited: how long to linger for an ICMP error. */
  settleMs: number;
}

/** What a run reports; the sender adds where it went and when. */
export type UdpRunOutcome = Omit<SendResult<DatagramRecord>, 'protocol' | 'destination' | 'local' | 'startedAt'>;

export class UdpSendRun {
  private failure: unknown;
  private readonly waiter: Waiter;
  /** Every socket made, closed at the end. */
  private readonly sockets: Socket[] = [];
  private readonly box: ReplyBox<DatagramRecord>;
  private totalBytes = 0;
  private largest: number;
  private inflight = 0;
  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.waiter.wake();
  };

  constructor(private readonly settings: UdpRunSettings) {
    this.waiter = new Waiter(settings.signal);
    this.box = new ReplyBox<DatagramRecord>(settings.maxReplyBytes, settings.onReply);
    this.largest = settings.source.fixed?.length ?? 0;
  }

  /** Opens a socket as the plan says; it is closed by {@link close}. */
  open(): Promise<Socket> {
    return openSendSocket(this.settings.plan, this.onError, (socket) => this.sockets.push(socket));
  }

  /** Throws the first failure, explained, if there was one. */
  private check(): void {
    if (this.failure !== undefined) throw this.explain(this.failure);
  }

  /** A failure of this run as a UdpkitError. */
  explain(error: unknown): UdpkitError {
    return error instanceof UdpkitError ? error : explainSendError(this.settings.plan, error);
  }

  /** The next datagram's payload (counted); undefined when a stream has ended. */
  private async take(index: number): Promise<Buffer | undefined> {
    const message = this.settings.source.fixed ?? (await this.settings.source.next(index));
    if (message !== undefined) {
      this.totalBytes += message.length;
      if (message.length > this.largest) this.largest = message.length;
    }
    return message;
  }

  private send(socket: Socket, payload: Buffer, done: (error: Error | null) => void): void {
    const { plan } = this.settings;
    if (plan.connect) socket.send(payload, done);
    else socket.send(payload, plan.destination.port, plan.destination.address, done);
  }

  private readonly onSent = (error: Error | null): void => {
    this.inflight -= 1;
    if (error) this.failure ??= error;
    if (this.inflight < HIGH_WATER / 2 || error) this.waiter.wake();
  };

  /**
   * Waits until every send handed to the socket has completed (or one failed); also after Ctrl+C, so that what is
   * counted as sent did leave (the kernel completes a send at once or fails it).
   */
  private async settle(): Promise<void> {
    await this.waiter.until(() => this.inflight === 0 || this.failure !== undefined, undefined, { ignoreAbort: true });
  }

  /** The next payload of a stream; a bad one still lets what was sent before it leave before the error ends the run. */
  private async takeSettled(index: number): Promise<Buffer | undefined> {
    try {
      return await this.take(index);
    } catch (error) {
      await this.settle();
      throw error;
    }
  }

  /** Sends `count` datagrams (or the stream) from `socket`, as fast as it takes them or as paced. */
  async flood(socket: Socket): Promise<UdpRunOutcome> {
    const { count, paced, pacer, signal, source, plan } = this.settings;
    const t0 = monotonicMs();
    let sent = 0;
    for (let i = 0; i < count && signal?.aborted !== true; i++) {
      this.check();
      // Unpaced, the loop does not touch the clock per datagram: a flood stays as fast as the socket.
      if (paced && pacer.dueNow(i) !== true && !(await pacer.due(i))) break;
      this.check();
      const payload = source.fixed ?? (await this.takeSettled(i));
      if (payload === undefined) break;
      this.send(socket, payload, this.onSent);
      // The first send of a process is slow (cold code, the socket's first write): the schedule starts after it.
      if (i === 0 && paced) pacer.restart();
      this.inflight += 1;
      sent += 1;
      if (this.inflight >= HIGH_WATER) await this.waiter.next();
    }
    await this.settle();
    const sendMs = monotonicMs() - t0;
    this.check();
    // A connected socket hears an ICMP error only after the datagram left: linger a moment for it.
    if (plan.connect) await this.waiter.until(() => this.failure !== undefined, this.settings.settleMs);
    this.check();
    // Unpaced, the rate is what the socket took: every datagram over the time until the last one was handed over.
    const rate = paced ? pacer.achievedRate(sent) : sent > 1 && sendMs > 0 ? (sent * 1000) / sendMs : undefined;
    return {
      messages: sent,
      totalBytes: source.fixed === undefined ? this.totalBytes : sent * source.fixed.length,
      bytesPerMessage: this.largest,
      sendMs,
      interrupted: signal?.aborted === true,
      ...(rate === undefined ? {} : { rate }),
      ...(paced && rate !== undefined ? { spanMs: pacer.spanMs } : {}),
    };
  }

  /**
   * Ping mode: send, wait for a reply, note the round trip; `count` times. Replies are matched by socket: all
   * exchanges share one source port until one goes unanswered, and the next exchange then sends from a fresh port.
   * A reply that comes late to the old port is counted as late, never as the next one's answer.
   */
  async ping(first: Socket, waitMs: number): Promise<UdpRunOutcome> {
    const { count, pacer, signal, plan } = this.settings;
    let socket = first;
    let local = boundEndpoint(socket);
    const retired: Socket[] = [];
    const onMessage = (payload: Buffer, rinfo: RemoteInfo): void => this.onReply(loop, payload, rinfo, local);
    const loop: PingLoop = new PingLoop(
      {
        take: (index) => this.take(index),
        send: (payload) => this.send(socket, payload, (error) => error && this.onError(error)),
        stopped: () => this.failure !== undefined,
        afterMiss: async () => {
          if (plan.sourcePort !== undefined) return;
          this.retire(socket, retired, loop);
          socket = await this.open();
          socket.on('message', onMessage);
          local = boundEndpoint(socket);
        },
      },
      { count, waitMs, matching: 'current', pacer, waiter: this.waiter, signal },
    );
    socket.on('message', onMessage);
    const t0 = monotonicMs();
    await loop.run();
    this.check();
    if (loop.unanswered && signal?.aborted !== true) {
      throw new UdpkitError('E_TIMEOUT', `no reply from ${plan.where} within ${waitMs} ms`, { errno: 'ETIMEDOUT' });
    }
    const rate = pacer.achievedRate(loop.sent);
    const firstRtt = loop.firstRtt;
    return {
      messages: loop.sent,
      totalBytes: this.totalBytes,
      bytesPerMessage: this.largest,
      sendMs: monotonicMs() - t0,
      interrupted: signal?.aborted === true,
      ...(rate === undefined ? {} : { rate }),
      replies: this.box.kept,
      rttMs: loop.rttMs,
      replyOverflow: this.box.overflow,
      lateReplies: loop.late,
      ...(firstRtt === undefined ? {} : { replyMs: firstRtt }),
    };
  }

  /**
   * A reply on the socket in use: when it answers the exchange in flight it counts as the answer, and is kept if it
   * fits the bound (over it, counted as overflow: the server did answer).
   */
  private onReply(loop: PingLoop, payload: Buffer, rinfo: RemoteInfo, local: Endpoint): void {
    if (loop.answer(monotonicMs()) !== 'answer') return;
    const from = unmapEndpoint(rinfo.address, rinfo.port, rinfo.family);
    this.box.offer({ event: 'datagram', protocol: 'udp', time: Date.now(), from, local, payload });
  }

  /** Retires a socket whose exchange went unanswered: what it hears from now on is late. A bounded number listen. */
  private retire(old: Socket, retired: Socket[], loop: PingLoop): void {
    old.removeAllListeners('message');
    old.on('message', () => loop.lateAnswer());
    retired.push(old);
    const oldest = retired.length > MAX_RETIRED ? retired.shift() : undefined;
    if (oldest !== undefined) {
      this.sockets.splice(this.sockets.indexOf(oldest), 1);
      oldest.close();
    }
  }

  /** Closes every socket and stops reading the stream. */
  async close(): Promise<void> {
    this.settings.source.close();
    this.waiter.dispose();
    await closeAll(this.sockets);
  }
}
