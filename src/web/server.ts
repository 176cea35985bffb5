/**
 * The web view's HTTP server: every request passes the Host check, then the token; streams and the send box also
 * the Origin check. One timer sends every page its rows, another the senders table once a second.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { pageAssets } from './assets.js';
import type { WebFeed } from './feed.js';
import type { WebSource } from './source.js';
import { allowedHosts, cookieName, hostAllowed, newToken, originAllowed, tokenAllowed } from './guard.js';
import type { Hello } from './protocol.js';
import { answer, serveAsset, serveCapture, serveDatagram, serveSend, type SendHook } from './routes.js';
import { EventStream, ROWS_PER_SECOND, TICK_MS } from './stream.js';

/** What a web view serves, and where. */
export interface WebViewOptions {
  /** Address to bind (loopback unless asked). */
  host: string;
  /** Port to bind (0: one the system picks). */
  port: number;
  /** The command's rows, counters and panels. */
  source: WebSource;
  /** Datagrams kept whole, for the inspector and "Capture now" (udp-listen); without it the page has neither. */
  datagrams?: WebFeed | undefined;
  /** The send box (with {@link datagrams}: it answers the senders heard); without it the page has none. */
  sendHook?: SendHook | undefined;
}

/** A running web view. */
export interface WebView {
  /** The address to open, with the token in it. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Ends every stream and closes the server; idempotent. */
  close(): Promise<void>;
}

/** Routes one request that passed the Host and token checks. */
function route(req: IncomingMessage, res: ServerResponse, url: URL, ctx: Context): void {
  const streaming = url.pathname === '/events' || url.pathname === '/api/send' || url.pathname === '/api/capture' || url.pathname === '/api/datagram';
  if (streaming && !originAllowed(req, ctx.hosts)) return answer(res, 403, 'text/plain', 'refused: request from another origin\n');
  const { datagrams, sendHook } = ctx.options;
  if (req.method === 'POST' && url.pathname === '/api/send') {
    if (!sendHook || !datagrams) return answer(res, 404, 'text/plain', 'no send box here\n');
    void serveSend(req, res, datagrams, sendHook);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/events') return openStream(res, ctx);
  if (datagrams && url.pathname === '/api/datagram') return serveDatagram(res, url, datagrams);
  if (datagrams && url.pathname === '/api/capture') return serveCapture(res, url, datagrams, ctx.options.source.command);
  if (!serveAsset(res, url.pathname, pageAssets())) answer(res, 404, 'text/plain', 'not found\n');
}

interface Context {
  options: WebViewOptions;
  token: string;
  hosts: Set<string>;
  cookie: string;
  streams: Set<EventStream>;
  hello: Hello;
}

/** Pages streaming at once; more get 503 (each costs the listener its rows and a socket buffer). */
const MAX_STREAMS = 16;

function openStream(res: ServerResponse, ctx: Context): void {
  if (ctx.streams.size >= MAX_STREAMS) return answer(res, 503, 'text/plain', `at most ${MAX_STREAMS} pages at once\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  const stream = new EventStream(res, ctx.options.source, ctx.hello);
  ctx.streams.add(stream);
  res.on('close', () => ctx.streams.delete(stream));
}

/** Every request: Host, then token (a token in the query sets the cookie and moves the page to a clean address). */
function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): void {
  if (!hostAllowed(req, ctx.hosts)) return answer(res, 403, 'text/plain', 'refused: unexpected Host header\n');
  const url = new URL(req.url ?? '/', 'http://web.invalid');
  if (!tokenAllowed(req, url, ctx.token, ctx.cookie)) return answer(res, 401, 'text/plain', 'unauthorized\n');
  if (url.searchParams.has('token')) {
    const cookie = `${ctx.cookie}=${ctx.token}; Path=/; HttpOnly; SameSite=Strict`;
    return answer(res, 303, 'text/plain', 'see /\n', { location: '/', 'set-cookie': cookie });
  }
  route(req, res, url, ctx);
}

/**
 * Serves the web view of a command on `host`:`port`.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot bind
 */
export async function startWebView(options: WebViewOptions): Promise<WebView> {
  pageAssets();
  const token = newToken();
  const streams = new Set<EventStream>();
  const { source } = options;
  const hello: Hello = {
    command: source.command,
    panels: [...source.panels],
    columns: [...source.columns],
    counters: source.counterLabels.map(([name, label]): [string, string] => [name, label]),
    ringMax: source.capacity,
    rowsPerSecond: ROWS_PER_SECOND,
  };
  const ctx: Context = { options, token, hosts: new Set(), cookie: '', streams, hello };
  const server = createServer((req, res) => handle(req, res, ctx));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(fromSystemError(error, `cannot serve --web on ${formatEndpoint({ address: options.host, port: options.port })}`)));
    server.listen(options.port, options.host, resolve);
  });
  server.on('error', () => undefined);
  const port = (server.address() as AddressInfo).port;
  ctx.hosts = allowedHosts(options.host, port);
  ctx.cookie = cookieName(port);
  const ticker = setInterval(() => {
    for (const stream of streams) stream.tick();
  }, TICK_MS);
  const seconds = setInterval(() => {
    const second = source.second(Date.now());
    for (const stream of streams) stream.event('second', second);
  }, 1000);
  const shown = options.host === '0.0.0.0' ? '127.0.0.1' : options.host === '::' ? '::1' : options.host;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(ticker);
      clearInterval(seconds);
      for (const stream of streams) stream.end();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://${formatEndpoint({ address: shown, port })}/?token=${token}`, token, port, close };
}
