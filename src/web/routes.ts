/** The web view's answers: the page and its files, the event stream, one datagram whole, a capture, the send box. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/mini';
import type { Endpoint } from '../types.js';
import { escapeBytes } from '../format/escape.js';
import { hexDump } from '../format/hex.js';
import { formatEndpoint } from '../format/endpoint.js';
import { checkDatagramSize, decodeHex, unescapeMessage } from '../format/payload.js';
import { UdpkitError } from '../errors.js';
import { capturePcap } from './capture.js';
import type { WebFeed } from './feed.js';
import { SECURITY_HEADERS } from './guard.js';
import type { PageAssets } from './assets.js';

/** Largest send-box request body: a 64 KiB datagram in hex, with room. */
const MAX_BODY = 256 * 1024;

/** Writes a whole answer with the security headers. */
export function answer(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, data: unknown): void {
  answer(res, status, 'application/json; charset=utf-8', JSON.stringify(data));
}

/** The page and its two files. */
export function serveAsset(res: ServerResponse, path: string, assets: PageAssets): boolean {
  if (path === '/') answer(res, 200, 'text/html; charset=utf-8', assets.html);
  else if (path === '/page.js') answer(res, 200, 'text/javascript; charset=utf-8', assets.js);
  else if (path === '/page.css') answer(res, 200, 'text/css; charset=utf-8', assets.css);
  else return false;
  return true;
}

/** `GET /api/datagram?id=N`: the whole datagram, escaped as the text format does and dumped as the hex format does. */
export function serveDatagram(res: ServerResponse, url: URL, feed: WebFeed): void {
  const id = Number(url.searchParams.get('id'));
  const entry = Number.isSafeInteger(id) ? feed.ring.get(id) : undefined;
  if (!entry) return json(res, 404, { error: `datagram ${String(url.searchParams.get('id'))} is no longer in the ring` });
  const { record } = entry;
  json(res, 200, { id, kind: entry.kind, peer: formatEndpoint(record.from), size: record.payload.length, text: escapeBytes(record.payload), hex: hexDump(record.payload) });
}

/** `GET /api/capture?n=N`: the last N datagrams as a pcap download. */
export function serveCapture(res: ServerResponse, url: URL, feed: WebFeed, command: string): void {
  const asked = Number(url.searchParams.get('n') ?? feed.ring.capacity);
  const n = Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, feed.ring.capacity) : feed.ring.capacity;
  const { pcap } = capturePcap(feed.ring, n);
  const name = `${command}-${new Date().toISOString().replace(/[:.]/g, '-')}.pcap`;
  answer(res, 200, 'application/vnd.tcpdump.pcap', pcap, { 'content-disposition': `attachment; filename="${name}"` });
}

const sendSchema = z.object({
  address: z.string().check(z.maxLength(100)),
  port: z.number().check(z.int(), z.gte(1), z.lte(65_535)),
  mode: z.enum(['text', 'hex']),
  data: z.string().check(z.maxLength(MAX_BODY)),
});

/** Reads a request body of at most {@link MAX_BODY} bytes. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new UdpkitError('E_DATA', `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** What the send box needs: the command's send and its local end (a sent record names it). */
export interface SendHook {
  send: (payload: Buffer, to: { address: string; port: number }) => Promise<void>;
  local: Endpoint;
}

/**
 * `POST /api/send` (JSON: address, port, mode text|hex, data): sends from the command's socket to a sender it has
 * heard (no other), and puts the datagram in the log as `sent`.
 */
export async function serveSend(req: IncomingMessage, res: ServerResponse, feed: WebFeed, hook: SendHook): Promise<void> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return json(res, 415, { error: 'expected application/json' });
  try {
    const parsed = sendSchema.safeParse(JSON.parse(await readBody(req)));
    if (!parsed.success) return json(res, 400, { error: 'expected {address, port, mode: "text"|"hex", data}' });
    const { address, port, mode, data } = parsed.data;
    if (!feed.senders.has(`${address}|${port}`)) return json(res, 403, { error: `${formatEndpoint({ address, port })} has sent nothing here: only a sender heard can be answered` });
    const payload = mode === 'hex' ? decodeHex(data) : unescapeMessage(data);
    const family = address.includes(':') ? 'IPv6' : 'IPv4';
    checkDatagramSize(payload.length, family);
    await hook.send(payload, { address, port });
    feed.pushSent({ event: 'datagram', protocol: 'udp', time: Date.now(), from: { address, port, family }, local: hook.local, payload });
    json(res, 200, { sent: payload.length });
  } catch (error) {
    json(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
