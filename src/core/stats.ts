/** Counters a listener keeps, and the summary made of them. */
import type { Endpoint, Protocol } from '../types.js';
import { monotonicMs } from '../clock.js';
import { DistinctCounter } from './distinct.js';

/** What a listener has seen so far; plain data, safe to JSON.stringify. */
export interface ListenerSummary {
  protocol: Protocol;
  local: Endpoint;
  /** Datagrams (UDP) or data records (TCP) emitted. */
  records: number;
  /** Payload bytes received. */
  bytes: number;
  /** Distinct sender address:port pairs (UDP) or connections (TCP). */
  senders: number;
  /** False when `senders` is an estimate (past 10,000 distinct senders, counted in fixed memory). */
  sendersExact: boolean;
  /** Milliseconds from start to now (or to close). */
  durationMs: number;
  /** Records per second over the duration. */
  ratePerSec: number;
  /** Datagrams the kernel dropped for a full receive buffer; undefined where it cannot be read (and for TCP). */
  kernelDrops: number | undefined;
  /** Replies sent back with echo. */
  echoed: number;
  /** Echoes (or responder answers) not sent: to the listener's own address and port (a loop), or over the per-sender rate bound. */
  echoSuppressed: number;
  /** Replies sent by a responder's rules (`respond`). */
  replied: number;
  /** Errors after bind (an ICMP error on an echo, a failed read): counted, never fatal. A peer's reset is not one. */
  errors: number;
  /** Datagrams (TCP: connections) dropped by the allow/deny lists before anything else. */
  denied: number;
  /** Echoes refused to the source port of a well-known reflecting service (DNS, NTP, chargen…). */
  refusedReflectors: number;
}

/** Mutable counters behind a {@link ListenerSummary}. @internal */
export class Counters {
  records = 0;
  bytes = 0;
  echoed = 0;
  replied = 0;
  echoSuppressed = 0;
  denied = 0;
  refusedReflectors = 0;
  echoErrors = 0;
  socketErrors = 0;
  readonly senders = new DistinctCounter();
  readonly startedAt = monotonicMs();
  private endedAt: number | undefined;

  /** Freezes the duration at close. */
  stop(): void {
    this.endedAt ??= monotonicMs();
  }

  summary(protocol: Protocol, local: Endpoint, kernelDrops: number | undefined): ListenerSummary {
    const durationMs = (this.endedAt ?? monotonicMs()) - this.startedAt;
    return {
      protocol,
      local,
      records: this.records,
      bytes: this.bytes,
      senders: this.senders.count,
      sendersExact: this.senders.isExact,
      durationMs,
      ratePerSec: durationMs > 0 ? (this.records * 1000) / durationMs : 0,
      kernelDrops,
      echoed: this.echoed,
      echoSuppressed: this.echoSuppressed,
      replied: this.replied,
      errors: this.echoErrors + this.socketErrors,
      denied: this.denied,
      refusedReflectors: this.refusedReflectors,
    };
  }
}
