/** `--web [ADDR:]PORT`: where the web view listens (loopback unless an address is given). */
import { isIP } from 'node:net';

/** Where a web view listens. */
export interface WebAddress {
  host: string;
  port: number;
}

/** Parses `PORT`, `ADDR:PORT` or `[ADDR6]:PORT`; undefined when it is none of these (the caller names the value). */
export function parseWebAddress(text: string): WebAddress | undefined {
  const match = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3}|localhost)):)?(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  const host = match[1] ?? match[2] ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) return undefined;
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** Whether `host` is a loopback address (127.0.0.0/8 or ::1): anything else is reachable from elsewhere. */
export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}
