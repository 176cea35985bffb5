/**
 * A conversation as steps (`send`, `expect`, `sleep`) run in order on one socket: what `udp-send --script` runs,
 * and what `udp-send --expect` is (a send, then its expectations, per request). The first expectation that does
 * not hold ends the run with an error naming its step.
 */
import { UdpkitError } from '../errors.js';
import { monotonicMs, sleep } from '../clock.js';
import { escapeBytes } from '../format/escape.js';
import type { Conversation, Reply } from './conversation.js';
import { printMatch, type Matcher } from './match.js';

/** One step of a conversation. */
export type Step =
  | { readonly kind: 'send'; readonly payload: Buffer }
  | { readonly kind: 'expect'; readonly match: Matcher; readonly timeoutMs: number }
  | { readonly kind: 'sleep'; readonly ms: number };

/** What became of one step, as it is printed. */
export interface StepResult {
  /** From 1. */
  readonly index: number;
  readonly step: Step;
  /** `send 5 bytes: HELLO`, `expect WELCOME`, `sleep 100 ms`. */
  readonly what: string;
  /** `ok`, `ok in 1.2 ms`, or why it failed. */
  readonly result: string;
  /** The reply that met an expectation. */
  readonly reply?: Reply;
}

/** `udp-send --expect`: per request, a send and then each expectation in order, each waiting up to `waitMs`. */
export function expectSteps(payload: Buffer, matches: readonly Matcher[], count: number, waitMs: number): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    steps.push({ kind: 'send', payload });
    for (const match of matches) steps.push({ kind: 'expect', match, timeoutMs: waitMs });
  }
  return steps;
}

function quoted(payload: Buffer): string {
  return `"${escapeBytes(payload.subarray(0, 200))}${payload.length > 200 ? '…' : ''}"`;
}

/** How a step is named in its line and in errors. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'send':
      return `send ${step.payload.length === 1 ? '1 byte' : `${step.payload.length} bytes`}: ${quoted(step.payload)}`;
    case 'expect':
      return `expect ${printMatch(step.match)}`;
    case 'sleep':
      return `sleep ${step.ms} ms`;
  }
}

/** The error of an expectation that did not hold: 65 when replies came and none matched, 75 when none came. */
function unmet(index: number, what: string, others: Reply[], end: string, timeoutMs: number): UdpkitError {
  const where = `step ${index} (${what})`;
  if (others.length > 0) {
    const shown = others.slice(0, 5).map((r) => quoted(r.payload)).join(', ');
    const more = others.length > 5 ? ` and ${others.length - 5} more` : '';
    return new UdpkitError('E_DATA', `${where}: ${others.length === 1 ? '1 reply' : `${others.length} replies`} came, none matched: ${shown}${more}`);
  }
  if (end === 'closed') return new UdpkitError('E_CLOSED', `${where}: the peer closed the connection before a reply`);
  return new UdpkitError('E_TIMEOUT', `${where}: no reply within ${timeoutMs} ms`, { errno: 'ETIMEDOUT' });
}

/**
 * Runs `steps` on `conversation`, calling `report` after each. Resolves when every step held.
 * @throws UdpkitError E_DATA (replies came, none matched), E_TIMEOUT (none came), E_CLOSED, naming the step
 */
export async function runSteps(conversation: Conversation, steps: readonly Step[], report: (result: StepResult) => void, signal?: AbortSignal): Promise<void> {
  for (const [i, step] of steps.entries()) {
    if (signal?.aborted === true) throw new UdpkitError('E_TIMEOUT', `interrupted before step ${i + 1} (${describeStep(step)})`);
    const index = i + 1;
    const what = describeStep(step);
    if (step.kind === 'send') {
      await conversation.send(step.payload);
      report({ index, step, what, result: 'sent' });
    } else if (step.kind === 'sleep') {
      await sleep(step.ms, signal);
      report({ index, step, what, result: 'done' });
    } else {
      const t0 = monotonicMs();
      const outcome = await conversation.expect(step.match, step.timeoutMs);
      const others = outcome.others.length > 0 ? ` (after ${outcome.others.length} that did not match)` : '';
      if (outcome.matched === undefined) {
        const error = unmet(index, what, outcome.others, outcome.end, step.timeoutMs);
        report({ index, step, what, result: `FAILED: ${error.message.slice(`step ${index} (${what}): `.length)}` });
        throw error;
      }
      report({ index, step, what, result: `ok in ${(monotonicMs() - t0).toFixed(1)} ms: ${quoted(outcome.matched.payload)}${others}`, reply: outcome.matched });
    }
  }
}
