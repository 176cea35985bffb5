/**
 * Regex matching with a time budget: a pattern that backtracks catastrophically (`/(a+)+$/` against 30,000 `a`s
 * and a `!`) is stopped after the budget instead of hanging the listener. Each match runs in a `node:vm` context
 * with a timeout (V8 interrupts the regex from a watchdog thread); a sender whose payload ran out the budget has
 * its regex rules skipped for a cool-down, so one sender cannot stall the others more than once per cool-down.
 */
import { Script, createContext, type Context } from 'node:vm';

/** The longest one payload may spend in the regex rules, in milliseconds. */
export const REGEX_BUDGET_MS = 20;
/** How long a sender whose payload ran out the budget is answered by its byte rules only, in milliseconds. */
export const REGEX_COOL_DOWN_MS = 1000;
/** Senders remembered in the cool-down at most (the oldest forgotten first). */
const MAX_COOLING = 4096;

/** The outcome of one regex match: its captures (latin1 bytes), no match, or out of time. */
export type RegexOutcome = readonly Buffer[] | 'none' | 'timeout';

/** Runs a set of regexes under one budget per payload. */
export class RegexBudget {
  private readonly context: Context;
  private readonly script = new Script('r.exec(s)');
  private readonly cooling = new Map<string, number>();
  /** Payloads whose matching ran out of time. */
  timeouts = 0;
  /** Payloads whose regex rules were skipped because their sender was cooling down. */
  skipped = 0;

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

  /**
   * Matches `regex` against `text` (the payload as latin1) with what is left of the payload's budget.
   * @param spentMs what earlier regexes of the same payload used
   */
  exec(regex: RegExp, text: string, spentMs: number): RegexOutcome {
    const left = Math.max(1, Math.ceil(this.budgetMs - spentMs));
    this.context.r = regex;
    this.context.s = text;
    let result: unknown;
    try {
      result = this.script.runInContext(this.context, { timeout: left });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      return 'timeout';
    } finally {
      this.context.s = '';
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
