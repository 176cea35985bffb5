/**
 * Multicast: which addresses are groups, how an interface given by name or address becomes what Node's socket
 * calls take, and joining groups (any-source, or source-specific where a source is given).
 */
import type { Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UdpkitError, fromSystemError } from '../errors.js';

/** Whether `address` is a multicast group: 224.0.0.0/4 or ff00::/8. */
export function isMulticastAddress(address: string): boolean {
  const family = isIP(address.split('%')[0] ?? address);
  if (family === 4) {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return family === 6 && /^ff[0-9a-f]{2}:/i.test(address);
}

/** One group to join: the group, the interface (name or address; the default one when absent), a source (SSM). */
export interface GroupJoin {
  group: string;
  iface?: string | undefined;
  /** Source-specific: only datagrams from this source are received (IGMPv3 / MLDv2). */
  source?: string | undefined;
}

/**
 * What Node's multicast calls take for an interface given by name or address: for IPv4 an address of the interface,
 * for IPv6 `::%NAME` (the interface's scope).
 * @param what how a problem's message starts, naming the interface as given
 * @throws UdpkitError E_USAGE when there is no such interface or it has no address of that family
 */
export function multicastInterface(spec: string, family: 4 | 6, what: string): string {
  const ip = isIP(spec);
  if (ip !== 0) {
    if (isMulticastAddress(spec)) throw new UdpkitError('E_USAGE', `${what}: ${spec} is a multicast group; give an interface or one of its unicast addresses`);
    if (ip !== family) throw new UdpkitError('E_USAGE', `${what}: ${spec} is IPv${ip}, but the group is IPv${family}`);
    if (family === 6) {
      const name = Object.entries(networkInterfaces()).find(([, infos]) => (infos ?? []).some((i) => i.address === spec))?.[0];
      if (name === undefined) throw new UdpkitError('E_USAGE', `${what}: ${spec} is not an address of this host`);
      return `::%${name}`;
    }
    return spec;
  }
  const interfaces = networkInterfaces();
  const infos = interfaces[spec];
  if (infos === undefined) {
    // Node.js lists only interfaces that are up and running: one that exists but is down gets its own message.
    const exists = process.platform === 'linux' && /^[\w.@:-]{1,15}$/.test(spec) && existsSync(`/sys/class/net/${spec}`);
    const why = exists ? 'the interface is down or has no carrier' : `no such interface (this host has ${Object.keys(interfaces).join(', ')})`;
    throw new UdpkitError('E_USAGE', `${what}: ${why}`);
  }
  if (family === 6) return `::%${spec}`;
  const v4 = infos.find((info) => info.family === 'IPv4');
  if (v4 === undefined) throw new UdpkitError('E_USAGE', `${what}: the interface has no IPv4 address`);
  return v4.address;
}

/**
 * Joins `join.group` on `socket` (bound to the group's port), on the interface asked or the default one.
 * @throws UdpkitError naming the group when the kernel refuses (no route for the group: give an interface)
 */
export function joinGroup(socket: Socket, join: GroupJoin): void {
  const family = isIP(join.group) === 6 ? 6 : 4;
  const iface = join.iface === undefined ? undefined : multicastInterface(join.iface, family, `cannot join ${join.group} on ${join.iface}`);
  try {
    if (join.source === undefined) socket.addMembership(join.group, iface);
    else socket.addSourceSpecificMembership(join.source, join.group, iface);
  } catch (error) {
    const where = `${join.group}${join.iface === undefined ? '' : `@${join.iface}`}${join.source === undefined ? '' : ` from ${join.source}`}`;
    const what = `cannot join ${where}`;
    throw fromSystemError(error, what, (errno) => {
      if (join.iface !== undefined || (errno !== 'ENODEV' && errno !== 'EADDRNOTAVAIL')) return undefined;
      const plain = fromSystemError(error, what);
      return [plain.code, `${plain.message}: no route for multicast on the default interface; name one, GROUP@IFACE`];
    });
  }
}
