/**
 * The web view's bounded memory of recent records: a ring by count and by bytes, oldest out first. Payloads are
 * copied into one preallocated arena and the rest into typed arrays, so that keeping 10,000 records costs the
 * listener's hot path a copy, not 10,000 objects for the garbage collector to carry (measured: holding the
 * records themselves cost a flooded listener a third of its throughput).
 */
import type { DatagramRecord, Endpoint } from '../types.js';

/** A record in the ring: a datagram heard, or one the send box sent (its `from` is where it went). */
export interface RingEntry {
  kind: 'datagram' | 'sent';
  record: DatagramRecord;
}

/** Default count bound of the ring. */
export const DEFAULT_RING = 10_000;
/** Payload bytes the ring holds at most (10,000 datagrams of 64 KiB would be 640 MB). */
export const RING_BYTES = 16 * 1024 * 1024;

/** Records numbered from 0 in arrival order; the newest `capacity` (and at most {@link RING_BYTES}) are kept. */
export class RecordRing {
  /** Number of the oldest entry held, and of the next to come. */
  first = 0;
  next = 0;
  private readonly arena: Buffer;
  private readonly start: Int32Array;
  private readonly length: Int32Array;
  private readonly time: Float64Array;
  private readonly sent: Uint8Array;
  private readonly from: (Endpoint | undefined)[];
  private readonly local: (Endpoint | undefined)[];
  /** Where the next payload goes in the arena. */
  private at = 0;

  constructor(
    readonly capacity: number = DEFAULT_RING,
    arenaBytes: number = RING_BYTES,
  ) {
    this.arena = Buffer.allocUnsafe(Math.max(arenaBytes, 65_536));
    this.start = new Int32Array(capacity);
    this.length = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.sent = new Uint8Array(capacity);
    this.from = new Array<Endpoint | undefined>(capacity);
    this.local = new Array<Endpoint | undefined>(capacity);
  }

  /** Adds a record (its payload copied, its endpoints kept by reference: a listener reuses them); returns its number. */
  add(kind: RingEntry['kind'], record: DatagramRecord): number {
    const size = Math.min(record.payload.length, this.arena.length);
    if (this.next - this.first >= this.capacity) this.first += 1;
    if (this.at + size > this.arena.length) this.at = 0;
    // Entries lie in the arena in arrival order: the oldest ones in the way of this payload leave.
    while (this.first < this.next) {
      const oldest = this.first % this.capacity;
      const begin = this.start[oldest] as number;
      if (!(begin < this.at + size && begin + (this.length[oldest] as number) > this.at)) break;
      this.first += 1;
    }
    const id = this.next++;
    const slot = id % this.capacity;
    this.arena.set(size === record.payload.length ? record.payload : record.payload.subarray(0, size), this.at);
    this.start[slot] = this.at;
    this.length[slot] = size;
    this.time[slot] = record.time;
    this.sent[slot] = kind === 'sent' ? 1 : 0;
    this.from[slot] = record.from;
    this.local[slot] = record.local;
    this.at += size;
    return id;
  }

  /**
   * The entry numbered `id`, or undefined when it has left the ring (or never was). Its payload is a view of the
   * arena, good until the next {@link add}: use it (or copy it) at once.
   */
  get(id: number): RingEntry | undefined {
    if (id < this.first || id >= this.next) return undefined;
    const slot = id % this.capacity;
    const begin = this.start[slot] as number;
    const payload = this.arena.subarray(begin, begin + (this.length[slot] as number));
    const record: DatagramRecord = { event: 'datagram', protocol: 'udp', time: this.time[slot] as number, from: this.from[slot] as Endpoint, local: this.local[slot] as Endpoint, payload };
    return { kind: this.sent[slot] === 1 ? 'sent' : 'datagram', record };
  }

  get size(): number {
    return this.next - this.first;
  }
}
