/**
 * The delay line: datagrams held until their time, in one heap ordered by due time, driven by the monotonic clock
 * with one timer for the head of the queue (never a timer per datagram). Node's timers have millisecond grain, so
 * the timer wakes the line just before the head is due and the last fraction of a millisecond is waited out turn
 * by turn (setImmediate). A turn that finds nothing due sleeps (Atomics.wait: a futex with a timeout of microsecond
 * grain) for a short slice first instead of spinning: a spinning relay takes a whole core, and on a small machine
 * that is the core its client and server need (their own delays grow by milliseconds). A datagram that arrives
 * during a slice waits at most the slice's length before it is read.
 */
import { monotonicMs } from '../clock.js';

/** Something to do at a time: send a datagram. */
export interface Due {
  at: number;
  /** Tie-break: entries due at once leave in the order they came. */
  seq: number;
  run: () => void;
}

/** The most entries held by default: 2^20, about 200 ms of 5 million datagrams a second. */
export const MAX_HELD = 1 << 20;

/** Closer than this to its time, an entry is run now. */
const EARLY_MS = 0.02;
/** Closer than this, the line is driven turn by turn instead of by a timer. */
const SPIN_MS = 1.5;
/** A turn with nothing due sleeps at most this long... */
const NAP_MS = 0.05;
/**
 * ...and not at all this close to the head's time: a sleep ends 50-60 µs after its timeout (the kernel's timer slack),
 * so the last of the wait is polled. With this margin the median entry runs on time (measured: 4-7 µs early).
 */
const POLL_MS = 0.08;
/** What the slices sleep on: nothing ever wakes it, the timeout ends each slice. */
const NAP = new Int32Array(new SharedArrayBuffer(4));

export class DelayLine {
  private readonly heap: Due[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  /** Entries refused because the line was full. */
  overflow = 0;

  constructor(private readonly max = MAX_HELD) {}

  /** How many entries are waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` at monotonic time `at`; false (and counted) when the line is full or closed. */
  add(at: number, run: () => void): boolean {
    if (this.closed || this.heap.length >= this.max) {
      this.overflow += 1;
      return false;
    }
    const entry: Due = { at, seq: this.seq++, run };
    this.push(entry);
    if (this.heap[0] === entry) this.arm();
    return true;
  }

  /** Drops everything waiting and stops the timer; nothing is run afterwards. Returns how many were dropped. */
  close(): number {
    this.closed = true;
    const dropped = this.heap.length;
    this.heap.length = 0;
    this.disarm();
    return dropped;
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Sets the one wake-up for the head of the queue. */
  private arm(inTurn = false): void {
    this.disarm();
    const head = this.heap[0];
    if (head === undefined || this.closed) return;
    const wait = head.at - monotonicMs();
    if (wait > SPIN_MS) this.timer = setTimeout(() => this.tick(), Math.floor(wait - SPIN_MS + 0.5));
    else {
      // Only a turn of the line's own sleeps, never a caller's add().
      if (inTurn && wait > POLL_MS + EARLY_MS) Atomics.wait(NAP, 0, 0, Math.min(wait - POLL_MS, NAP_MS));
      this.immediate = setImmediate(() => this.tick());
    }
  }

  /** Runs every entry that is due, then sets the next wake-up. */
  private tick(): void {
    this.timer = undefined;
    this.immediate = undefined;
    const now = monotonicMs() + EARLY_MS;
    for (let head = this.heap[0]; head !== undefined && head.at <= now && !this.closed; head = this.heap[0]) {
      this.pop();
      head.run();
    }
    this.arm(true);
  }

  private before(a: Due, b: Due): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Due): void {
    const heap = this.heap;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Due;
      if (!this.before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Due | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && this.before(heap[r] as Due, heap[l] as Due) ? r : l;
      if (!this.before(heap[child] as Due, last)) break;
      heap[i] = heap[child] as Due;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
