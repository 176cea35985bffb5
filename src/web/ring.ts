/** The web view's bounded memory of recent records: a ring by count and by payload bytes, oldest out first. */
import type { DatagramRecord } from '../types.js';

/** A record in the ring: a datagram heard, or one the send box sent. */
export interface RingEntry {
  kind: 'datagram' | 'sent';
  record: DatagramRecord;
}

/** Default count bound of the ring. */
export const DEFAULT_RING = 10_000;
/** Payload bytes the ring holds at most (10,000 datagrams of 64 KiB would be 640 MB). */
export const RING_BYTES = 32 * 1024 * 1024;

/** Records numbered from 0 in arrival order; the newest `capacity` (and at most {@link RING_BYTES}) are kept. */
export class RecordRing {
  private readonly slots: (RingEntry | undefined)[];
  /** Number of the oldest entry held, and of the next to come. */
  first = 0;
  next = 0;
  private bytes = 0;

  constructor(readonly capacity: number = DEFAULT_RING) {
    this.slots = new Array<RingEntry | undefined>(capacity);
  }

  /** Adds an entry (by reference: the payload is not copied); returns its number. */
  add(entry: RingEntry): number {
    const id = this.next++;
    if (id - this.first >= this.capacity) this.evict();
    this.slots[id % this.capacity] = entry;
    this.bytes += entry.record.payload.length;
    while (this.bytes > RING_BYTES && this.first < id) this.evict();
    return id;
  }

  private evict(): void {
    const index = this.first % this.capacity;
    this.bytes -= this.slots[index]?.record.payload.length ?? 0;
    this.slots[index] = undefined;
    this.first += 1;
  }

  /** The entry numbered `id`, or undefined when it has left the ring (or never was). */
  get(id: number): RingEntry | undefined {
    return id >= this.first && id < this.next ? this.slots[id % this.capacity] : undefined;
  }

  get size(): number {
    return this.next - this.first;
  }

  /** Empties the ring (numbers go on from where they were). */
  clear(): void {
    this.slots.fill(undefined);
    this.first = this.next;
    this.bytes = 0;
  }
}
