/**
 * The web view's side of a command's record stream: every record goes through {@link WebFeed.push} (cheap: counted,
 * kept by reference in the ring), and the streams to browsers sample from the ring, so the page can never slow
 * the command's own output down, only fall behind it.
 */
import type { DatagramRecord, Endpoint } from '../types.js';
import { escapeBytes } from '../format/escape.js';
import { hexDump } from '../format/hex.js';
import { formatEndpoint } from '../format/endpoint.js';
import { RecordRing, type RingEntry } from './ring.js';
import { SenderStats } from './senders.js';
import { ROW_HEX_BYTES, ROW_TEXT_BYTES, type Row, type Second } from './protocol.js';
import type { WebSource } from './source.js';

/** What the feed asks of the command each second: its exact totals, from its own counters. */
export interface FeedTotals {
  senders: number;
  /** undefined where the kernel's count cannot be read. */
  kernelDrops: number | undefined;
}

/** udp-listen's page: its panels, its log's columns, its header's counters. */
const LISTEN_PAGE = {
  panels: ['log', 'inspector', 'senders', 'charts', 'send', 'capture'],
  columns: ['time', 'proto', 'peer', 'port', 'size', 'payload'],
  counters: [['records', 'datagrams'], ['bytes', 'bytes'], ['senders', 'senders'], ['sent', 'sent'], ['kernelDrops', 'kernel drops']] as const,
};

/** udp-listen's source: takes in records; keeps a bounded ring, per-sender counters and the current second's chart point. */
export class WebFeed implements WebSource {
  readonly command = 'udp-listen';
  readonly panels = LISTEN_PAGE.panels;
  readonly columns = LISTEN_PAGE.columns;
  readonly counterLabels = LISTEN_PAGE.counters;
  readonly ring: RecordRing;
  readonly senders = new SenderStats();
  records = 0;
  bytes = 0;
  sent = 0;
  private now = { datagrams: 0, bytes: 0, gapMin: -1, gapMax: -1, started: Date.now() };
  private lastTime = -1;
  private lastFrom: Endpoint | undefined;
  private lastKey = '';
  private lastPeer = '';

  /** The command's totals, as read at the last second (the first time at once). */
  private totals: FeedTotals = { senders: 0, kernelDrops: undefined };

  /**
   * @param ringSize records kept for the log, the inspector and "Capture now"
   * @param readTotals the command's exact totals, read once a second
   */
  constructor(ringSize?: number, private readonly readTotals?: () => FeedTotals) {
    this.ring = new RecordRing(ringSize);
    if (readTotals) this.totals = readTotals();
  }

  get first(): number {
    return this.ring.first;
  }

  get next(): number {
    return this.ring.next;
  }

  get capacity(): number {
    return this.ring.capacity;
  }

  row(id: number): Row | undefined {
    const entry = this.ring.get(id);
    return entry && toRow(id, entry);
  }

  counters(): Record<string, number | null> {
    return { records: this.records, bytes: this.bytes, senders: this.totals.senders, sent: this.sent, kernelDrops: this.totals.kernelDrops ?? null };
  }

  second(now: number): Second {
    if (this.readTotals) this.totals = this.readTotals();
    return this.closeSecond(now);
  }

  /** Every record heard, in order: counted exactly, kept by reference. Called on the command's hot path. */
  push(record: DatagramRecord): void {
    this.records += 1;
    this.bytes += record.payload.length;
    if (record.from !== this.lastFrom) {
      this.lastFrom = record.from;
      this.lastKey = `${record.from.address}|${record.from.port}`;
      this.lastPeer = formatEndpoint(record.from);
    }
    this.senders.add(this.lastKey, this.lastPeer, record.payload.length, record.time);
    const s = this.now;
    s.datagrams += 1;
    s.bytes += record.payload.length;
    if (this.lastTime >= 0) {
      const gap = record.time - this.lastTime;
      if (s.gapMin < 0 || gap < s.gapMin) s.gapMin = gap;
      if (gap > s.gapMax) s.gapMax = gap;
    }
    this.lastTime = record.time;
    this.ring.add('datagram', record);
  }

  /** A datagram the send box sent: `record.from` is where it went. */
  pushSent(record: DatagramRecord): void {
    this.sent += 1;
    this.ring.add('sent', record);
  }

  /** Closes the current second: its chart point and the senders table. */
  closeSecond(now: number): Second {
    const s = this.now;
    const { rows, others } = this.senders.table(now - s.started);
    this.now = { datagrams: 0, bytes: 0, gapMin: -1, gapMax: -1, started: now };
    const gapMin = s.gapMin < 0 ? null : s.gapMin;
    const gapMax = s.gapMax < 0 ? null : s.gapMax;
    return { time: now, datagrams: s.datagrams, bytes: s.bytes, gapMin, gapMax, senders: rows, others };
  }
}

/** A ring entry as the page shows it: payload escaped as the text format does, and dumped as the hex format does. */
export function toRow(id: number, entry: RingEntry): Row {
  const { record } = entry;
  const payload = record.payload;
  return {
    id,
    kind: entry.kind,
    time: record.time,
    protocol: 'udp',
    peer: formatEndpoint(record.from),
    port: record.local.port,
    size: payload.length,
    text: escapeBytes(payload.length > ROW_TEXT_BYTES ? payload.subarray(0, ROW_TEXT_BYTES) : payload),
    hex: hexDump(payload.length > ROW_HEX_BYTES ? payload.subarray(0, ROW_HEX_BYTES) : payload),
  };
}
