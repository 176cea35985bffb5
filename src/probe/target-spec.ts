/** A probe target as written on the command line: `HOST:PORT`, `[::1]:5005`, `db1:7`. */
import { isIP } from 'node:net';
import { UdpkitError } from '../errors.js';
import { show } from '../format/show.js';

/** A target, checked for form (a name is resolved later, and again while it fails). */
export interface TargetSpec {
  /** As given: the `target` label of its metrics and the name in its lines. */
  text: string;
  /** The host without brackets. */
  host: string;
  port: number;
}

const NAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;

/**
 * Parses `HOST:PORT`; an IPv6 address goes in brackets.
 * @throws UdpkitError E_USAGE naming the bad target and the form expected
 */
export function parseTarget(text: string): TargetSpec {
  const expected = 'expected HOST:PORT (192.0.2.7:7, db1:5005, [::1]:5005)';
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port >= 1 && port <= 65_535)) {
    const hint = isIP(text) === 6 ? ': an IPv6 address goes in brackets, [::1]:5005' : match ? ': the port is 1 to 65535' : '';
    throw new UdpkitError('E_USAGE', `invalid target ${show(text)}: ${expected}${hint}`);
  }
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined ? isIP(host) !== 6 : isIP(host) === 0 && !NAME.test(host)) {
    throw new UdpkitError('E_USAGE', `invalid target ${show(text)}: ${show(host)} is not an IP address or a host name; ${expected}`);
  }
  return { text, host, port };
}
