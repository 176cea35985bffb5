/**
 * Sends what a listener's reply function answers a datagram, under the echo's guards: never to the listener's own
 * address and port, at a bounded rate per sender, no reply over 65,507 bytes, and a bounded number of delayed
 * replies waiting. @internal
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { MAX_DATAGRAM, type DatagramRecord, type ReplyNote } from '../types.js';
import { monotonicMs } from '../clock.js';
import type { EchoGuard } from './echo-guard.js';
import type { Counters } from './stats.js';
import { MAX_PENDING_REPLIES, replyNote, type ReplyFunction, type ReplyPlan } from './reply-hook.js';

/** Answers datagrams with a reply function; the echo (when on) answers what it leaves unanswered. */
export class UdpReplier {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly reply: ReplyFunction,
    private readonly guard: EchoGuard,
    private readonly ports: ReadonlySet<number>,
    private readonly counters: Counters,
    private readonly echo: ((socket: Socket, payload: Buffer, rinfo: RemoteInfo) => void) | undefined,
  ) {}

  /** Answers `record` (received on `socket`) and returns it, with a note of the rule that answered. */
  answer(socket: Socket, record: DatagramRecord, rinfo: RemoteInfo): DatagramRecord {
    const plan = this.reply(record.payload, record.from, record.local);
    if (plan === undefined) {
      this.echo?.(socket, record.payload, rinfo);
      return record;
    }
    const verdict = this.verdict(plan, record);
    record.reply = replyNote(plan, verdict);
    if (verdict === 'reflector') {
      this.counters.refusedReflectors += 1;
    } else if (verdict !== undefined) {
      this.counters.echoSuppressed += 1;
    } else if (plan.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.send(socket, plan.replies, rinfo);
      }, plan.delayMs);
      this.timers.add(timer);
    } else {
      this.send(socket, plan.replies, rinfo);
    }
    return record;
  }

  /** Why the plan's replies are not to be sent, or undefined when they are. */
  private verdict(plan: ReplyPlan, record: DatagramRecord): ReplyNote['suppressed'] {
    if (plan.replies.length === 0) return undefined;
    const { address, port } = record.from;
    if (this.ports.has(port) && this.guard.isLocal(address)) return 'loop';
    if (this.guard.refuses(port)) return 'reflector';
    if (plan.replies.some((reply) => reply.length > MAX_DATAGRAM.IPv4)) return 'size';
    if (plan.delayMs > 0 && this.timers.size >= MAX_PENDING_REPLIES) return 'pending';
    if (!this.guard.allow(address, port, monotonicMs())) return 'rate';
    return undefined;
  }

  private send(socket: Socket, replies: readonly Buffer[], rinfo: RemoteInfo): void {
    for (const reply of replies) {
      socket.send(reply, rinfo.port, rinfo.address, (error) => {
        if (error) this.counters.echoErrors += 1;
        else this.counters.replied += 1;
      });
    }
  }

  /** Cancels the delayed replies (the listener is closing). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
