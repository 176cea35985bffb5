/**
 * `--allow CIDR` and `--deny CIDR`, as ncat has them: a sender outside the allowed set (when one is given), or
 * inside a denied one, is dropped before anything else happens. IPv4 and IPv6; an IPv4-mapped IPv6 sender (`::ffff:
 * 127.0.0.1` on a dual-stack socket) is checked as the IPv4 address it is.
 */
import { BlockList, isIP } from 'node:net';
import { UdpkitError } from '../errors.js';
import { show } from '../format/show.js';

/** A CIDR parsed: the network address, its prefix length and family. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128).
 * @param what the option, for the message (`--allow`)
 * @throws UdpkitError E_USAGE naming the value and the form expected
 */
export function parseCidr(text: string, what = 'CIDR'): Cidr {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  const max = version === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
    const why = version === 0 ? 'not an IP address' : `the prefix length is 0 to ${max}`;
    throw new UdpkitError('E_USAGE', `invalid ${what} ${show(text)}: ${why}; expected ADDRESS/PREFIX (192.0.2.0/24, 2001:db8::/32) or one address`);
  }
  return { address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' };
}

/** An IPv4-mapped IPv6 address as its IPv4 address; any other unchanged. */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Decides, per sender address, whether it may be heard at all. */
export class AddressFilter {
  private readonly allowed: BlockList | undefined;
  private readonly denied: BlockList | undefined;

  /** @throws UdpkitError E_USAGE for a malformed CIDR */
  constructor(allow: readonly string[] = [], deny: readonly string[] = []) {
    this.allowed = AddressFilter.list(allow, '--allow');
    this.denied = AddressFilter.list(deny, '--deny');
  }

  private static list(cidrs: readonly string[], what: string): BlockList | undefined {
    if (cidrs.length === 0) return undefined;
    const list = new BlockList();
    for (const text of cidrs) {
      const cidr = parseCidr(text, what);
      list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    return list;
  }

  /** A filter for the lists, or undefined when both are empty (nothing to check per datagram). */
  static from(allow: readonly string[] | undefined, deny: readonly string[] | undefined): AddressFilter | undefined {
    return (allow?.length ?? 0) + (deny?.length ?? 0) === 0 ? undefined : new AddressFilter(allow, deny);
  }

  /** Whether a datagram or connection from `address` may be heard; an unknown address may not. */
  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    // A link-local sender comes with its zone (`fe80::1%eth0`): the zone is not part of the address checked.
    const plain = unmapped(address.split('%')[0] ?? address);
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed !== undefined && !this.allowed.check(plain, family)) return false;
    return this.denied === undefined || !this.denied.check(plain, family);
  }
}
