/**
 * Who may use the web view: the token (query, then cookie or header), the Host header (the address bound or
 * localhost: a DNS-rebinding defence), the Origin of requests that stream or change state, and the headers every
 * answer carries (a strict Content-Security-Policy among them).
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/** A fresh secret: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Headers on every answer: no script but the page's own, no inline anything, no request elsewhere, no referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** `HOST:PORT` as a Host header writes it (IPv6 in brackets), lower case. */
function hostPort(host: string, port: number): string {
  return (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`).toLowerCase();
}

/**
 * The Host headers accepted: `localhost:PORT` and the address bound; for a wildcard bind, loopback and every
 * address of this machine's interfaces. A name that only resolves here (DNS rebinding) is not among them.
 */
export function allowedHosts(bound: string, port: number): Set<string> {
  const hosts = new Set([hostPort('localhost', port), hostPort(bound, port)]);
  if (bound === '0.0.0.0' || bound === '::') {
    hosts.add(hostPort('127.0.0.1', port));
    hosts.add(hostPort('::1', port));
    for (const info of Object.values(networkInterfaces()).flatMap((i) => i ?? [])) hosts.add(hostPort(info.address.split('%')[0] ?? '', port));
  }
  return hosts;
}

/** Whether the request's Host header is one of `hosts`. */
export function hostAllowed(req: IncomingMessage, hosts: ReadonlySet<string>): boolean {
  return hosts.has((req.headers.host ?? '').toLowerCase());
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie that carries the token: one per port, since cookies do not tell ports apart. */
export function cookieName(port: number): string {
  return `udpkit_web_${port}`;
}

/**
 * Whether the request carries the token: in the query when it has one there (which must then be right), else in
 * the cookie or the `X-Udpkit-Token` header.
 */
export function tokenAllowed(req: IncomingMessage, url: URL, token: string, cookie: string): boolean {
  const query = url.searchParams.get('token');
  if (query !== null) return sameToken(query, token);
  const header = req.headers['x-udpkit-token'];
  if (typeof header === 'string') return sameToken(header, token);
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim());
  const found = cookies.find((c) => c.startsWith(`${cookie}=`));
  return sameToken(found?.slice(cookie.length + 1), token);
}

/**
 * Whether a request that streams records or changes state comes from the page itself: an Origin header, when sent,
 * must be this server's; a browser's Sec-Fetch-Site must say same-origin (or none: typed in the address bar).
 */
export function originAllowed(req: IncomingMessage, hosts: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && !(origin.startsWith('http://') && hosts.has(origin.slice('http://'.length).toLowerCase()))) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
