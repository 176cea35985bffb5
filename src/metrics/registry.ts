/**
 * The one Prometheus registry of a command: prom-client's default process metrics, `udpkit_build_info`, and metrics
 * whose values are read, at each scrape, from what the command produces (a summary), never fed by the command.
 */
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import { VERSION } from '../version.js';

/** A sample: its labels and value (for a histogram's series, also its name: `_bucket`, `_sum`, `_count`). */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric read from the command at each scrape, in the shape prom-client's registry asks of every metric. */
export class ReadMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: () => Sample[],
  ) {}

  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.read(), aggregator: this.aggregator };
  }

  reset(): void {
    // Nothing to reset: the values belong to the command.
  }
}

/** A new registry with the process metrics and `udpkit_build_info{version, node}` (always 1). */
export function commandRegistry(command: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'udpkit_build_info',
    help: 'The udpkit version, node version and command serving these metrics (always 1).',
    labelNames: ['version', 'node', 'command'],
    registers: [registry],
  });
  info.set({ version: VERSION, node: process.versions.node, command }, 1);
  return registry;
}

/** Adds `metric` to `registry`. */
export function register(registry: Registry, metric: ReadMetric): void {
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/**
 * A counter's value kept from going down: Prometheus reads any drop as a restart of the process. For figures that
 * are re-estimated (the loss per direction, from the echo server's counts), the highest value seen stands.
 */
export class Monotonic {
  private readonly seen = new Map<string, number>();

  value(key: string, now: number): number {
    const best = Math.max(this.seen.get(key) ?? 0, now);
    this.seen.set(key, best);
    return best;
  }
}
