/**
 * The metrics of `udp-listen`, read from the listener's summary at each scrape; labelled port and protocol only
 * (never per sender: the label cardinality stays bounded whatever the peers do).
 */
import type { Registry } from 'prom-client';
import type { ListenerSummary } from '../core/stats.js';
import { ReadMetric, register } from './registry.js';

/** What the listener's metrics read. */
export interface ListenerSource {
  summary(): ListenerSummary;
  /** The ports listened on (the `port` label: one port, or several joined with commas). */
  ports: readonly number[];
  /** Records not written because the output was blocked (the command's writer counts them). */
  droppedRecords(): number;
}

type Field = (s: ListenerSummary, source: ListenerSource) => number | undefined;

const METRICS: readonly [string, 'counter' | 'gauge', string, Field][] = [
  ['udpkit_listener_datagrams_total', 'counter', 'Datagrams (TCP: data records) received.', (s) => s.records],
  ['udpkit_listener_bytes_total', 'counter', 'Payload bytes received.', (s) => s.bytes],
  ['udpkit_listener_kernel_drops_total', 'counter', 'Datagrams the kernel dropped for a full receive buffer (Linux, from /proc).', (s) => s.kernelDrops],
  ['udpkit_listener_records_dropped_total', 'counter', 'Records not written because the output was blocked.', (_s, source) => source.droppedRecords()],
  ['udpkit_listener_echoes_total', 'counter', 'Echoes sent back.', (s) => s.echoed],
  ['udpkit_listener_echoes_suppressed_total', 'counter', 'Echoes not sent: to the listener itself, or over the per-sender rate.', (s) => s.echoSuppressed],
  ['udpkit_listener_denied_total', 'counter', 'Datagrams and connections dropped by --allow/--deny.', (s) => s.denied],
  ['udpkit_listener_refused_reflectors_total', 'counter', 'Echoes refused to the source port of a well-known reflecting service.', (s) => s.refusedReflectors],
  ['udpkit_listener_senders', 'gauge', 'Distinct senders (UDP address:port pairs, TCP connections); estimated past 10,000.', (s) => s.senders],
];

/** Registers the listener's metrics in `registry`. */
export function registerListenerMetrics(registry: Registry, source: ListenerSource): void {
  const port = source.ports.join(',');
  for (const [name, type, help, field] of METRICS) {
    register(
      registry,
      new ReadMetric(name, help, type, () => {
        const summary = source.summary();
        const value = field(summary, source);
        return value === undefined ? [] : [{ labels: { port, protocol: summary.protocol }, value }];
      }),
    );
  }
}
