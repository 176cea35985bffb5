/** When a listener is done: after N records, after a stop word, after an idle spell, or when it is closed. @internal */

/** Why a listener stopped. */
export type StopReason = 'count' | 'stop-on' | 'timeout' | 'closed';

/** The conditions that end a listener's run; all optional. */
export interface StopConditions {
  /** Stop after this many records (datagrams, or TCP data records). */
  count?: number | undefined;
  /** Stop after a payload that is exactly these bytes. */
  stopOn?: Buffer | undefined;
  /** Stop when nothing has arrived for this many milliseconds. */
  idleTimeoutMs?: number | undefined;
}

/** Tracks the stop conditions with one timer, however fast records arrive. @internal */
export class Completion {
  readonly done: Promise<StopReason>;
  private resolve!: (reason: StopReason) => void;
  private reject!: (error: unknown) => void;
  /** True once the record handler threw: nothing more is delivered to it. */
  failed = false;
  private seen = 0;
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** True once a condition was met or the listener closed: no more records are to be emitted. */
  finished = false;

  constructor(private readonly conditions: StopConditions) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (conditions.idleTimeoutMs !== undefined) this.arm(conditions.idleTimeoutMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastActivity;
      const limit = this.conditions.idleTimeoutMs ?? 0;
      if (idle >= limit) this.finish('timeout');
      else this.arm(limit - idle);
    }, ms);
  }

  /** Notes activity that is not a counted record (keeps the idle timer from firing). */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Counts one record (read at `now`, epoch ms); returns true when it was the last one to emit. */
  record(payload: Buffer, now = Date.now()): boolean {
    this.lastActivity = now;
    this.seen += 1;
    if (this.conditions.stopOn !== undefined && payload.equals(this.conditions.stopOn)) {
      this.finish('stop-on');
      return true;
    }
    if (this.conditions.count !== undefined && this.seen >= this.conditions.count) {
      this.finish('count');
      return true;
    }
    return false;
  }

  /** Ends the run with `reason` (the first reason wins). */
  finish(reason: StopReason): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.finished) return;
    this.finished = true;
    this.resolve(reason);
  }

  /** Ends the run because the record handler threw: `done` rejects with that error (unless the run had ended). */
  fail(error: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.failed = true;
    if (this.finished) return;
    this.finished = true;
    this.reject(error);
  }
}

/**
 * Wraps a caller's record handler: the first time it throws, the run ends (`done` rejects with the error), no
 * record is delivered to it again, and `stop` is called to release the socket. @internal
 */
export function guardHandler<T>(completion: Completion, handler: (record: T) => void, stop: () => void): (record: T) => void {
  return (record) => {
    if (completion.failed) return;
    try {
      handler(record);
    } catch (error) {
      completion.fail(error);
      stop();
    }
  };
}
