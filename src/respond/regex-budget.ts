/**
 * Regex matching with a CPU-time budget: a pattern that backtracks catastrophically (`/(a+)+$/` against 30,000 `a`s
 * and a `!`) is stopped once it has used its budget of CPU instead of hanging the listener, while a pattern that
 * merely waited for a core on a busy machine is run again rather than refused. Each match runs in a `node:vm`
 * context with a timeout (V8 interrupts the regex from a watchdog thread); the timeout is wall-clock, so when it
 * fires the thread's CPU time decides: a run that got (nearly) its whole allowance is over budget, one that did not
 * was kept off the CPU and runs again with a timeout stretched to the share of a core it got. A sender whose
 * payload ran out the budget has its regex rules skipped for a cool-down, so one sender cannot stall the others
 * more than once per cool-down.
 */
import { Script, createContext, type Context } from 'node:vm';
import { threadCpuMs } from './cpu-clock.js';
import { monotonicMs } from '../clock.js';

/** The CPU time one payload may spend in the regex rules, in milliseconds. */
export const REGEX_BUDGET_MS = 20;
/** How long a sender whose payload ran out the budget is answered by its byte rules only, in milliseconds. */
export const REGEX_COOL_DOWN_MS = 1000;
/** Senders remembered in the cool-down at most (the oldest forgotten first). */
const MAX_COOLING = 4096;
/** Runs of one regex at most: the first, and re-runs after the thread was kept off the CPU. */
export const REGEX_MAX_RUNS = 8;
/** A re-run's wall-clock timeout is at most this many times the allowance, with the margin (an 8th of a core). */
const MAX_STRETCH = 8;
/** A re-run's timeout is the allowance over the share of a core the stopped run got, with this margin. */
const RERUN_MARGIN = 1.25;
/** A stopped run that got this share of its allowance in CPU time was running all along: it is over budget. */
const OVER_SHARE = 0.9;

/**
 * The most CPU time one payload's regexes can take under a budget of `budgetMs` (the runs stopped short of it, then
 * a last re-run whose core came free): what a test may assert without timing the machine.
 */
export function regexCpuCeilingMs(budgetMs: number = REGEX_BUDGET_MS): number {
  return budgetMs * (REGEX_MAX_RUNS * OVER_SHARE + MAX_STRETCH * RERUN_MARGIN);
}

/** The outcome of one regex match: its captures (latin1 bytes), no match, or out of its CPU budget. */
export type RegexOutcome = readonly Buffer[] | 'none' | 'timeout';

/** Runs a set of regexes under one CPU budget per payload. */
export class RegexBudget {
  private readonly context: Context;
  private readonly script = new Script('r.exec(s)');
  private readonly cooling = new Map<string, number>();
  /** CPU time when the current payload's first regex started (undefined until one does). */
  private payloadCpu: number | undefined;
  /** Payloads whose matching ran out of their CPU budget. */
  timeouts = 0;
  /** Payloads whose regex rules were skipped because their sender was cooling down. */
  skipped = 0;
  /** Runs stopped by the wall clock before their CPU budget was used (the machine was busy), and run again. */
  reruns = 0;

  constructor(
    private readonly budgetMs: number = REGEX_BUDGET_MS,
    private readonly coolDownMs: number = REGEX_COOL_DOWN_MS,
  ) {
    this.context = createContext({ r: null, s: '' });
  }

  /** Whether `sender` is cooling down at `nowMs` (monotonic); counts the skip. */
  isCooling(sender: string, nowMs: number): boolean {
    const until = this.cooling.get(sender);
    if (until === undefined) return false;
    if (until > nowMs) {
      this.skipped += 1;
      return true;
    }
    this.cooling.delete(sender);
    return false;
  }

  /** Starts a new payload: the regexes run from here on share one budget. */
  beginPayload(): void {
    this.payloadCpu = undefined;
  }

  /**
   * Matches `regex` against `text` (the payload as latin1) with what is left of the payload's CPU budget. A run
   * stopped by its wall-clock timeout before it used (nearly) that much CPU runs again, with a timeout stretched by
   * the share of a core it got (at most doubled each time, at most {@link REGEX_MAX_RUNS} runs).
   */
  exec(regex: RegExp, text: string): RegexOutcome {
    const start = threadCpuMs();
    this.payloadCpu ??= start;
    const allowance = this.budgetMs - (start - this.payloadCpu);
    if (allowance <= 0) return 'timeout';
    this.context.r = regex;
    this.context.s = text;
    try {
      let timeout = Math.max(1, Math.ceil(allowance));
      for (let run = 0, runStart = start; run < REGEX_MAX_RUNS; run++, runStart = threadCpuMs()) {
        const wallStart = monotonicMs();
        const result = this.runOnce(timeout);
        if (result !== 'stopped') return result;
        const cpu = threadCpuMs() - runStart;
        if (cpu >= allowance * OVER_SHARE) return 'timeout';
        this.reruns += 1;
        // Long enough that, at the share of a core this run got, the next one gets its allowance (and a margin); at
        // most twice the last, so one run starved by a burst of load cannot make the next burn many allowances.
        const share = Math.min(1, Math.max(cpu / Math.max(monotonicMs() - wallStart, 1e-3), 1 / MAX_STRETCH));
        timeout = Math.max(1, Math.ceil(Math.min(timeout * 2, (allowance * RERUN_MARGIN) / share)));
      }
      return 'timeout';
    } finally {
      this.context.s = '';
    }
  }

  /** One run with a wall-clock timeout: captures, no match, or stopped by the watchdog. */
  private runOnce(timeout: number): Exclude<RegexOutcome, 'timeout'> | 'stopped' {
    let result: unknown;
    try {
      result = this.script.runInContext(this.context, { timeout });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      return 'stopped';
    }
    if (result === null) return 'none';
    const groups = result as (string | undefined)[];
    return groups.slice(1, 10).map((g) => Buffer.from(g ?? '', 'latin1'));
  }

  /** Starts `sender`'s cool-down after its payload ran out of time at `nowMs`. */
  timedOut(sender: string, nowMs: number): void {
    this.timeouts += 1;
    if (this.cooling.size >= MAX_COOLING) {
      const oldest = this.cooling.keys().next().value;
      if (oldest !== undefined) this.cooling.delete(oldest);
    }
    this.cooling.set(sender, nowMs + this.coolDownMs);
  }
}
