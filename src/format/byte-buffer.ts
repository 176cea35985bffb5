/** A growable byte buffer that formatters write records into directly, without intermediate strings. */

/** Bytes appended at the end; `take()` hands them over and starts again. */
export class ByteBuffer {
  private buf: Buffer;
  /** A DataView of `buf`, made with it: asking a typed array for its `buffer` on every call costs more than the escapes. */
  private view: DataView;
  /** Bytes written so far. */
  used = 0;

  constructor(size = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Makes room for `n` more bytes and returns the buffer to write them into at `used`. */
  reserve(n: number): Buffer {
    if (this.used + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
    }
    return this.buf;
  }

  /** A DataView of the buffer {@link reserve} returned last (one store writes an escape of up to four bytes). */
  dataView(): DataView {
    return this.view;
  }

  /** Appends a string of code points below 256 (ASCII, ISO dates, addresses). */
  latin1(text: string): void {
    this.used += this.reserve(text.length).write(text, this.used, 'latin1');
  }

  /** Appends a string as UTF-8. */
  utf8(text: string): void {
    this.used += this.reserve(text.length * 3).write(text, this.used, 'utf8');
  }

  /** Appends bytes. */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length).set(bytes, this.used);
    this.used += bytes.length;
  }

  /** What was written, as UTF-8 text, and an empty buffer again. */
  takeText(): string {
    const text = this.buf.toString('utf8', 0, this.used);
    this.used = 0;
    return text;
  }

  /** A copy of what was written, and an empty buffer again. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.used));
    this.used = 0;
    return out;
  }
}
