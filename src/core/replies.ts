/** Replies a sender keeps: handed on as they arrive, held up to a byte bound, and the excess counted, not held. */
import type { ReplyOverflow } from '../types.js';

/** The reply bytes kept when no bound is given: 1 MiB. */
export const DEFAULT_MAX_REPLY = 1024 * 1024;


/** Keeps replies up to `maxBytes` of payload in all; calls `onReply` for each one kept, as it arrives. @internal */
export class ReplyBox<R extends { payload: Buffer }> {
  readonly kept: R[] = [];
  keptBytes = 0;
  readonly overflow: ReplyOverflow = { records: 0, bytes: 0 };

  constructor(
    private readonly maxBytes: number,
    private readonly onReply?: ((record: R) => void) | undefined,
  ) {}

  /** Room left for reply bytes before the bound. */
  get room(): number {
    return Math.max(0, this.maxBytes - this.keptBytes);
  }

  /** Counts bytes that arrived over the bound without making a record of them. */
  drop(bytes: number, records = 1): void {
    this.overflow.records += records;
    this.overflow.bytes += bytes;
  }

  /** Keeps `record` (and hands it on) when it fits; otherwise counts it. Returns whether it was kept. */
  offer(record: R): boolean {
    const size = record.payload.length;
    if (this.keptBytes + size > this.maxBytes) {
      this.drop(size);
      return false;
    }
    this.kept.push(record);
    this.keptBytes += size;
    this.onReply?.(record);
    return true;
  }
}
