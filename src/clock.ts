/** A monotonic clock in milliseconds that does not load perf_hooks (which costs a one-shot command start-up time). */

/** Milliseconds from an arbitrary fixed point, monotonic, sub-microsecond resolution. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
