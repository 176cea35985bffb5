/** `--metrics [ADDR:]PORT`: where the Prometheus endpoint listens (loopback unless an address is given). */
import { isIP } from 'node:net';
import { convert, fail, type Schema } from '../core/schemas.js';
import { show } from '../format/show.js';

/** Where /metrics is served. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/** The address /metrics binds when none is given: scraping from elsewhere is a choice (`0.0.0.0:9464`). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** `9464`, `127.0.0.1:9464`, `0.0.0.0:9464`, `[::]:9464`; port 0 picks a free one (its address is printed). */
export const metricsAddressSchema: Schema<MetricsAddress> = convert((raw, ctx) => {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const match = /^(?:(?:\[([^\]]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2] ?? DEFAULT_METRICS_HOST;
  const port = Number(match?.[3]);
  if (!match || port > 65_535 || isIP(host) === 0 || (match[1] !== undefined && isIP(host) !== 6)) {
    return fail(ctx, `invalid --metrics ${show(raw)}: expected [ADDRESS:]PORT (9464, 0.0.0.0:9464, [::1]:9464)`);
  }
  return { host, port };
});
