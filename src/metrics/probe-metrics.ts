/** The metrics of `udp-probe`, read from the prober's per-target summaries; every series labelled target and protocol. */
import type { Registry } from 'prom-client';
import type { Prober, TargetSummary } from '../probe/prober.js';
import { histogramSamples } from './histogram-samples.js';
import { Monotonic, ReadMetric, register, type Sample } from './registry.js';

type Count = 'sent' | 'received' | 'late' | 'duplicated' | 'reordered' | 'errors';

const COUNTERS: readonly [Count, string][] = [
  ['sent', 'Probes sent.'],
  ['received', 'Echoes received within the timeout.'],
  ['late', 'Echoes received after the timeout (also counted lost).'],
  ['duplicated', 'Echoes of a probe already answered.'],
  ['reordered', 'Echoes that came after the echo of a later probe.'],
  ['errors', 'Failures to resolve, connect or send (ICMP unreachable, no route).'],
];

const labelsOf = (s: TargetSummary): Record<string, string> => ({ target: s.target, protocol: s.protocol });

/**
 * Lost probes by direction: `up` and `down` by the udpkit echo server's counts; `unknown` for a foreign echo server
 * (or one that has not answered the count question yet).
 */
function lostSamples(summaries: readonly TargetSummary[], monotonic: Monotonic): Sample[] {
  return summaries.flatMap((s) => {
    const labels = labelsOf(s);
    const key = (d: string): string => `${s.target}|${d}`;
    if (s.direction === 'split') {
      return [
        { labels: { ...labels, direction: 'up' }, value: monotonic.value(key('up'), s.lostUp ?? 0) },
        { labels: { ...labels, direction: 'down' }, value: monotonic.value(key('down'), s.lostDown ?? 0) },
      ];
    }
    return [{ labels: { ...labels, direction: 'unknown' }, value: monotonic.value(key('unknown'), s.lost) }];
  });
}

/**
 * The summaries read once per scrape: the registry collects every metric in one turn of the event loop, and ten
 * metrics over 100 targets need not build the summaries ten times.
 */
function perScrape(read: () => TargetSummary[]): () => TargetSummary[] {
  let value: TargetSummary[] | undefined;
  return () => {
    if (value === undefined) {
      value = read();
      setImmediate(() => (value = undefined));
    }
    return value;
  };
}

/** Registers the prober's metrics in `registry` (TCP targets also have their connects counted and timed). */
export function registerProbeMetrics(registry: Registry, source: Pick<Prober, 'summary'>): void {
  const prober = { summary: perScrape(() => source.summary()) };
  for (const [field, help] of COUNTERS) {
    register(registry, new ReadMetric(`udpkit_probe_${field}_total`, help, 'counter', () => prober.summary().map((s) => ({ labels: labelsOf(s), value: s[field] }))));
  }
  const monotonic = new Monotonic();
  register(registry, new ReadMetric('udpkit_probe_lost_total', 'Probes without an echo within the timeout, by direction (up, down, or unknown against a foreign echo server).', 'counter', () => lostSamples(prober.summary(), monotonic)));
  register(registry, new ReadMetric('udpkit_probe_rtt_seconds', 'Round-trip time of the probes answered within the timeout.', 'histogram', () =>
    prober.summary().flatMap((s) => histogramSamples('udpkit_probe_rtt_seconds', labelsOf(s), s.rtt)),
  ));
  register(registry, new ReadMetric('udpkit_probe_failures_total', 'The failures of udpkit_probe_errors_total by cause: refused, reset, closed, timeout, unreachable, unresolved, mismatch, other.', 'counter', () =>
    prober.summary().flatMap((s) => Object.entries(s.failures).map(([cause, value]) => ({ labels: { ...labelsOf(s), cause }, value: value ?? 0 }))),
  ));
  const tcp = (): TargetSummary[] => prober.summary().filter((s) => s.connect !== undefined);
  register(registry, new ReadMetric('udpkit_probe_connects_total', 'TCP: connections opened to the target.', 'counter', () => tcp().map((s) => ({ labels: labelsOf(s), value: s.connects ?? 0 }))));
  register(registry, new ReadMetric('udpkit_probe_connect_seconds', 'TCP: time each connect took.', 'histogram', () =>
    tcp().flatMap((s) => (s.connect === undefined ? [] : histogramSamples('udpkit_probe_connect_seconds', labelsOf(s), s.connect))),
  ));
  register(registry, new ReadMetric('udpkit_probe_ipdv_seconds', 'Magnitude of the IP packet delay variation (RTT difference) between consecutive probes answered.', 'histogram', () =>
    prober.summary().flatMap((s) => histogramSamples('udpkit_probe_ipdv_seconds', labelsOf(s), s.ipdv)),
  ));
}
