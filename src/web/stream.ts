/**
 * Server-Sent Events to one page: rows sampled from the ring (at most {@link ROWS_PER_SECOND}, the newest first
 * when there are more, the rest counted as skipped), the exact counters, and once a second the senders table.
 */
import type { ServerResponse } from 'node:http';
import type { Counters, Hello, Row } from './protocol.js';
import type { WebSource } from './source.js';

/** Rows a page is sent per second at most (also the burst: a quiet page gets up to this many at once). */
export const ROWS_PER_SECOND = 300;
/** How often rows are sent, in ms: batches of up to 30 rows. */
export const TICK_MS = 100;
/** Bytes a slow page may have waiting in the socket before its rows are skipped instead of queued. */
const MAX_BUFFERED = 1024 * 1024;

/** One page's event stream. */
export class EventStream {
  private cursor: number;
  private tokens = ROWS_PER_SECOND;
  /** Records this page was not sent. */
  skipped = 0;
  private lastCounters = '';

  constructor(
    private readonly res: ServerResponse,
    private readonly source: WebSource,
    hello: Hello,
  ) {
    // A page that opens (or comes back) sees the most recent records first (two thirds of a burst, so that what
    // arrives before its first batch fits in the rest).
    this.cursor = Math.max(source.first, source.next - (ROWS_PER_SECOND * 2) / 3);
    res.write(`retry: 2000\n\n`);
    this.event('hello', hello);
  }

  /** Writes one event; false when the page is not keeping up. */
  event(name: string, data: unknown): boolean {
    if (this.res.writableLength > MAX_BUFFERED) return false;
    return this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends what came since the last tick: the newest rows the budget allows, and the counters. */
  tick(): void {
    this.tokens = Math.min(ROWS_PER_SECOND, this.tokens + (ROWS_PER_SECOND * TICK_MS) / 1000);
    const { first, next, capacity } = this.source;
    const slow = this.res.writableLength > MAX_BUFFERED;
    const take = slow ? 0 : Math.min(Math.floor(this.tokens), next - Math.max(this.cursor, first));
    const start = next - take;
    this.skipped += start - this.cursor;
    const rows: Row[] = [];
    for (let id = start; id < next; id++) {
      const row = this.source.row(id);
      if (row) rows.push(row);
    }
    this.cursor = next;
    this.tokens -= take;
    const counters: Counters = { ...this.source.counters(), skipped: this.skipped, ring: next - first, ringMax: capacity };
    // A quiet spell sends nothing: only new rows or changed counters make an event.
    const said = JSON.stringify(counters);
    if (rows.length === 0 && said === this.lastCounters) return;
    this.lastCounters = said;
    this.event('rows', { rows, counters });
  }

  /** Ends the stream (the command is closing). */
  end(): void {
    this.event('end', {});
    this.res.end();
  }
}
