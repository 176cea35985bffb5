/** A probe histogram's state as Prometheus series: cumulative `_bucket{le}`, `_sum` and `_count`. */
import { BUCKETS_SECONDS, type HistogramCounts } from '../probe/prober.js';
import type { Sample } from './registry.js';

/** The samples of one labelled histogram named `name`. */
export function histogramSamples(name: string, labels: Record<string, string>, counts: HistogramCounts): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  for (const [i, bound] of BUCKETS_SECONDS.entries()) {
    cumulative += counts.buckets[i] ?? 0;
    samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
  }
  samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: counts.count });
  samples.push({ metricName: `${name}_sum`, labels, value: counts.sum });
  samples.push({ metricName: `${name}_count`, labels, value: counts.count });
  return samples;
}
