/** The /metrics HTTP endpoint: Prometheus's text exposition format from one registry, nothing else served. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { monotonicMs } from '../clock.js';
import { promisify } from 'node:util';
import { gzip as gzipBytes } from 'node:zlib';

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

/** One rendering: the text as bytes, and gzipped once someone asks for it (Prometheus does: a tenth of the bytes). */
interface Rendering {
  at: number;
  body: Promise<Buffer>;
  gzipped?: Promise<Buffer>;
}

/** The registry's text, rendered at most once per {@link RENDER_REUSE_MS}. */
function renderer(registry: Registry): (gzip: boolean) => Promise<Buffer> {
  let last: Rendering | undefined;
  return (gzip) => {
    const now = monotonicMs();
    if (last === undefined || now - last.at >= RENDER_REUSE_MS) last = { at: now, body: registry.metrics().then((text) => Buffer.from(text)) };
    if (!gzip) return last.body;
    const rendering = last;
    rendering.gzipped ??= rendering.body.then((body) => promisify(gzipBytes)(body));
    return rendering.gzipped;
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
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    render(gzip).then(
      (body) =>
        response
          .writeHead(200, { 'content-type': registry.contentType, ...(gzip ? { 'content-encoding': 'gzip' } : {}), vary: 'accept-encoding' })
          .end(request.method === 'HEAD' ? undefined : body),
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
