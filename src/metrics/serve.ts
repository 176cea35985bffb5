/** One call per command: a registry with the command's metrics, served at /metrics. */
import type { Prober } from '../probe/prober.js';
import { registerProbeMetrics } from './probe-metrics.js';
import { registerListenerMetrics, type ListenerSource } from './listener-metrics.js';
import { registerProxyMetrics, type ProxySource } from './proxy-metrics.js';
import { commandRegistry } from './registry.js';
import { serveMetrics, type MetricsServer } from './server.js';

export type { MetricsServer } from './server.js';
export type { ListenerSource } from './listener-metrics.js';
export type { ProxySource } from './proxy-metrics.js';

/** Serves `udp-probe`'s metrics (and the process's) at http://host:port/metrics. */
export function serveProbeMetrics(prober: Pick<Prober, 'summary'>, at: { host: string; port: number }): Promise<MetricsServer> {
  const registry = commandRegistry('udp-probe');
  registerProbeMetrics(registry, prober);
  return serveMetrics(registry, at.host, at.port);
}

/** Serves `udp-listen`'s metrics (and the process's) at http://host:port/metrics. */
export function serveListenerMetrics(source: ListenerSource, at: { host: string; port: number }): Promise<MetricsServer> {
  const registry = commandRegistry('udp-listen');
  registerListenerMetrics(registry, source);
  return serveMetrics(registry, at.host, at.port);
}

/**
 * Serves `udp-proxy`'s metrics (and the process's) at http://host:port/metrics; a port that cannot be bound closes
 * the relay before the error is thrown.
 */
export async function serveProxyMetrics(relay: ProxySource & { close(): Promise<unknown> }, at: { host: string; port: number }): Promise<MetricsServer> {
  const registry = commandRegistry('udp-proxy');
  registerProxyMetrics(registry, relay);
  try {
    return await serveMetrics(registry, at.host, at.port);
  } catch (error) {
    await relay.close();
    throw error;
  }
}
