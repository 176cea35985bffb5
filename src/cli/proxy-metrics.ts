/** `udp-proxy --metrics`: /metrics served from the relay's summary; a port that cannot be bound stops the relay. */
import type { MetricsServer } from '../metrics/serve.js';
import type { ProxySummary } from '../proxy/proxy.js';
import type { TcpProxySummary } from '../proxy/tcp-proxy.js';
import type { ProxyConfig } from './proxy-args.js';

/** A UDP or TCP relay, as far as its metrics read it. */
interface Relay {
  readonly protocol: 'udp' | 'tcp';
  summary(): ProxySummary | TcpProxySummary;
  close(): Promise<unknown>;
}

/**
 * With --metrics, serves the relay's metrics (the module loaded only then); without, undefined. On failure the
 * relay is closed and `cleanup` run (the control API, the pcap) before the error goes on to the exit code.
 */
export async function startProxyMetrics(config: ProxyConfig, relay: Relay, cleanup: () => unknown): Promise<MetricsServer | undefined> {
  if (config.metrics === undefined) return undefined;
  const { serveProxyMetrics } = await import('../metrics/serve.js');
  try {
    return await serveProxyMetrics(relay, config.metrics);
  } catch (error) {
    await cleanup();
    throw error;
  }
}
