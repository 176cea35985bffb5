/**
 * One direction of a relayed TCP connection: chunks from one socket written to the other after their delay (order
 * kept: a chunk waits for the slowest before it, as head-of-line blocking does), at the link's rate, cut into
 * slices. Bounded: past a high-water mark of bytes held, or while the far side's write() says wait, the source is
 * paused, so a slow side slows the other and memory stays bounded.
 */
import type { Socket } from 'node:net';
import { monotonicMs } from '../clock.js';
import type { DelayLine } from './delay-line.js';
import type { Impairments } from './impairments.js';
import type { Random } from './random.js';
import type { DirectionStats } from './stats.js';

/** Bytes held in the delay line per direction of a connection before its source is paused. */
export const STREAM_HIGH_WATER = 1024 * 1024;

/** A chunk's fate as a record shows it. */
export interface ChunkFate {
  size: number;
  delayMs: number;
}

export class StreamLane {
  private held = 0;
  private lastDue = 0;
  private freeAt = 0;
  private blocked = false;
  private ended = false;
  /** Set by blackhole: nothing more is written, the source is paused for good. */
  private dark = false;
  private seq = 0;
  /** Bytes read from the source so far. */
  bytes = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private imp: () => Impairments,
    private readonly random: Random,
    private readonly line: DelayLine,
    private readonly stats: DirectionStats,
    private readonly slice: number | undefined,
  ) {
    to.on('drain', () => {
      this.blocked = false;
      this.flow();
    });
  }

  /** Pauses or resumes the source as the bytes held and the far side's buffer say. */
  private flow(): void {
    if (this.dark || this.held > STREAM_HIGH_WATER || this.blocked) this.from.pause();
    else this.from.resume();
  }

  /** When a chunk of `size` bytes read now may be written: after its delay, after the one before, after the link has carried it. */
  private due(size: number, now: number): number {
    const imp = this.imp();
    let delay = imp.delayMs ?? 0;
    if ((imp.jitterMs ?? 0) > 0) delay += (imp.jitterMs as number) * this.random.normal();
    let due = now + Math.max(0, delay);
    if (imp.rate !== undefined) {
      this.freeAt = Math.max(now, this.freeAt) + (size * 1000) / imp.rate;
      due = Math.max(due, this.freeAt);
    }
    due = Math.max(due, this.lastDue);
    this.lastDue = due;
    return due;
  }

  /** A chunk read from the source. */
  chunk(data: Buffer): ChunkFate {
    this.stats.received += 1;
    this.bytes += data.length;
    if (this.dark) return { size: data.length, delayMs: 0 };
    const now = monotonicMs();
    const step = this.slice ?? data.length;
    let last = now;
    for (let at = 0; at < data.length; at += step) {
      const piece = data.subarray(at, Math.min(data.length, at + step));
      last = this.due(piece.length, now);
      this.hold(last, piece);
    }
    this.stats.delayed(last - now);
    this.flow();
    return { size: data.length, delayMs: last - now };
  }

  private hold(due: number, piece: Buffer): void {
    const seq = this.seq++;
    this.held += piece.length;
    const write = (): void => {
      this.held -= piece.length;
      if (this.dark || this.to.destroyed) return;
      if (!this.to.write(piece)) this.blocked = true;
      this.stats.sent(seq, piece.length);
      this.flow();
    };
    if (due <= monotonicMs() && this.held === piece.length) write();
    // The line is bounded; a connection that overfills it is held back by its pause, never dropped: wait a turn.
    else if (!this.line.add(due, write)) setTimeout(() => this.hold(due, piece), 1).unref();
  }

  /** The source ended (FIN): the far side gets its FIN after the last byte held. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const finish = (): void => {
      if (!this.dark && !this.to.destroyed) this.to.end();
    };
    const due = Math.max(monotonicMs(), this.lastDue);
    if (this.held === 0) finish();
    else if (!this.line.add(due, finish)) finish();
  }

  /** Stops forwarding for good; the connection stays open. */
  blackhole(): void {
    this.dark = true;
    this.flow();
  }
}
