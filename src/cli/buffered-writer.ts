/**
 * A writer that gathers records and writes them in large blocks, so output keeps up with a fast sender, and
 * whose queue is bounded: a reader that stops reading never makes it hold more than {@link MAX_QUEUED} bytes.
 */
import { fstatSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ByteBuffer } from '../format/byte-buffer.js';
import { writeRecord, type RecordStyle } from '../format/records.js';
import type { Format, TrafficRecord } from '../types.js';
import { drain, fail, failureOf, guard, put } from './output.js';

/** Flush at once when this many bytes are waiting; otherwise {@link FLUSH_MS} after the first record waiting. */
const HIGH_WATER = 64 * 1024;

/**
 * How long a record may wait for others to share its write. A write per event-loop turn (32 datagrams at most, as
 * libuv reads them) pays a system call and the file system's per-write work every few kilobytes; a few
 * milliseconds gather up to {@link HIGH_WATER}, and nobody watching a terminal sees the delay.
 * Measured with bench/hot-path.mjs: 10–15% less of the listener's own CPU time per datagram than a write per turn.
 */
const FLUSH_MS = 5;

/** Bytes the stream may hold unwritten; past this the output is blocked (the reader is not keeping up). */
export const MAX_QUEUED = 8 * 1024 * 1024;

/** What to do while the reader is behind: drop records (and count them), or tell the source to stop reading. */
export type BlockedPolicy = { drop: true } | { drop: false; onBlocked: (blocked: boolean) => void };

/** Buffers records bound for one stream; `end()` makes sure nothing is left behind that the reader could take. */
export class BufferedWriter {
  private readonly out = new ByteBuffer();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushNow = (): void => this.flush();
  private pendingRecords = 0;
  private blocked = false;
  /** Records dropped because the reader was behind (policy `drop`). */
  droppedRecords = 0;
  /** Bytes still unwritten when {@link end} gave up on a reader that stopped reading. */
  abandonedBytes = 0;
  /** Resolves with the stream's first error (e.g. EPIPE when the reader went away); never rejects. */
  readonly failed: Promise<Error>;
  private reportFailure!: (error: Error) => void;
  /**
   * The descriptor when the stream is a regular file: blocks go to it with one writeSync each, straight from the
   * buffer the records were rendered into, which is then reused (a file takes every byte at once; nothing to queue).
   */
  private readonly file: number | undefined;

  constructor(
    private readonly stream: Writable,
    private readonly policy: BlockedPolicy = { drop: true },
  ) {
    guard(stream);
    this.failed = new Promise((resolve) => {
      this.reportFailure = resolve;
      const existing = failureOf(stream);
      if (existing) resolve(existing);
      else stream.once('error', (error: Error) => resolve(failureOf(stream) ?? error));
    });
    this.file = regularFileOf(stream);
  }

  /** The first error the stream reported (e.g. EPIPE when the reader went away), if any. */
  get error(): Error | undefined {
    return failureOf(this.stream);
  }

  /** Queues one record rendered in `format`; it reaches the stream within {@link FLUSH_MS}, or at once past 64 KiB. */
  record(record: TrafficRecord, format: Format, style?: RecordStyle): void {
    if (this.blocked && this.policy.drop) {
      this.droppedRecords += 1;
      return;
    }
    writeRecord(record, format, this.out, style);
    this.pendingRecords += 1;
    if (this.out.used >= HIGH_WATER) this.flush();
    else if (this.timer === undefined && this.out.used > 0) this.timer = setTimeout(this.flushNow, FLUSH_MS);
  }

  private setBlocked(blocked: boolean): void {
    if (this.blocked === blocked) return;
    this.blocked = blocked;
    if (!this.policy.drop) this.policy.onBlocked(blocked);
    if (blocked) this.stream.once('drain', () => this.setBlocked(false));
  }

  /** Writes everything queued to the stream now, as one block (or drops it, counted, while the reader is behind). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.out.used === 0) return;
    if (this.file !== undefined) {
      this.writeFile(this.file);
      return;
    }
    const block = this.out.take();
    const records = this.pendingRecords;
    this.pendingRecords = 0;
    if (this.error) return;
    if (this.policy.drop && this.stream.writableLength >= MAX_QUEUED) {
      this.droppedRecords += records;
      this.setBlocked(true);
      return;
    }
    put(this.stream, block);
    if (this.stream.writableLength >= MAX_QUEUED) this.setBlocked(true);
  }

  private writeFile(fd: number): void {
    const block = this.out.reserve(0);
    const end = this.out.used;
    this.out.used = 0;
    this.pendingRecords = 0;
    if (this.error) return;
    try {
      for (let at = 0; at < end; ) at += writeSync(fd, block, at, end - at);
    } catch (error) {
      // ENOSPC, EIO, EFBIG: the run ends with exit 74, as for a stream that reported it.
      fail(this.stream, error as Error);
      this.reportFailure(error as Error);
    }
  }

  /** Flushes and resolves once the stream has taken every byte, or stopped making progress for a second. */
  async end(): Promise<void> {
    this.flush();
    this.abandonedBytes = await drain(this.stream);
  }
}

/** The descriptor behind `stream` when it is a regular file (stdout redirected with `>`), else undefined. */
function regularFileOf(stream: Writable): number | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    return fstatSync(fd).isFile() ? fd : undefined;
  } catch {
    return undefined;
  }
}
