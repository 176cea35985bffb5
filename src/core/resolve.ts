/** Turning a host (IP literal or name) into one address to send to or bind, with the family asked for. */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UdpkitError, fromSystemError } from '../errors.js';
import type { Family } from '../types.js';

/** An address ready for a socket call. */
export interface ResolvedAddress {
  address: string;
  family: Family;
}

/**
 * Resolves `host` to every address it has, in the resolver's order (for `localhost` on Debian: `::1`, then
 * `127.0.0.1`). IP literals are returned as they are (after checking they fit `family`).
 * @param family 4 or 6 to insist on one family, 0 for either
 * @throws UdpkitError E_UNKNOWN_HOST when a name does not resolve, E_USAGE when a literal has the wrong family
 */
export async function resolveAll(host: string, family: 0 | 4 | 6 = 0): Promise<ResolvedAddress[]> {
  const literal = isIP(host);
  if (literal !== 0) {
    if (family !== 0 && literal !== family) {
      throw new UdpkitError('E_USAGE', `host "${host}" is an IPv${literal} address, but -${family} asks for IPv${family}`);
    }
    return [{ address: host, family: literal === 6 ? 'IPv6' : 'IPv4' }];
  }
  try {
    // Loaded only for names: a one-shot send to an IP address does not pay for the resolver module.
    const { lookup } = await import('node:dns/promises');
    const found = await lookup(host, { family, all: true });
    const unique = [...new Map(found.map((f) => [f.address, f])).values()];
    if (unique.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    return unique.map((f) => ({ address: f.address, family: f.family === 6 ? 'IPv6' : 'IPv4' }));
  } catch (error) {
    const what = `host "${host}" does not resolve${family === 0 ? '' : ` to an IPv${family} address`}`;
    throw fromSystemError(error, what, (errno) => ['E_UNKNOWN_HOST', `${what} (${errno})`]);
  }
}

/**
 * Resolves `host` to one address: the first the resolver gives, of `family` when one is asked. This is where a UDP
 * datagram to a name goes.
 * @throws UdpkitError as {@link resolveAll}
 */
export async function resolveHost(host: string, family: 0 | 4 | 6 = 0): Promise<ResolvedAddress> {
  const [first] = await resolveAll(host, family);
  return first as ResolvedAddress;
}

/**
 * The source address the kernel would pick to reach `address` (its route's), found by connecting a UDP socket,
 * which sends nothing. Undefined when there is no route.
 */
export async function routeSource(address: string, family: Family): Promise<string | undefined> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, address, () => resolve());
    });
    return socket.address().address;
  } catch {
    return undefined;
  } finally {
    socket.close();
  }
}

/**
 * Whether `address` is the limited broadcast (255.255.255.255) or the directed broadcast of a subnet configured on
 * one of this host's IPv4 interfaces.
 */
export function isBroadcastAddress(address: string): boolean {
  if (address === '255.255.255.255') return true;
  if (isIP(address) !== 4) return false;
  const toInt = (a: string): number => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const target = toInt(address);
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.netmask === '255.255.255.255') continue;
      const mask = toInt(info.netmask);
      const broadcast = ((toInt(info.address) & mask) | (~mask >>> 0)) >>> 0;
      if (broadcast === target) return true;
    }
  }
  return false;
}
