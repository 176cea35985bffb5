/** The fixed buckets of the probe's RTT and IPDV histograms (50 µs to 10 s), counted cumulatively per target. */

/** Upper bounds in seconds, as Prometheus's `le` labels give them: 50 µs to 10 s. */
export const BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A histogram's state: the count per bucket (not cumulative; the last slot is +Inf), the sum and the count. */
export interface HistogramCounts {
  /** Observations per bucket, one more slot than {@link BUCKETS_SECONDS} for those above 10 s. */
  buckets: number[];
  /** Sum of the observations, in seconds. */
  sum: number;
  count: number;
}

/** Observations in seconds into fixed buckets; memory never grows. @internal */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS_SECONDS.length + 1);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < BUCKETS_SECONDS.length && seconds > (BUCKETS_SECONDS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count += 1;
  }

  /** A copy of the state, safe to JSON.stringify. */
  snapshot(): HistogramCounts {
    return { buckets: Array.from(this.counts), sum: this.sum, count: this.count };
  }
}

/** The value at fraction `q` (0..1) of sorted `values` (nearest rank); undefined when empty. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
