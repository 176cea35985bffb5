/**
 * The responder: rules tried in order against each message, the first that matches answers. It keeps each rule's
 * answer count (`{{seq}}`, `times`) and each sender's state (`when`/`then`), and is handed to a listener as its
 * reply function.
 */
import { monotonicMs } from '../clock.js';
import type { ReplyFunction, ReplyPlan } from '../core/reply-hook.js';
import type { Endpoint } from '../types.js';
import { matchBytes, type Captures } from './match.js';
import { RegexBudget } from './regex-budget.js';
import { START_STATE, type Rule } from './rules.js';
import { renderTemplate } from './template.js';

/** Senders whose state is kept; past it the oldest is forgotten (and starts over in `start`). */
const MAX_SENDERS = 4096;

/** How a responder runs its regexes. */
export interface ResponderOptions {
  /** The CPU time one message may spend in regex rules, in ms (default {@link REGEX_BUDGET_MS}). */
  regexBudgetMs?: number | undefined;
}

export { REGEX_BUDGET_MS, REGEX_COOL_DOWN_MS } from './regex-budget.js';

/** Answers messages by rules. */
export class Responder {
  /** Answers given per rule. */
  private readonly answered: number[];
  private readonly regexes: (RegExp | undefined)[];
  private readonly states = new Map<string, string>();
  readonly budget: RegexBudget;

  constructor(
    readonly rules: readonly Rule[],
    options: ResponderOptions = {},
  ) {
    this.answered = rules.map(() => 0);
    this.regexes = rules.map((rule) => (rule.match.kind === 'regex' ? new RegExp(rule.match.source, rule.match.flags) : undefined));
    this.budget = new RegexBudget(options.regexBudgetMs);
  }

  /** This responder as a listener's reply function. */
  get reply(): ReplyFunction {
    return (payload, from) => this.answer(payload, from);
  }

  /** A sender's state. */
  stateOf(from: Endpoint): string {
    return this.states.get(`${from.address}|${from.port}`) ?? START_STATE;
  }

  private setState(key: string, state: string): void {
    this.states.delete(key);
    if (this.states.size >= MAX_SENDERS) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
    this.states.set(key, state);
  }

  /** The first rule that matches `payload` from `from`, and what it sends; undefined when none does. */
  answer(payload: Buffer, from: Endpoint): ReplyPlan | undefined {
    const key = `${from.address}|${from.port}`;
    const state = this.states.get(key) ?? START_STATE;
    let text: string | undefined;
    let regexOff: boolean | undefined;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i] as Rule;
      if (rule.when !== undefined && rule.when !== state) continue;
      if (rule.times !== undefined && (this.answered[i] as number) >= rule.times) continue;
      let captures: Captures | undefined;
      const regex = this.regexes[i];
      if (regex === undefined) {
        captures = matchBytes(rule.match as Parameters<typeof matchBytes>[0], payload);
      } else {
        if (regexOff === undefined) {
          regexOff = this.budget.isCooling(key, monotonicMs());
          this.budget.beginPayload();
        }
        if (regexOff) continue;
        text ??= payload.toString('latin1');
        const outcome = this.budget.exec(regex, text);
        if (outcome === 'timeout') {
          this.budget.timedOut(key, monotonicMs());
          regexOff = true;
          continue;
        }
        captures = outcome === 'none' ? undefined : outcome;
      }
      if (captures === undefined) continue;
      return this.answerWith(i, rule, key, payload, captures, from);
    }
    return undefined;
  }

  private answerWith(i: number, rule: Rule, key: string, payload: Buffer, captures: Captures, from: Endpoint): ReplyPlan {
    const seq = (this.answered[i] as number) + 1;
    this.answered[i] = seq;
    if (rule.then !== undefined) this.setState(key, rule.then);
    const ctx = { payload, captures, seq, now: Date.now(), from };
    return { rule: i + 1, replies: rule.drop ? [] : rule.replies.map((t) => renderTemplate(t, ctx)), delayMs: rule.delayMs };
  }
}
