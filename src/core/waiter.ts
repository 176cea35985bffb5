/**
 * Waiting on sockets without polling them: a wake-up that socket callbacks pull, and the three waits the senders
 * and listeners need (until a condition holds, until a deadline, until the sockets are quiet), each bounded in
 * time and in turns. @internal
 */

/** The longest a graceful shutdown reads what is queued: under a flood that never stops, it ends anyway. */
export const DRAIN_MAX_MS = 300;

/** How a wait ended: the condition held, the time ran out, the signal fired, or the turn bound was reached. */
export type WaitEnd = 'done' | 'timeout' | 'aborted' | 'turns';

/** Turns a wait may take when none is given: far more wake-ups than any run makes, still an end. */
const MAX_TURNS = 1_000_000;

/**
 * One waiting party and the events that wake it. A callback (a send completed, a reply came, the socket failed)
 * calls {@link Waiter.wake}; the waiter then checks its condition again. An aborted signal wakes it too.
 */
export class Waiter {
  private resume: (() => void) | undefined;
  private readonly onAbort = (): void => this.wake();

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', this.onAbort);
  }

  /** Wakes the party waiting, if any: it checks its condition again. Safe to call at any time. */
  readonly wake = (): void => {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  };

  /** Resolves at the next {@link wake}. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => (this.resume = resolve));
  }

  /**
   * Waits until `done()` holds (checked now and after every wake-up), `ms` have passed (undefined: no deadline),
   * or the signal aborts (unless `ignoreAbort`: a wait for what is already under way, such as sends completing).
   */
  async until(done: () => boolean, ms?: number, options: { maxTurns?: number; ignoreAbort?: boolean } = {}): Promise<WaitEnd> {
    const { maxTurns = MAX_TURNS, ignoreAbort = false } = options;
    if (done()) return 'done';
    // Timers run on the loop's millisecond clock: a flag, not a clock comparison, says the time is up.
    let timedOut = false;
    const timer =
      ms === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            this.wake();
          }, ms);
    try {
      for (let turn = 0; turn < maxTurns; turn++) {
        if (done()) return 'done';
        if (timedOut) return 'timeout';
        if (!ignoreAbort && this.signal?.aborted === true) return 'aborted';
        await this.next();
      }
      return 'turns';
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops listening to the signal. */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wake();
  }
}

/**
 * Resolves after two event-loop turns in a row in which `arrivals()` did not change: each turn polls the
 * sockets once, so by then everything the kernel had queued has been read. Bounded to `maxMs` (2 s by default).
 */
export async function untilQuiet(arrivals: () => number, maxMs = 2000): Promise<void> {
  let idleTurns = 0;
  const deadline = Date.now() + maxMs;
  for (let turn = 0; turn < 100_000 && idleTurns < 2 && Date.now() < deadline; turn++) {
    const before = arrivals();
    await new Promise((resolve) => setImmediate(resolve));
    idleTurns = arrivals() === before ? idleTurns + 1 : 0;
  }
}
