/** Rebuilding messages from a TCP byte stream: none (raw chunks), line (`\n`), length (4-byte big-endian prefix). */
import { UdpkitError } from '../errors.js';

/** How messages are delimited on a stream. */
export const FRAMINGS = ['none', 'line', 'length'] as const;
/** One of {@link FRAMINGS}. */
export type Framing = (typeof FRAMINGS)[number];

/** The default largest frame: 1 MiB. */
export const DEFAULT_MAX_FRAME = 1024 * 1024;

/** Thrown by {@link Deframer.push} when a frame would exceed the limit; the connection should be closed. */
export class FrameTooLargeError extends UdpkitError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('E_DATA', `frame of ${size} bytes or more exceeds --max-frame ${limit}`);
  }
}

/**
 * Splits a stream into frames. With `none`, every chunk is its own frame. Memory is bounded by `maxFrame`:
 * a frame that would grow past it throws {@link FrameTooLargeError} instead of being buffered.
 */
export class Deframer {
  private pending: Buffer[] = [];
  private pendingSize = 0;
  /** With `length`: the size of the frame being read, once its 4-byte prefix has arrived. */
  private expected: number | undefined;

  constructor(
    readonly mode: Framing,
    readonly maxFrame: number = DEFAULT_MAX_FRAME,
  ) {}

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.mode === 'none') return chunk.length > 0 ? [chunk] : [];
    return this.mode === 'line' ? this.pushLine(chunk) : this.pushLength(chunk);
  }

  /** At end of stream: the bytes of the unfinished frame so far (for `length`, after its prefix), or undefined when none. */
  end(): Buffer | undefined {
    if (this.pendingSize === 0) return undefined;
    const rest = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingSize = 0;
    this.expected = undefined;
    return rest;
  }

  private take(): Buffer {
    const whole = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingSize = 0;
    return whole;
  }

  private hold(part: Buffer): void {
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingSize += part.length;
  }

  private pushLine(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (this.pendingSize + (nl - start) > this.maxFrame) throw new FrameTooLargeError(this.pendingSize + nl - start, this.maxFrame);
      this.hold(chunk.subarray(start, nl));
      frames.push(this.take());
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (this.pendingSize + rest > this.maxFrame) throw new FrameTooLargeError(this.pendingSize + rest, this.maxFrame);
    this.hold(chunk.subarray(start));
    return frames;
  }

  private pushLength(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let data = chunk;
    for (let guard = 0; data.length > 0 && guard <= chunk.length; guard++) {
      if (this.expected === undefined) {
        const need = 4 - this.pendingSize;
        this.hold(data.subarray(0, need));
        data = data.subarray(need);
        if (this.pendingSize < 4) break;
        const size = this.take().readUInt32BE(0);
        if (size > this.maxFrame) throw new FrameTooLargeError(size, this.maxFrame);
        this.expected = size;
        if (size === 0) {
          frames.push(Buffer.alloc(0));
          this.expected = undefined;
        }
        continue;
      }
      const need = this.expected - this.pendingSize;
      this.hold(data.subarray(0, need));
      data = data.subarray(need);
      if (this.pendingSize === this.expected) {
        frames.push(this.take());
        this.expected = undefined;
      }
    }
    return frames;
  }
}

/** Adds the delimiter or prefix of `mode` to one message. */
export function encodeFrame(payload: Buffer, mode: Framing): Buffer {
  if (mode === 'line') return Buffer.concat([payload, Buffer.of(0x0a)]);
  if (mode === 'length') {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(payload.length, 0);
    return Buffer.concat([prefix, payload]);
  }
  return payload;
}
