/** Addresses as a socket reports them, made into the {@link Endpoint} the records carry (written by format/endpoint.ts). */
import type { Endpoint } from '../types.js';

/** Shows an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the plain IPv4 address it stands for. */
export function unmapEndpoint(address: string, port: number, family: string): Endpoint {
  if (address.startsWith('::ffff:') && address.includes('.')) {
    return { address: address.slice(7), port, family: 'IPv4' };
  }
  return { address, port, family: family === 'IPv6' || family === '6' ? 'IPv6' : 'IPv4' };
}
