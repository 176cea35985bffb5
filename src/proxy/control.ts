/**
 * The control API, as toxiproxy's: a small HTTP JSON server so that a test suite in any language can change the
 * link while its code runs. `GET /` (impairments and counters), `PUT /up` and `PUT /down` (a JSON object of the
 * same impairments as the flags), `POST /reset`. Bad JSON or values: 400 with the command line's one-line error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import type { Endpoint } from '../types.js';
import type { Impairments, LinkImpairments } from './impairments.js';
import { impairmentsFromJson, impairmentsToJson } from './schema.js';

/** What the API controls: a UDP or a TCP relay. */
export interface Controlled {
  impairments(): { up: Impairments; down: Impairments };
  set(link: LinkImpairments): void;
  reset(): void;
  summary(): object;
}

/** The largest request body read. */
const MAX_BODY = 64 * 1024;

/** A running control server. */
export interface ControlServer {
  readonly local: Endpoint;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The request's body, up to {@link MAX_BODY}; undefined when it is larger. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The state `GET /` shows. */
function state(target: Controlled): object {
  const now = target.impairments();
  return { up: impairmentsToJson(now.up), down: impairmentsToJson(now.down), summary: target.summary() };
}

async function handle(target: Controlled, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/') return reply(res, 200, state(target));
  if (req.method === 'POST' && path === '/reset') {
    target.reset();
    return reply(res, 200, state(target));
  }
  if (req.method === 'PUT' && (path === '/up' || path === '/down')) {
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { error: `request body over ${MAX_BODY} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      return reply(res, 400, { error: `invalid JSON: ${(error as Error).message}` });
    }
    try {
      const imp = impairmentsFromJson(json);
      target.set(path === '/up' ? { up: imp } : { down: imp });
    } catch (error) {
      if (error instanceof UdpkitError) return reply(res, 400, { error: error.message });
      throw error;
    }
    return reply(res, 200, state(target));
  }
  const allowed = path === '/' ? 'GET' : path === '/reset' ? 'POST' : path === '/up' || path === '/down' ? 'PUT' : undefined;
  if (allowed !== undefined) return reply(res, 405, { error: `${req.method ?? ''} ${path}: use ${allowed}` });
  return reply(res, 404, { error: `no ${path}: the API has GET /, PUT /up, PUT /down, POST /reset` });
}

/**
 * Serves the control API for `target` on `host`:`port`.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot listen
 */
export async function serveControl(target: Controlled, host: string, port: number): Promise<ControlServer> {
  const server: Server = createServer((req, res) => {
    handle(target, req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(fromSystemError(error, `cannot listen for --control on ${formatEndpoint({ address: host, port })}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number; family: string };
  let closing: Promise<void> | undefined;
  return {
    local: { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
