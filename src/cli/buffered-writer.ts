/** A writer that gathers records and writes them in large blocks, so output keeps up with a fast sender. */
import type { Writable } from 'node:stream';
import { ByteBuffer } from '../format/byte-buffer.js';
import { writeRecord } from '../format/records.js';
import type { Format, TrafficRecord } from '../types.js';

/** Flush at once when this many bytes are waiting; otherwise at the end of the current event-loop turn. */
const HIGH_WATER = 64 * 1024;

/** Buffers records and bytes bound for one stream; `flush()` and `end()` make sure nothing is left behind. */
export class BufferedWriter {
  private readonly out = new ByteBuffer();
  private scheduled = false;
  private failure: Error | undefined;
  /** Resolves with the stream's first error (e.g. EPIPE when the reader went away); never rejects. */
  readonly failed: Promise<Error>;

  constructor(private readonly stream: Writable) {
    this.failed = new Promise((resolve) => {
      stream.on('error', (error: Error) => {
        this.failure ??= error;
        resolve(error);
      });
    });
  }

  /** The first error the stream reported (e.g. EPIPE when the reader went away), if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Queues one record rendered in `format`; it reaches the stream within this event-loop turn, or at once past 64 KiB. */
  record(record: TrafficRecord, format: Format): void {
    writeRecord(record, format, this.out);
    this.queued();
  }

  private queued(): void {
    if (this.out.used >= HIGH_WATER) this.flush();
    else if (!this.scheduled && this.out.used > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything queued to the stream now, as one block. */
  flush(): void {
    this.scheduled = false;
    if (this.out.used === 0) return;
    const block = this.out.take();
    if (!this.failure) this.stream.write(block);
  }

  /** Flushes and resolves once the stream has taken every byte (so exiting afterwards loses nothing). */
  async end(): Promise<void> {
    this.flush();
    if (this.failure) return;
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      // An empty write's callback runs after every earlier write has been handed to the system.
      if (!this.stream.write('', done)) this.stream.once('drain', done);
    });
  }
}
