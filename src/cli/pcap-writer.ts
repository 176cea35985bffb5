/**
 * `udp-listen --pcap FILE`: every datagram recorded goes into a pcap file as well (link type raw IP), with the real
 * addresses, ports and receive times. Records are written whole, a batch per event-loop turn with one write, so the
 * file reads in tshark at every moment, also after a crash or Ctrl+C.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { ioFailed } from './file-errors.js';
import { pcapFileHeader, pcapRecord } from '../format/pcap.js';
import type { DatagramRecord, Endpoint } from '../types.js';
import { show } from '../format/show.js';

/** A batch is written at once past this many bytes, without waiting for the turn to end. */
const BATCH_BYTES = 1024 * 1024;
/** Senders whose destination address is remembered. */
const MAX_REMEMBERED = 4096;

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

export class PcapWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private readonly destinations = new Map<string, string>();
  /** Datagrams written to the file. */
  written = 0;
  /** The first write error; later datagrams are not written. */
  error: Error | undefined;

  private constructor(
    private fd: number | undefined,
    readonly path: string,
  ) {}

  /**
   * Creates (or truncates) `path` and writes the pcap header.
   * @throws UdpkitError E_IO naming the file when it cannot be written
   */
  static open(path: string): PcapWriter {
    try {
      const fd = openSync(path, 'w');
      writeSync(fd, pcapFileHeader());
      return new PcapWriter(fd, path);
    } catch (error) {
      throw ioFailed(error, `cannot write --pcap ${show(path)}`);
    }
  }

  /** Queues a datagram; it reaches the file at the end of this event-loop turn. */
  add(record: DatagramRecord): void {
    if (this.fd === undefined || this.error) return;
    let dst = this.destinations.get(record.from.address);
    if (dst === undefined) {
      dst = likelyDestination(record.from.address, record.local);
      if (this.destinations.size >= MAX_REMEMBERED) this.destinations.clear();
      this.destinations.set(record.from.address, dst);
    }
    const bytes = pcapRecord({ time: record.time, src: record.from.address, srcPort: record.from.port, dst, dstPort: record.local.port, payload: record.payload });
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.written += 1;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued, whole records in one write. */
  flush(): void {
    this.scheduled = false;
    if (this.fd === undefined || this.pending.length === 0) return;
    const batch = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (let at = 0, turn = 0; at < batch.length && turn < 1000; turn++) at += writeSync(this.fd, batch, at);
    } catch (error) {
      this.error ??= error as Error;
    }
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
