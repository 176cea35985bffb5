/**
 * `udp-listen --pcap FILE`: every datagram recorded goes into a pcap file as well (link type raw IP), with the real
 * addresses, ports and receive times. Records are written whole, a batch per event-loop turn with one write, so the
 * file reads in tshark at every moment, also after a crash or Ctrl+C.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { ioFailed } from './file-errors.js';
import { pcapFileHeader, pcapRecord } from '../format/pcap.js';
import { likelyDestination } from '../format/pcap-destination.js';
import type { DatagramRecord } from '../types.js';
import { show } from '../format/show.js';

export { likelyDestination } from '../format/pcap-destination.js';

/** A batch is written at once past this many bytes, without waiting for the turn to end. */
const BATCH_BYTES = 1024 * 1024;
/** Senders whose destination address is remembered. */
const MAX_REMEMBERED = 4096;
/** What may wait for {@link PcapWriter.start} (the few milliseconds the command's other ports take to bind). */
const MAX_BEFORE_START = 16 * 1024 * 1024;

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
    private started: boolean,
    private readonly created: boolean,
  ) {}

  /**
   * Opens `path` for the capture. With `start: false` the file is neither truncated nor written until
   * {@link start}: a command that fails to start something else (a port in use) leaves an existing capture as
   * it was ({@link abandon}); datagrams recorded meanwhile wait in memory.
   * @throws UdpkitError E_IO naming the file when it cannot be written
   */
  static open(path: string, options: { start?: boolean } = {}): PcapWriter {
    let writer: PcapWriter;
    try {
      const created = !existsSync(path);
      writer = new PcapWriter(openSync(path, constants.O_WRONLY | constants.O_CREAT), path, false, created);
    } catch (error) {
      throw ioFailed(error, `cannot write --pcap ${show(path)}`);
    }
    if (options.start !== false) writer.start();
    return writer;
  }

  /**
   * Truncates the file, writes the pcap header and then what waited.
   * @throws UdpkitError E_IO naming the file when it cannot be written
   */
  start(): void {
    if (this.fd === undefined || this.started) return;
    try {
      // A regular file is started anew; a pipe or a device (`--pcap /dev/stdout | tshark -r -`) cannot be truncated.
      if (fstatSync(this.fd).isFile()) ftruncateSync(this.fd, 0);
      writeSync(this.fd, pcapFileHeader());
    } catch (error) {
      throw ioFailed(error, `cannot write --pcap ${show(this.path)}`);
    }
    this.started = true;
    this.flush();
  }

  /** Closes the file without writing it: left as it was, or removed when this writer created it. */
  abandon(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (!this.started && this.created) rmSync(this.path, { force: true });
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
    if (!this.started && this.pendingBytes >= MAX_BEFORE_START) {
      this.error ??= new Error(`more than ${MAX_BEFORE_START} bytes arrived before the capture could start`);
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.written += 1;
    if (this.pendingBytes >= BATCH_BYTES && this.started) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued, whole records in one write. */
  flush(): void {
    this.scheduled = false;
    if (this.fd === undefined || !this.started || this.pending.length === 0) return;
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
    try {
      this.start();
    } catch (error) {
      this.error ??= error as Error;
    }
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
