/** How addresses and ports are written (`127.0.0.1:5005`, `[::1]:5005`): core's messages and the records share it. */
import type { Endpoint } from '../types.js';

/**
 * The address of a peer the kernel could no longer name (a TCP client that reset before it was accepted, once the
 * lookup gave up): written `unknown`, never as an empty address with port 0.
 */
export const UNKNOWN_ADDRESS = 'unknown';

/** `address:port`, with IPv6 addresses in brackets; `unknown` for a peer whose address is unknown. */
export function formatEndpoint(endpoint: Pick<Endpoint, 'address' | 'port'>): string {
  if (endpoint.address === UNKNOWN_ADDRESS) return UNKNOWN_ADDRESS;
  return endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** A chosen source as the user gave it: `10.0.0.7`, `*:40000` or `10.0.0.7:40000` (`[::1]:40000` for IPv6). */
export function formatSource(address: string | undefined, port: number | undefined): string {
  if (port === undefined) return address ?? '*';
  return formatEndpoint({ address: address ?? '*', port });
}
