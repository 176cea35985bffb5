/** A direction's counters: received, forwarded, dropped by cause, duplicated, corrupted, reordered, delays applied. */
import { DROP_CAUSES, type DropCause } from './impairments.js';

/** How many recent delays the percentiles are taken over. */
const DELAY_SAMPLES = 65_536;

/** What one direction did, as {@link ProxyHandle.summary} reports it. */
export interface DirectionSummary {
  /** Datagrams that arrived (TCP: chunks). */
  received: number;
  /** Datagrams sent on (a duplicate counts twice). */
  forwarded: number;
  bytesForwarded: number;
  dropped: Record<DropCause, number>;
  duplicated: number;
  corrupted: number;
  /** Datagrams that left after one that arrived later. */
  reordered: number;
  /** Delay applied, median and 99th percentile over the last 65,536, milliseconds (undefined: none delayed). */
  delayP50Ms: number | undefined;
  delayP99Ms: number | undefined;
  /** The loss asked, percent (0 when off), and the share lost to it of the datagrams that reached it. */
  lossAsked: number;
  lossAchieved: number | undefined;
}

/** Counters of one direction. */
export class DirectionStats {
  received = 0;
  forwarded = 0;
  bytesForwarded = 0;
  readonly dropped: Record<DropCause, number> = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
  duplicated = 0;
  corrupted = 0;
  reordered = 0;
  /** Datagrams that reached the loss toxic, and the loss asked, for the achieved share. */
  lossTrials = 0;
  lossAsked = 0;
  private readonly delays = new Float64Array(DELAY_SAMPLES);
  private delayCount = 0;
  /** The highest arrival number sent so far: a lower one sent later was reordered. */
  private highestSent = -1;

  /** A delay applied (ms). */
  delayed(ms: number): void {
    this.delays[this.delayCount % DELAY_SAMPLES] = ms;
    this.delayCount += 1;
  }

  /** A datagram numbered `seq` in arrival order left: counts it forwarded, and reordered when one after it left first. */
  sent(seq: number, bytes: number): void {
    this.forwarded += 1;
    this.bytesForwarded += bytes;
    if (seq < this.highestSent) this.reordered += 1;
    else this.highestSent = seq;
  }

  /** Clears every counter (POST /reset). */
  reset(): void {
    this.received = this.forwarded = this.bytesForwarded = this.duplicated = this.corrupted = this.reordered = 0;
    for (const cause of DROP_CAUSES) this.dropped[cause] = 0;
    this.lossTrials = 0;
    this.delayCount = 0;
  }

  summary(): DirectionSummary {
    const n = Math.min(this.delayCount, DELAY_SAMPLES);
    const sorted = Array.from(this.delays.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number): number | undefined => (n === 0 ? undefined : sorted[Math.min(n - 1, Math.floor(q * n))]);
    return {
      received: this.received,
      forwarded: this.forwarded,
      bytesForwarded: this.bytesForwarded,
      dropped: { ...this.dropped },
      duplicated: this.duplicated,
      corrupted: this.corrupted,
      reordered: this.reordered,
      delayP50Ms: at(0.5),
      delayP99Ms: at(0.99),
      lossAsked: this.lossAsked,
      lossAchieved: this.lossTrials === 0 ? undefined : (100 * this.dropped.loss) / this.lossTrials,
    };
  }
}
