/**
 * A responder rule (MATCH, replies, delay, times, drop, state), and the one-line form `--respond 'MATCH => REPLY'`
 * parsed and printed back.
 */
import { UdpkitError } from '../errors.js';
import { MAX_DATAGRAM } from '../types.js';
import { show } from '../format/show.js';
import { parseMatch, printMatch, sameMatcher, type Matcher } from './match.js';
import { parseTemplate, printTemplate, sameTemplate, templateFixedBytes, type Template } from './template.js';

/** The state every sender starts in (a rule with `when: start` answers only a sender no rule has moved on). */
export const START_STATE = 'start';

/** One rule: when it applies, what it answers. */
export interface Rule {
  readonly match: Matcher;
  /** The replies, sent in order (none for a rule that drops). */
  readonly replies: readonly Template[];
  /** Milliseconds to wait before the replies. */
  readonly delayMs: number;
  /** Answer only the first N matches, then let later rules have them. */
  readonly times: number | undefined;
  /** Swallow the match: no reply, and no later rule tries it. */
  readonly drop: boolean;
  /** Applies only while the sender is in this state. */
  readonly when: string | undefined;
  /** Moves the sender to this state when it answers. */
  readonly then: string | undefined;
}

/** The separator of the one-line form. */
const ARROW = ' => ';

/** A rule with only a match and replies; the rest at their defaults. */
export function simpleRule(match: Matcher, replies: readonly Template[]): Rule {
  return { match, replies, delayMs: 0, times: undefined, drop: false, when: undefined, then: undefined };
}

/**
 * Refuses a rule whose fixed part alone is over the largest UDP reply (65,507 bytes).
 * @throws UdpkitError E_USAGE naming the rule and the size
 */
export function checkReplySizes(rule: Rule, where: string): void {
  for (const template of rule.replies) {
    const fixed = templateFixedBytes(template);
    if (fixed > MAX_DATAGRAM.IPv4) {
      throw new UdpkitError('E_USAGE', `${where}: a reply of at least ${fixed} bytes is over the ${MAX_DATAGRAM.IPv4} bytes one UDP datagram carries`);
    }
  }
}

/**
 * Parses `--respond 'MATCH => REPLY'`. The first ` => ` separates them; for a `/regex/` MATCH, the first one after
 * a closing `/` that makes a valid regex.
 * @throws UdpkitError E_USAGE naming the rule and what was expected
 */
export function parseRuleLine(text: string, where = '--respond'): Rule {
  const arrows: number[] = [];
  for (let i = text.indexOf(ARROW); i !== -1; i = text.indexOf(ARROW, i + 1)) arrows.push(i);
  const first = arrows[0];
  if (first === undefined) throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: expected MATCH => REPLY`);
  const regexEnd = text.startsWith('/')
    ? arrows.find((i) => {
        if (!/^\/.+\/[a-z]*$/s.test(text.slice(0, i))) return false;
        try {
          parseMatch(text.slice(0, i));
          return true;
        } catch {
          return false;
        }
      })
    : undefined;
  const at = regexEnd ?? first;
  const rule = simpleRule(parseMatch(text.slice(0, at), `${where} MATCH`), [parseTemplate(text.slice(at + ARROW.length), `${where} REPLY`)]);
  checkReplySizes(rule, `${where} ${show(text)}`);
  return rule;
}

/** Prints a one-reply rule back in the one-line form (a `>` in a text MATCH is written `\x3e`: no ` => ` can form). */
export function printRuleLine(rule: Rule): string {
  const match = printMatch(rule.match);
  const safe = rule.match.kind === 'regex' ? match : match.replaceAll('>', '\\x3e');
  return `${safe}${ARROW}${rule.replies[0] === undefined ? '' : printTemplate(rule.replies[0])}`;
}

/** Whether two rules answer the same messages with the same bytes. */
export function sameRule(a: Rule, b: Rule): boolean {
  return (
    sameMatcher(a.match, b.match) &&
    a.replies.length === b.replies.length &&
    a.replies.every((t, i) => sameTemplate(t, b.replies[i] as Template)) &&
    a.delayMs === b.delayMs &&
    a.times === b.times &&
    a.drop === b.drop &&
    a.when === b.when &&
    a.then === b.then
  );
}
