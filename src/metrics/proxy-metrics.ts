/**
 * The metrics of `udp-proxy`, read from the relay's summary at each scrape: per direction (`up` client → target,
 * `down` target → client) what arrived, what was forwarded and what was dropped by cause; labelled direction and
 * protocol (never per client: the number of series is fixed whatever the clients do).
 */
import type { Registry } from 'prom-client';
import { DIRECTIONS, DROP_CAUSES } from '../proxy/impairments.js';
import type { ProxySummary } from '../proxy/proxy.js';
import type { DirectionSummary } from '../proxy/stats.js';
import type { TcpProxySummary } from '../proxy/tcp-proxy.js';
import { ReadMetric, register, type Sample } from './registry.js';

/** What the proxy's metrics read: a UDP or a TCP relay. */
export interface ProxySource {
  readonly protocol: 'udp' | 'tcp';
  summary(): ProxySummary | TcpProxySummary;
}

type Field = 'received' | 'forwarded' | 'bytesForwarded' | 'duplicated' | 'corrupted' | 'reordered';

const COUNTERS: readonly [string, Field, string][] = [
  ['received', 'received', 'Datagrams (TCP: chunks) that arrived, per direction.'],
  ['forwarded', 'forwarded', 'Datagrams (TCP: chunks) sent on, per direction (a duplicate counts twice).'],
  ['forwarded_bytes', 'bytesForwarded', 'Payload bytes sent on, per direction.'],
  ['duplicated', 'duplicated', 'Datagrams sent twice (--duplicate), per direction.'],
  ['corrupted', 'corrupted', 'Datagrams with a bit flipped (--corrupt), per direction.'],
  ['reordered', 'reordered', 'Datagrams that left after one that arrived later, per direction.'],
];

/** Every direction's `field`, labelled. */
function perDirection(source: ProxySource, value: (d: DirectionSummary) => number): Sample[] {
  const summary = source.summary();
  return DIRECTIONS.map((direction) => ({ labels: { direction, protocol: source.protocol }, value: value(summary[direction]) }));
}

/**
 * Dropped per direction and cause, every cause present (0 until it happens): loss, queue, mtu, outage, sessions,
 * denied. Over TCP, `denied` counts connections closed for --allow/--deny.
 */
function dropped(source: ProxySource): Sample[] {
  const summary = source.summary();
  const tcpDenied = 'connections' in summary ? summary.connections.denied : 0;
  return DIRECTIONS.flatMap((direction) =>
    DROP_CAUSES.map((cause) => ({
      labels: { direction, cause, protocol: source.protocol },
      value: summary[direction].dropped[cause] + (cause === 'denied' && direction === 'up' ? tcpDenied : 0),
    })),
  );
}

/** Registers the proxy's metrics in `registry`. */
export function registerProxyMetrics(registry: Registry, source: ProxySource): void {
  for (const [name, field, help] of COUNTERS) {
    register(registry, new ReadMetric(`udpkit_proxy_${name}_total`, help, 'counter', () => perDirection(source, (d) => d[field])));
  }
  register(registry, new ReadMetric('udpkit_proxy_dropped_total', 'Datagrams not forwarded, per direction and cause (loss, queue, mtu, outage, sessions, denied).', 'counter', () => dropped(source)));
  register(registry, new ReadMetric('udpkit_proxy_sessions_total', 'Sessions (TCP: connections) opened.', 'counter', () => {
    const s = source.summary();
    return [{ labels: { protocol: source.protocol }, value: 'connections' in s ? s.connections.opened : s.sessions.opened }];
  }));
  register(registry, new ReadMetric('udpkit_proxy_sessions', 'Sessions (TCP: connections) open now.', 'gauge', () => {
    const s = source.summary();
    return [{ labels: { protocol: source.protocol }, value: 'connections' in s ? s.connections.open : s.sessions.open }];
  }));
}
