/** How udp-send tells the addresses of a name that it tried before the one that answered over TCP. */
import type { FailedAttempt } from '../core/happy-eyeballs.js';
import { formatEndpoint } from '../format/endpoint.js';

/** How a failed connection attempt to one address of a name is told. */
const ATTEMPT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
};

/** `, after ::1:5000 refused` (each address tried first and why it failed), or '' when the first answered. */
export function triedFirstPart(triedFirst: readonly FailedAttempt[], port: number): string {
  const before = triedFirst.map((f) => `${formatEndpoint({ address: f.address, port })} ${ATTEMPT_FAILURES[f.errno] ?? f.errno}`);
  return before.length > 0 ? `, after ${before.join(', ')}` : '';
}
