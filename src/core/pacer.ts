/**
 * Paces sends against the monotonic clock: send number i is due at start + i × interval, so the average rate is
 * exact however late a timer fires (a late wake-up sends what fell due at once, in a burst). Sleeping a fixed
 * interval between sends instead adds every timer's lateness to the schedule: `-i 10ms -c 500` took 573 ms, not 5 s,
 * and `-i 2` drifted 9%. Timers fire on a millisecond clock, so below 1 ms per send the datagrams leave in bursts of
 * about a millisecond's worth. @internal
 */
import { monotonicMs, sleep } from '../clock.js';

/**
 * The last this many milliseconds before the run's final send are waited out turn by turn (setImmediate) instead of
 * with a timer: a timer fires up to a millisecond late, and on a 5 ms run that late last send was 20% of the span
 * (`-c 500 --rate 100000` achieved 51,742-96,540/s). Bounded: at most this long of spinning per run.
 */
const FINAL_SPIN_MS = 1.5;

export class Pacer {
  private start = Number.NaN;
  /** When the last send that was due left (monotonic ms). */
  private last = Number.NaN;

  /**
   * @param intervalMs time between sends (0: no pacing, as fast as the socket takes them)
   * @param limitMs stop offering sends this long after the first (undefined: no limit)
   * @param count sends in the run, when known: the last one is timed to the microsecond, not the millisecond
   */
  constructor(
    readonly intervalMs: number,
    private readonly signal?: AbortSignal,
    private readonly limitMs?: number,
    private readonly count = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * The fast path of {@link due}, without a promise: true when send `index` is due now (or late) and inside the
   * run's time; undefined when the caller must `await due(index)`. At 100,000 sends a second, a promise per send
   * is what kept a sender from its rate.
   */
  dueNow(index: number): true | undefined {
    if (index === 0 || Number.isNaN(this.start) || this.signal?.aborted === true) return undefined;
    const now = monotonicMs();
    const dueAt = this.start + index * this.intervalMs;
    if (dueAt > now) return undefined;
    if (this.limitMs !== undefined && (dueAt >= this.start + this.limitMs || now >= this.start + this.limitMs)) return undefined;
    this.last = now;
    return true;
  }

  /**
   * Waits until send number `index` (from 0) is due; the first starts the clock. Resolves false when the run's
   * time limit or the signal ended it before then.
   */
  async due(index: number): Promise<boolean> {
    const now = monotonicMs();
    if (index === 0 || Number.isNaN(this.start)) {
      this.start = now;
      this.last = now;
      return this.signal?.aborted !== true;
    }
    const dueAt = this.start + index * this.intervalMs;
    const endAt = this.limitMs === undefined ? Number.POSITIVE_INFINITY : this.start + this.limitMs;
    if (dueAt >= endAt) {
      // Wait out the run's time (a --duration run lasts its duration), then stop.
      await this.until(endAt);
      return false;
    }
    await this.until(dueAt);
    const at = monotonicMs();
    // Unpaced (interval 0) with a time limit: the clock alone ends the run.
    if (at >= endAt) return false;
    this.last = at;
    return this.signal?.aborted !== true;
  }

  /**
   * Sleeps until the monotonic clock reads `at`. Timers run on the event loop's millisecond clock and can fire a
   * fraction of a millisecond before `at` by this one: sleep again for what is left. Bounded in turns.
   */
  private async until(at: number): Promise<void> {
    const finalAt = Number.isFinite(this.count) ? this.start + (this.count - 1) * this.intervalMs : Number.POSITIVE_INFINITY;
    for (let turn = 0; turn < 100_000 && this.signal?.aborted !== true; turn++) {
      const wait = at - monotonicMs();
      if (wait <= 0) return;
      if (at >= finalAt - FINAL_SPIN_MS && wait <= FINAL_SPIN_MS) await new Promise<void>((resolve) => setImmediate(resolve));
      else await sleep(wait, this.signal);
    }
  }

  /**
   * Starts the schedule again from now, once the first send has been handed over: its cost (a millisecond or more
   * the first time a process sends) is then not paid for by a burst of the sends after it.
   */
  restart(): void {
    this.start = monotonicMs();
    this.last = this.start;
  }

  /** Monotonic milliseconds from the first send to the last one offered (0 before two sends). */
  get spanMs(): number {
    const span = this.last - this.start;
    return span > 0 ? span : 0;
  }

  /** Sends per second achieved from the first send to the last one offered: (n − 1) / elapsed; undefined below 2. */
  achievedRate(sends: number): number | undefined {
    const elapsed = this.last - this.start;
    return sends < 2 || !(elapsed > 0) ? undefined : ((sends - 1) * 1000) / elapsed;
  }
}
