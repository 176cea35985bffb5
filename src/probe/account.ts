/**
 * Per-target accounting of the probes: each probe's fate (received in time, lost, late, duplicated, reordered) and
 * its RTT and IPDV, in fixed memory (a ring of the most recent probes), cumulative for the summary and the metrics
 * and per window for the status lines. @internal
 */
import { Histogram, quantile, type HistogramCounts } from './buckets.js';

const OUTSTANDING = 1;
const RECEIVED = 2;
const LOST = 3;
const LATE = 4;

/** RTT samples kept per report window for its percentiles; past this many, every other one is dropped. */
const MAX_WINDOW_SAMPLES = 8192;

/** Counters of one target since the start. */
export interface ProbeCounts {
  sent: number;
  /** Echoes that came within the timeout (each probe once). */
  received: number;
  /** Probes with no echo within the timeout (late ones included). */
  lost: number;
  /** Echoes that came after the timeout: already counted lost. */
  late: number;
  /** Echoes of a probe already answered. */
  duplicated: number;
  /** Echoes that came after the echo of a later probe. */
  reordered: number;
}

/** A window's figures for a status line. */
export interface WindowFigures {
  /** Probes settled (answered or timed out) in the window. */
  settled: number;
  lost: number;
  /** Lost / settled × 100; undefined when nothing settled. */
  lossPercent: number | undefined;
  rttP50Ms: number | undefined;
  rttP99Ms: number | undefined;
  /** Mean |IPDV| in the window, in milliseconds: the jitter. */
  jitterMs: number | undefined;
}

/** The ring's size: a power of two holding at least four timeouts' worth of probes, 1024 to 65536. */
function ringSize(intervalMs: number, timeoutMs: number): number {
  const want = Math.min(65_536, Math.max(1024, Math.ceil((4 * timeoutMs) / Math.max(intervalMs, 0.001))));
  return 2 ** Math.ceil(Math.log2(want));
}

/** The probes of one target and what became of them. @internal */
export class ProbeAccount {
  readonly counts: ProbeCounts = { sent: 0, received: 0, lost: 0, late: 0, duplicated: 0, reordered: 0 };
  readonly rtt = new Histogram();
  /** |IPDV| between consecutive probes both answered in time. */
  readonly ipdv = new Histogram();
  private readonly mask: number;
  private readonly state: Uint8Array;
  private readonly sentAt: Float64Array;
  private readonly rttOf: Float64Array;
  private expireFrom = 0;
  private highest = -1;
  private window = { rtts: [] as number[], ipdvSum: 0, ipdvCount: 0, lost: 0, received: 0 };

  constructor(private readonly timeoutMs: number, intervalMs: number) {
    const size = ringSize(intervalMs, timeoutMs);
    this.mask = size - 1;
    this.state = new Uint8Array(size);
    this.sentAt = new Float64Array(size);
    this.rttOf = new Float64Array(size);
  }

  /** Probe `seq` (the next one) left at `nowMs` (monotonic). */
  sent(seq: number, nowMs: number): void {
    const slot = seq & this.mask;
    // The slot's previous probe is a ring's length old: long past its timeout.
    if (this.state[slot] === OUTSTANDING) this.markLost(slot);
    this.state[slot] = OUTSTANDING;
    this.sentAt[slot] = nowMs;
    this.counts.sent = seq + 1;
  }

  /** An echo of probe `seq` came at `nowMs`. Echoes of probes not sent, or older than the ring, are ignored. */
  echoed(seq: number, nowMs: number): void {
    if (seq >= this.counts.sent || seq < this.counts.sent - this.state.length) return;
    const slot = seq & this.mask;
    const state = this.state[slot];
    if (state === RECEIVED || state === LATE) {
      this.counts.duplicated += 1;
      return;
    }
    if (state === LOST) {
      this.counts.late += 1;
      this.state[slot] = LATE;
      return;
    }
    const rttMs = nowMs - (this.sentAt[slot] as number);
    if (rttMs > this.timeoutMs) {
      this.markLost(slot);
      this.counts.late += 1;
      this.state[slot] = LATE;
      return;
    }
    this.received(seq, slot, rttMs);
  }

  private received(seq: number, slot: number, rttMs: number): void {
    this.state[slot] = RECEIVED;
    this.rttOf[slot] = rttMs;
    this.counts.received += 1;
    this.window.received += 1;
    if (seq < this.highest) this.counts.reordered += 1;
    else this.highest = seq;
    this.rtt.observe(rttMs / 1000);
    if (this.window.rtts.length >= MAX_WINDOW_SAMPLES) this.window.rtts = this.window.rtts.filter((_v, i) => i % 2 === 0);
    this.window.rtts.push(rttMs);
    // IPDV of each pair of consecutive probes both answered, once, whichever of the two came last.
    if (seq > 0) this.pair(rttMs, (seq - 1) & this.mask);
    if (seq + 1 < this.counts.sent) this.pair(rttMs, (seq + 1) & this.mask);
  }

  private pair(rttMs: number, neighbour: number): void {
    if (this.state[neighbour] !== RECEIVED) return;
    const ipdvMs = Math.abs(rttMs - (this.rttOf[neighbour] as number));
    this.ipdv.observe(ipdvMs / 1000);
    this.window.ipdvSum += ipdvMs;
    this.window.ipdvCount += 1;
  }

  private markLost(slot: number): void {
    this.state[slot] = LOST;
    this.counts.lost += 1;
    this.window.lost += 1;
  }

  /** Counts as lost every probe unanswered for longer than the timeout at `nowMs`. */
  expire(nowMs: number): void {
    for (; this.expireFrom < this.counts.sent; this.expireFrom++) {
      const slot = this.expireFrom & this.mask;
      if (this.state[slot] !== OUTSTANDING) continue;
      if ((this.sentAt[slot] as number) + this.timeoutMs > nowMs) break;
      this.markLost(slot);
    }
  }

  /** Every probe still unanswered counted lost (the run is over and its last timeout has passed). */
  expireAll(): void {
    this.expire(Number.POSITIVE_INFINITY);
  }

  /** Echoes got so far, in time or late, each probe once (the way back's count, against the echo server's). */
  get echoesGot(): number {
    return this.counts.received + this.counts.late;
  }

  /** The window's figures, and a new window begins. */
  takeWindow(): WindowFigures {
    const w = this.window;
    this.window = { rtts: [], ipdvSum: 0, ipdvCount: 0, lost: 0, received: 0 };
    const sorted = w.rtts.sort((a, b) => a - b);
    const settled = w.lost + w.received;
    return {
      settled,
      lost: w.lost,
      lossPercent: settled === 0 ? undefined : (w.lost * 100) / settled,
      rttP50Ms: quantile(sorted, 0.5),
      rttP99Ms: quantile(sorted, 0.99),
      jitterMs: w.ipdvCount === 0 ? undefined : w.ipdvSum / w.ipdvCount,
    };
  }

  /** The histograms' state, for the summary and the metrics. */
  histograms(): { rtt: HistogramCounts; ipdv: HistogramCounts } {
    return { rtt: this.rtt.snapshot(), ipdv: this.ipdv.snapshot() };
  }
}
