/** The /metrics HTTP endpoint: Prometheus's text exposition format from one registry, nothing else served. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { monotonicMs } from '../clock.js';

/** A metrics endpoint being served. */
export interface MetricsServer {
  /** `http://127.0.0.1:9464/metrics`, with the port really bound. */
  readonly url: string;
  readonly port: number;
  /** Stops serving; idempotent. */
  close(): Promise<void>;
}

/**
 * How long one rendering of the metrics answers every scrape: scrapers that come together (several Prometheus
 * servers, a dashboard's refresh, 100 a second in the benchmark) share it instead of each building the text anew
 * (tens of milliseconds for a prober with 100 targets). A scrape sees values at most this old.
 */
export const RENDER_REUSE_MS = 250;

/** The registry's text, rendered at most once per {@link RENDER_REUSE_MS}. */
function renderer(registry: Registry): () => Promise<string> {
  let last: { at: number; text: Promise<string> } | undefined;
  return () => {
    const now = monotonicMs();
    if (last === undefined || now - last.at >= RENDER_REUSE_MS) last = { at: now, text: registry.metrics() };
    return last.text;
  };
}

/**
 * Serves `registry` at http://host:port/metrics.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot bind
 */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const render = renderer(registry);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('udpkit serves /metrics only\n');
      return;
    }
    render().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  // A scraper that misbehaves is its own problem: a connection error never ends the command.
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(fromSystemError(error, `cannot serve metrics on ${formatEndpoint({ address: host, port })}`)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatEndpoint({ address: host, port: bound })}/metrics`,
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
