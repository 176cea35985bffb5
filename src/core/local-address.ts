/** Whether an address is this host's: what the echo guard and udp-compare's "is the remote this host?" both ask. */
import { networkInterfaces } from 'node:os';

/** Every address configured on this host now (without a zone), and the wildcards. */
export function localAddresses(): Set<string> {
  const set = new Set<string>(['0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) set.add(entry.address.split('%')[0] ?? entry.address);
  }
  return set;
}

/**
 * Whether `address` reaches this host: loopback (127.0.0.0/8 and ::1, either also mapped into IPv6), a wildcard,
 * or an address configured on one of its interfaces.
 * @param local the host's addresses, when the caller keeps them (read once); read now otherwise
 */
export function isLocalAddress(address: string, local: ReadonlySet<string> = localAddresses()): boolean {
  const plain = address.replace(/^::ffff:(?=\d+\.)/i, '').split('%')[0] ?? address;
  return plain.startsWith('127.') || plain === '::1' || local.has(plain);
}
