/**
 * Per-sender counters for the senders table: datagrams, bytes, gaps between datagrams. Bounded: the first
 * {@link MAX_TRACKED} senders are tracked, later ones only counted together; the table shows the busiest.
 */
import type { SenderRow } from './protocol.js';

/** Senders tracked one by one. */
export const MAX_TRACKED = 4096;
/** Senders shown in the table (the busiest). */
export const TABLE_ROWS = 1000;

interface Sender {
  peer: string;
  datagrams: number;
  bytes: number;
  last: number;
  gapSum: number;
  gapMax: number;
  /** Over the current second: datagrams, smallest and largest gap (-1: none yet). */
  second: number;
  gapMinNow: number;
  gapMaxNow: number;
  rate: number;
}

/** Counts datagrams per sender (keyed by `ADDRESS|PORT`), in fixed memory. */
export class SenderStats {
  private readonly byKey = new Map<string, Sender>();
  /** Datagrams from senders beyond {@link MAX_TRACKED}. */
  untracked = 0;
  private untrackedKeys = 0;
  private lastKey = '';
  private lastSender: Sender | undefined;

  /** Counts one datagram from `peer` (key `address|port`) at `time` ms. */
  add(key: string, peer: string, size: number, time: number): void {
    let s = key === this.lastKey ? this.lastSender : this.byKey.get(key);
    if (s === undefined) {
      if (this.byKey.size >= MAX_TRACKED) {
        this.untracked += 1;
        if (key !== this.lastKey) this.untrackedKeys += 1;
        this.lastKey = key;
        this.lastSender = undefined;
        return;
      }
      s = { peer, datagrams: 0, bytes: 0, last: time, gapSum: 0, gapMax: 0, second: 0, gapMinNow: -1, gapMaxNow: -1, rate: 0 };
      this.byKey.set(key, s);
    }
    this.lastKey = key;
    this.lastSender = s;
    if (s.datagrams > 0) {
      const gap = time - s.last;
      s.gapSum += gap;
      if (gap > s.gapMax) s.gapMax = gap;
      if (s.gapMinNow < 0 || gap < s.gapMinNow) s.gapMinNow = gap;
      if (gap > s.gapMaxNow) s.gapMaxNow = gap;
    }
    s.datagrams += 1;
    s.bytes += size;
    s.second += 1;
    s.last = time;
  }

  /** Whether `key` is a sender heard (and tracked): the send box answers those only. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Closes a second of `ms` milliseconds: the busiest {@link TABLE_ROWS} as rows, the rest counted. */
  table(ms: number): { rows: SenderRow[]; others: { senders: number; datagrams: number } } {
    const all = [...this.byKey.values()];
    for (const s of all) {
      s.rate = (s.second * 1000) / Math.max(ms, 1);
    }
    all.sort((a, b) => b.datagrams - a.datagrams);
    const shown = all.slice(0, TABLE_ROWS);
    const rows = shown.map((s): SenderRow => ({
      peer: s.peer,
      datagrams: s.datagrams,
      bytes: s.bytes,
      rate: Math.round(s.rate * 10) / 10,
      last: s.last,
      gapMean: s.datagrams > 1 ? s.gapSum / (s.datagrams - 1) : null,
      gapMax: s.datagrams > 1 ? s.gapMax : null,
      gapMinNow: s.gapMinNow < 0 ? null : s.gapMinNow,
      gapMaxNow: s.gapMaxNow < 0 ? null : s.gapMaxNow,
    }));
    for (const s of all) {
      s.second = 0;
      s.gapMinNow = -1;
      s.gapMaxNow = -1;
    }
    const rest = all.slice(TABLE_ROWS);
    return {
      rows,
      others: { senders: rest.length + this.untrackedKeys, datagrams: rest.reduce((n, s) => n + s.datagrams, 0) + this.untracked },
    };
  }
}
