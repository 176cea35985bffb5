/**
 * Reads the UDP datagrams out of a capture: pcap (microsecond or nanosecond, either byte order) or pcapng (as
 * tcpdump, Wireshark and tshark write them), over Ethernet (with VLAN tags), Linux cooked (SLL, SLL2), BSD loopback
 * or raw IP. The whole file is checked before anything is returned: a capture cut short or corrupt is an error
 * naming the record (or block) where it breaks, so nothing is sent from a file that does not parse.
 */
import { UdpkitError } from '../errors.js';
import type { PcapDatagram } from './pcap.js';

/** A UDP datagram found in a capture: the same shape pcapRecord writes (time in epoch ms, fractions kept). */
export type CapturedDatagram = PcapDatagram;

/** What a capture held. */
export interface CaptureContents {
  format: 'pcap' | 'pcapng';
  datagrams: CapturedDatagram[];
  /** Packets that were not UDP over IPv4/IPv6 (TCP, ARP, ICMP…), or on a link type not read. */
  otherPackets: number;
  /** UDP datagrams left out: IP fragments, or cut by the capture's snapshot length (their payload is not whole). */
  incomplete: number;
}

function corrupt(where: string, what: string): UdpkitError {
  return new UdpkitError('E_DATA', `${where}: ${what}`);
}

function ipv4Text(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(at + i * 2).toString(16));
  // The longest run of zero groups becomes `::`.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

type Found = CapturedDatagram | 'other' | 'incomplete';

/** The UDP datagram in an IP packet (IPv4 or IPv6, by its version nibble). */
function fromIp(packet: Buffer, time: number, originalLength: number): Found {
  if (packet.length < 1) return 'other';
  const version = (packet[0] ?? 0) >> 4;
  const cut = originalLength > packet.length;
  let udpAt: number;
  let src: string;
  let dst: string;
  if (version === 4) {
    const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
    if (packet.length < 20 || ihl < 20 || packet[9] !== 17) return 'other';
    const flags = packet.readUInt16BE(6);
    if ((flags & 0x2000) !== 0 || (flags & 0x1fff) !== 0) return 'incomplete';
    src = ipv4Text(packet, 12);
    dst = ipv4Text(packet, 16);
    udpAt = ihl;
  } else if (version === 6) {
    if (packet.length < 40) return 'other';
    src = ipv6Text(packet, 8);
    dst = ipv6Text(packet, 24);
    let next = packet[6];
    udpAt = 40;
    // Hop-by-hop, routing and destination options are skipped; a fragment header means a fragment.
    for (let hops = 0; hops < 8 && (next === 0 || next === 43 || next === 60 || next === 44); hops++) {
      if (next === 44) return 'incomplete';
      if (packet.length < udpAt + 8) return 'other';
      next = packet[udpAt];
      udpAt += ((packet[udpAt + 1] ?? 0) + 1) * 8;
    }
    if (next !== 17) return 'other';
  } else {
    return 'other';
  }
  if (packet.length < udpAt + 8) return cut ? 'incomplete' : 'other';
  const udpLength = packet.readUInt16BE(udpAt + 4);
  // IPv6 jumbograms (length 0) are not read; a payload cut by the snapshot length is not whole.
  if (udpLength < 8) return 'other';
  if (packet.length < udpAt + udpLength) return 'incomplete';
  return {
    time,
    src,
    srcPort: packet.readUInt16BE(udpAt),
    dst,
    dstPort: packet.readUInt16BE(udpAt + 2),
    payload: Buffer.from(packet.subarray(udpAt + 8, udpAt + udpLength)),
  };
}

/** The IP packet inside a frame of `linkType`, or undefined for a link type or protocol not read. */
function ipOf(frame: Buffer, linkType: number): Buffer | undefined {
  switch (linkType) {
    case 101: // raw IP
    case 12:
    case 14:
    case 228: // raw IPv4
    case 229: // raw IPv6
      return frame;
    case 0: // BSD loopback: a 4-byte address family in host order
    case 109:
      return frame.subarray(4);
    case 1: {
      // Ethernet, with any 802.1Q / 802.1ad tags.
      let at = 12;
      let type = frame.length >= 14 ? frame.readUInt16BE(at) : 0;
      for (let tags = 0; tags < 4 && (type === 0x8100 || type === 0x88a8) && frame.length >= at + 6; tags++) {
        at += 4;
        type = frame.readUInt16BE(at);
      }
      return type === 0x0800 || type === 0x86dd ? frame.subarray(at + 2) : undefined;
    }
    case 113: {
      // Linux cooked capture (SLL): the protocol at 14, 16-byte header.
      const type = frame.length >= 16 ? frame.readUInt16BE(14) : 0;
      return type === 0x0800 || type === 0x86dd ? frame.subarray(16) : undefined;
    }
    case 276: {
      // SLL2: the protocol at 0, 20-byte header.
      const type = frame.length >= 20 ? frame.readUInt16BE(0) : 0;
      return type === 0x0800 || type === 0x86dd ? frame.subarray(20) : undefined;
    }
    default:
      return undefined;
  }
}

function tally(contents: CaptureContents, found: Found): void {
  if (found === 'other') contents.otherPackets += 1;
  else if (found === 'incomplete') contents.incomplete += 1;
  else contents.datagrams.push(found);
}

function readPcap(file: Buffer, name: string): CaptureContents {
  if (file.length < 24) throw corrupt(name, `the pcap header is cut short (${file.length} of 24 bytes)`);
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20) & 0x0fff_ffff;
  const contents: CaptureContents = { format: 'pcap', datagrams: [], otherPackets: 0, incomplete: 0 };
  let at = 24;
  for (let record = 1; at < file.length; record++) {
    if (file.length - at < 16) throw corrupt(name, `record ${record} is cut short: its header has ${file.length - at} of 16 bytes`);
    const seconds = u32(at);
    const fraction = u32(at + 4);
    const kept = u32(at + 8);
    const original = u32(at + 12);
    if (kept > 0x4000000) throw corrupt(name, `record ${record} claims ${kept} bytes: the file is corrupt there`);
    if (file.length - at - 16 < kept) {
      throw corrupt(name, `record ${record} is cut short: ${file.length - at - 16} of its ${kept} bytes are in the file`);
    }
    const frame = file.subarray(at + 16, at + 16 + kept);
    const time = seconds * 1000 + (nanos ? fraction / 1e6 : fraction / 1e3);
    const ip = ipOf(frame, linkType);
    tally(contents, ip === undefined ? 'other' : fromIp(ip, time, original - (frame.length - ip.length)));
    at += 16 + kept;
  }
  return contents;
}

interface Interface {
  linkType: number;
  /** Seconds per timestamp unit. */
  unit: number;
}

function readPcapng(file: Buffer, name: string): CaptureContents {
  const contents: CaptureContents = { format: 'pcapng', datagrams: [], otherPackets: 0, incomplete: 0 };
  let little = true;
  let interfaces: Interface[] = [];
  let at = 0;
  for (let block = 1; at < file.length; block++) {
    if (file.length - at < 12) throw corrupt(name, `block ${block} is cut short: ${file.length - at} bytes where a block needs at least 12`);
    const type = file.readUInt32LE(at);
    if (type === 0x0a0d0d0a) {
      // A section header sets the byte order of what follows.
      const order = file.readUInt32LE(at + 8);
      if (order === 0x1a2b3c4d) little = true;
      else if (order === 0x4d3c2b1a) little = false;
      else throw corrupt(name, `block ${block}: a section header with an unknown byte-order mark`);
      interfaces = [];
    }
    const u32 = (offset: number): number => (little ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
    const u16 = (offset: number): number => (little ? file.readUInt16LE(offset) : file.readUInt16BE(offset));
    const blockType = u32(at);
    const length = u32(at + 4);
    if (length < 12 || length % 4 !== 0) throw corrupt(name, `block ${block} has an impossible length (${length})`);
    if (file.length - at < length) throw corrupt(name, `block ${block} is cut short: ${file.length - at} of its ${length} bytes are in the file`);
    if (u32(at + length - 4) !== length) throw corrupt(name, `block ${block}: its trailing length does not match (the file is corrupt there)`);
    const body = at + 8;
    if (blockType === 1) {
      // Interface description: link type, and if_tsresol among the options (default microseconds).
      const iface: Interface = { linkType: u16(body), unit: 1e-6 };
      for (let option = body + 8; option + 4 <= at + length - 4; ) {
        const code = u16(option);
        const size = u16(option + 2);
        if (code === 0) break;
        if (code === 9 && size >= 1) {
          const resolution = file[option + 4] ?? 6;
          iface.unit = resolution & 0x80 ? 2 ** -(resolution & 0x7f) : 10 ** -resolution;
        }
        option += 4 + Math.ceil(size / 4) * 4;
      }
      interfaces.push(iface);
    } else if (blockType === 6 || blockType === 3) {
      const enhanced = blockType === 6;
      const iface = interfaces[enhanced ? u32(body) : 0];
      if (iface === undefined) throw corrupt(name, `block ${block}: a packet on an interface the capture never described`);
      const kept = enhanced ? u32(body + 12) : Math.min(u32(body), length - 16);
      const original = enhanced ? u32(body + 16) : u32(body);
      const dataAt = body + (enhanced ? 20 : 4);
      if (dataAt + kept > at + length - 4) throw corrupt(name, `block ${block}: its packet runs past the block's end`);
      const ticks = enhanced ? u32(body + 4) * 2 ** 32 + u32(body + 8) : 0;
      const frame = file.subarray(dataAt, dataAt + kept);
      const ip = ipOf(frame, iface.linkType);
      tally(contents, ip === undefined ? 'other' : fromIp(ip, ticks * iface.unit * 1000, original - (frame.length - ip.length)));
    }
    at += length;
  }
  return contents;
}

/**
 * Reads a capture whole from `file` (its bytes), pcap or pcapng by its magic.
 * @param name how errors name the file
 * @throws UdpkitError E_DATA naming the record or block where the file breaks, or what it is when not a capture
 */
export function readCapture(file: Buffer, name: string): CaptureContents {
  if (file.length < 4) throw corrupt(name, `not a capture: ${file.length} bytes, too short for a pcap or pcapng header`);
  const magic = file.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) return readPcapng(file, name);
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(magic)) return readPcap(file, name);
  throw corrupt(name, 'not a pcap or pcapng capture (its first bytes are no capture magic number)');
}
