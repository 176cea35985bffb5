/** A monotonic clock in milliseconds that does not load perf_hooks (which costs a one-shot command start-up time). */

/** Milliseconds from an arbitrary fixed point, monotonic, sub-microsecond resolution. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves after `ms`, or at once when `signal` aborts (a Ctrl+C ends a paced run without waiting out its interval). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The wall clock and the monotonic clock read together once: the anchor of {@link preciseWallMs}. */
const anchorWall = Date.now();
const anchorMono = process.hrtime.bigint();

/**
 * Milliseconds since the epoch with microsecond resolution: the wall clock read once, advanced by the monotonic
 * clock. `Date.now()` has millisecond resolution only. A step of the system clock after start (NTP) is not
 * followed: the times stay evenly spaced, as the intervals between records are what matters.
 */
export function preciseWallMs(): number {
  return anchorWall + Number(process.hrtime.bigint() - anchorMono) / 1e6;
}
