/**
 * One direction of the relay: its impairments as a pipeline of toxics, its counters, and the hand-off of each
 * datagram to the delay line (or straight to the socket when nothing impairs it).
 */
import { monotonicMs } from '../clock.js';
import type { DelayLine } from './delay-line.js';
import { isClear, type Direction, type DropCause, type Impairments } from './impairments.js';
import { Random } from './random.js';
import { DirectionStats } from './stats.js';
import { pipeline, type Pipeline, type Transit } from './toxics.js';

/** What became of one datagram. */
export interface Fate {
  /** Set when it was dropped. */
  cause: DropCause | undefined;
  /** The delay applied, ms (0 when sent at once or dropped). */
  delayMs: number;
  duplicated: boolean;
  corrupted: boolean;
}

/** The fate of a datagram that was not looked at by any toxic. */
const CLEAR: Fate = Object.freeze({ cause: undefined, delayMs: 0, duplicated: false, corrupted: false });

/** Sends a payload on; false when it could not (dropped and counted by the sender), so it is not counted as sent. */
export type Send = (payload: Buffer) => boolean | void;

/** Seeds of the two directions: one seed given, two streams that do not move in step. */
function laneSeed(seed: number, direction: Direction): number {
  return direction === 'up' ? seed >>> 0 : (seed ^ 0x5bd1_e995) >>> 0;
}

export class Lane {
  readonly stats = new DirectionStats();
  private random: Random;
  private pipe: Pipeline;
  private clear: boolean;
  private imp: Impairments;
  private seq = 0;
  private lastDue = 0;

  constructor(
    readonly direction: Direction,
    impairments: Impairments,
    private readonly seed: number,
    private readonly line: DelayLine,
  ) {
    this.random = new Random(laneSeed(seed, direction));
    this.imp = impairments;
    this.pipe = pipeline(impairments, this.random, monotonicMs());
    this.clear = isClear(impairments);
    this.stats.lossAsked = impairments.loss ?? 0;
  }

  /** The impairments in force. */
  get impairments(): Impairments {
    return this.imp;
  }

  /** Replaces the impairments (the generator goes on where it was: a run stays reproducible for the same changes). */
  set(impairments: Impairments): void {
    this.imp = impairments;
    this.pipe = pipeline(impairments, this.random, monotonicMs());
    this.clear = isClear(impairments);
    this.stats.lossAsked = impairments.loss ?? 0;
  }

  /** Clears the counters and starts the generator again from the seed. */
  reset(): void {
    this.stats.reset();
    this.random = new Random(laneSeed(this.seed, this.direction));
    this.set(this.imp);
  }

  /** A datagram refused before the pipeline (no session for it). */
  refuse(cause: DropCause): Fate {
    this.stats.received += 1;
    this.stats.dropped[cause] += 1;
    return { ...CLEAR, cause };
  }

  /** Passes a datagram through the impairments; `send` is called now or when its delay is over (once per copy). */
  pass(payload: Buffer, send: Send): Fate {
    const stats = this.stats;
    stats.received += 1;
    const seq = this.seq++;
    if (this.clear) {
      if (send(payload) !== false) stats.sent(seq, payload.length);
      return CLEAR;
    }
    const now = monotonicMs();
    const t: Transit = { payload, delayMs: 0, copies: 1, corrupted: false, held: false };
    let cause: DropCause | undefined;
    for (const toxic of this.pipe.toxics) {
      if (toxic === this.pipe.loss) stats.lossTrials += 1;
      cause = toxic.apply(t, now);
      if (cause !== undefined) break;
    }
    if (cause !== undefined) {
      stats.dropped[cause] += 1;
      return { ...CLEAR, cause };
    }
    let due = now + t.delayMs;
    if (this.pipe.keepOrder && due < this.lastDue) due = this.lastDue;
    this.lastDue = Math.max(this.lastDue, due);
    const delayMs = due - now;
    if (t.corrupted) stats.corrupted += 1;
    if (t.copies > 1) stats.duplicated += 1;
    stats.delayed(delayMs);
    // A held datagram is copied into Node's shared pool (small buffers packed 128 to 8 KiB): the buffer dgram
    // handed over is cut from a 64 KiB receive allocation whose pages it keeps resident while it waits (5.5 KB of
    // RSS per datagram held: 10,000 held for 200 ms at 50,000/s were 55 MB).
    const out = delayMs > 0 ? Buffer.from(t.payload) : t.payload;
    const go = (): void => {
      if (send(out) !== false) stats.sent(seq, out.length);
    };
    for (let copy = 0; copy < t.copies; copy++) {
      if (delayMs <= 0) go();
      else if (!this.line.add(due, go)) {
        stats.dropped.queue += 1;
        return { cause: 'queue', delayMs: 0, duplicated: false, corrupted: t.corrupted };
      }
    }
    return { cause: undefined, delayMs, duplicated: t.copies > 1, corrupted: t.corrupted };
  }
}
