/** `udp-proxy --tcp`: the TCP relay with its status lines, -v connection lines, -f chunk records and the summary. */
import { formatEndpoint } from '../format/endpoint.js';
import { ISO_TIME } from '../format/time.js';
import { proxyTcp, type TcpProxyRecord, type TcpProxySummary } from '../proxy/tcp-proxy.js';
import { serveControl, type ControlServer } from '../proxy/control.js';
import { DIRECTIONS } from '../proxy/impairments.js';
import { drain, put } from './output.js';
import type { CliIO } from './io.js';
import { relayOptionsOf, type ProxyConfig } from './proxy-args.js';
import { directionLine, impairmentsLine, proxyListeningLine } from './proxy-lines.js';
import { startProxyMetrics } from './proxy-metrics.js';

/** A chunk record, text or JSON. */
function chunkLine(record: Extract<TcpProxyRecord, { event: 'chunk' }>, format: 'text' | 'json'): string {
  const delay = Math.round(record.delayMs * 1000) / 1000;
  if (format === 'json') {
    return `${JSON.stringify({ time: ISO_TIME.text(record.time), direction: record.direction, conn: record.conn, client: formatEndpoint(record.client), size: record.size, fate: 'forwarded', delayMs: delay })}\n`;
  }
  return `${ISO_TIME.text(record.time)} ${record.direction} #${record.conn} ${formatEndpoint(record.client)} ${record.size} forwarded${delay > 0 ? ` +${delay}ms` : ''}\n`;
}

/** -v: `connection #1 from 127.0.0.1:40000` / `connection #1 closed (reset)`. */
function connectionLine(record: TcpProxyRecord): string | undefined {
  if (record.event === 'open') return `connection #${record.conn} from ${formatEndpoint(record.client)}\n`;
  if (record.event === 'close') return `connection #${record.conn} from ${formatEndpoint(record.client)} closed (${record.reason})\n`;
  return undefined;
}

function summaryLines(summary: TcpProxySummary): string {
  const lines = DIRECTIONS.map((d) => directionLine(d, summary[d]).replace(' received,', ' chunks received,'));
  const c = summary.connections;
  const denied = c.denied > 0 ? `, ${c.denied} denied (--allow/--deny)` : '';
  lines.push(`connections: ${c.opened} opened, ${c.resets} reset${denied} (seed ${summary.seed})\n`);
  return lines.join('');
}

/** Runs the TCP relay until a signal; returns the exit code. */
export async function runTcp(config: ProxyConfig, io: CliIO): Promise<number> {
  const format = config.format;
  const onRecord =
    format === undefined && !config.verbose
      ? undefined
      : (record: TcpProxyRecord): void => {
          const status = config.verbose ? connectionLine(record) : undefined;
          if (status !== undefined) put(io.stderr, status);
          if (format !== undefined && record.event === 'chunk') put(io.stdout, chunkLine(record, format));
        };
  const relay = await proxyTcp({
    ...relayOptionsOf(config),
    slice: config.slice,
    resetAfter: config.resetAfter,
    blackholeAfter: config.blackholeAfter,
    onRecord,
  });
  let control: ControlServer | undefined;
  try {
    control = config.control && (await serveControl(relay, config.control.host, config.control.port));
  } catch (error) {
    await relay.close();
    throw error;
  }
  const metrics = await startProxyMetrics(config, relay, () => control?.close());
  put(io.stderr, proxyListeningLine('tcp', relay.local, relay.target, config.seed === undefined ? relay.seed : undefined));
  put(io.stderr, impairmentsLine(relay.impairments()));
  if (control) put(io.stderr, `control API on http://${control.local.family === 'IPv6' ? `[${control.local.address}]` : control.local.address}:${control.local.port}/\n`);
  if (metrics) put(io.stderr, `metrics on ${metrics.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await metrics?.close();
  await control?.close();
  const summary = await relay.close();
  await drain(io.stdout);
  put(io.stderr, summaryLines(summary));
  return 0;
}
