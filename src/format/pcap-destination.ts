/** The destination address a pcap record names for a datagram (udp-listen --pcap and the web view's capture share it). */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { Endpoint } from '../types.js';

function toInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/**
 * The address a datagram from `from` was sent to, for a listener bound to the wildcard: Node.js has no IP_PKTINFO,
 * so it is the address this host answers that sender from: loopback for loopback, else the address of the
 * interface whose subnet holds the sender, else the first address of its family on an external interface.
 */
export function likelyDestination(from: string, local: Endpoint): string {
  const v6 = isIP(from) === 6;
  if (local.address !== '0.0.0.0' && local.address !== '::') return local.address;
  if (from.startsWith('127.')) return '127.0.0.1';
  if (from === '::1') return '::1';
  const candidates = Object.values(networkInterfaces()).flatMap((infos) => infos ?? []).filter((i) => (i.family === 'IPv6') === v6);
  if (!v6) {
    const sender = toInt(from);
    const onLink = candidates.find((i) => ((toInt(i.address) ^ sender) & toInt(i.netmask)) >>> 0 === 0);
    if (onLink) return onLink.address;
  }
  return (candidates.find((i) => !i.internal) ?? candidates[0])?.address.split('%')[0] ?? (v6 ? '::' : '0.0.0.0');
}
