/**
 * pcap files (libpcap's classic format, link type raw IP): a datagram as a synthesized IPv4 or IPv6 packet with
 * its UDP header, checksums computed, so Wireshark and tshark dissect it as if captured. @see https://www.tcpdump.org/manpages/pcap-savefile.5.html
 */
import { isIP } from 'node:net';

/** LINKTYPE_RAW: each record is an IPv4 or IPv6 packet, no link-layer header. */
export const LINKTYPE_RAW = 101;
/** The largest record kept (the snapshot length written in the header). */
export const PCAP_SNAPLEN = 262_144;
const MAGIC_MICROS = 0xa1b2c3d4;

/** The 24-byte file header: magic (microsecond timestamps), version 2.4, snaplen, link type raw IP. */
export function pcapFileHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(MAGIC_MICROS, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(PCAP_SNAPLEN, 16);
  header.writeUInt32LE(LINKTYPE_RAW, 20);
  return header;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** An IPv6 address (no zone) as its 16 bytes. */
function ipv6Bytes(address: string): Buffer {
  const plain = (address.split('%')[0] ?? address).toLowerCase();
  let text = plain;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = ipv4Bytes(dotted[1] as string);
    text = `${text.slice(0, -(dotted[1] as string).length)}${((b[0] ?? 0) * 256 + (b[1] ?? 0)).toString(16)}:${((b[2] ?? 0) * 256 + (b[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(Number.parseInt(group, 16) || 0, i * 2));
  return bytes;
}

/** The Internet checksum (RFC 1071) of the buffers, as if concatenated. */
function checksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One UDP datagram to write: who sent it to whom, when (epoch ms, fractions kept to the microsecond), what. */
export interface PcapDatagram {
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Buffer;
}

let nextId = 1;

/**
 * The IP packet of a datagram: IPv4 (TTL 64, DF, an incrementing ID) or IPv6 (hop limit 64), then the UDP header;
 * both checksums are computed, so a dissector shows them as good. `src` and `dst` must be of one family.
 */
export function ipPacket(d: PcapDatagram): Buffer {
  const v6 = isIP(d.src.split('%')[0] ?? d.src) === 6;
  const src = v6 ? ipv6Bytes(d.src) : ipv4Bytes(d.src);
  const dst = v6 ? ipv6Bytes(d.dst) : ipv4Bytes(d.dst);
  const udpLength = 8 + d.payload.length;
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(d.srcPort, 0);
  udp.writeUInt16BE(d.dstPort, 2);
  udp.writeUInt16BE(udpLength & 0xffff, 4);
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  if (v6) {
    src.copy(pseudo, 0);
    dst.copy(pseudo, 16);
    pseudo.writeUInt32BE(udpLength, 32);
    pseudo[39] = 17;
  } else {
    src.copy(pseudo, 0);
    dst.copy(pseudo, 4);
    pseudo[9] = 17;
    pseudo.writeUInt16BE(udpLength, 10);
  }
  // A computed checksum of 0 is sent as 0xffff (0 means "none" in IPv4 and is not allowed in IPv6).
  udp.writeUInt16BE(checksum([pseudo, udp, d.payload]) || 0xffff, 6);
  let ip: Buffer;
  if (v6) {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x6000_0000, 0);
    ip.writeUInt16BE(udpLength, 4);
    ip[6] = 17;
    ip[7] = 64;
    src.copy(ip, 8);
    dst.copy(ip, 24);
  } else {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udpLength, 2);
    ip.writeUInt16BE(nextId, 4);
    nextId = (nextId + 1) & 0xffff;
    ip.writeUInt16BE(0x4000, 6);
    ip[8] = 64;
    ip[9] = 17;
    src.copy(ip, 12);
    dst.copy(ip, 16);
    ip.writeUInt16BE(checksum([ip]), 10);
  }
  return Buffer.concat([ip, udp, d.payload]);
}

/** One pcap record (16-byte header and the packet) for a datagram. */
export function pcapRecord(d: PcapDatagram): Buffer {
  const packet = ipPacket(d);
  const header = Buffer.alloc(16);
  const micros = Math.round(d.time * 1000);
  header.writeUInt32LE(Math.floor(micros / 1_000_000), 0);
  header.writeUInt32LE(micros % 1_000_000, 4);
  const kept = Math.min(packet.length, PCAP_SNAPLEN);
  header.writeUInt32LE(kept, 8);
  header.writeUInt32LE(packet.length, 12);
  return Buffer.concat([header, packet.subarray(0, kept)]);
}
