/**
 * A `--respond-file`: rules in YAML or JSON (`rules:` a list of `match`, `reply`, `delay`, `times`, `drop`, `when`,
 * `then`), checked with zod; every error names the file, the rule's index and field, and what was expected.
 */
import * as z from 'zod/mini';
import { UdpkitError } from '../errors.js';
import { durationMs } from '../core/schemas.js';
import { show } from '../format/show.js';
import { parseMatch } from './match.js';
import { checkReplySizes, type Rule } from './rules.js';
import { parseTemplate } from './template.js';
import { checkDocument, readDocument } from './yaml-doc.js';

/** A state name: a word (letters, digits, `_`, `-`, `.`). */
const STATE = /^[\w.-]{1,64}$/;
/** Rules one file may hold. */
export const MAX_RULES = 1000;
/** Replies one rule may send. */
const MAX_REPLIES = 100;

const text = z.string('expected text');
const ruleShape = z.strictObject(
  {
    match: text,
    reply: z.optional(z.union([text, z.array(text)], 'expected text or a list of texts')),
    delay: z.optional(z.union([z.string(), z.number()], 'expected a duration (50ms, 1s; a bare number is milliseconds)')),
    times: z.optional(z.number('expected a whole number of times, 1 or more')),
    drop: z.optional(z.boolean('expected true or false')),
    when: z.optional(text),
    then: z.optional(text),
  },
  'expected a rule: a mapping with match, and reply or drop',
);
const fileShape = z.strictObject({ rules: z.array(ruleShape, 'expected a list of rules') }, 'expected a mapping with `rules:`, a list of rules');

type RawRule = z.infer<typeof ruleShape>;
const FIELDS = 'match, reply, delay, times, drop, when, then';


/** Turns one checked rule into a {@link Rule}; `at(field)` names where an error is. */
function toRule(raw: RawRule, at: (field: string) => string): Rule {
  const fail = (field: string, message: string): never => {
    throw new UdpkitError('E_USAGE', `${at(field)}: ${message}`);
  };
  const guard = <T>(field: string, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      return fail(field, (error as Error).message);
    }
  };
  const match = guard('match', () => parseMatch(raw.match, 'match'));
  const texts = raw.reply === undefined ? [] : typeof raw.reply === 'string' ? [raw.reply] : raw.reply;
  if (texts.length > MAX_REPLIES) fail('reply', `${texts.length} replies: expected at most ${MAX_REPLIES}`);
  const replies = texts.map((t, i) => guard(typeof raw.reply === 'string' ? 'reply' : `reply[${i}]`, () => parseTemplate(t, 'reply')));
  if (raw.drop === true && texts.length > 0) fail('drop', 'a rule that drops sends no reply: give reply or drop: true, not both');
  if (raw.drop !== true && raw.reply === undefined) fail('reply', 'missing: expected the reply (text, hex:…, or a list), or drop: true');
  let delayMs = 0;
  if (raw.delay !== undefined) {
    const ms = durationMs(String(raw.delay).trim(), 'milliseconds');
    if (ms === undefined || ms > 3_600_000) fail('delay', `${show(raw.delay)}: expected a duration up to 1h (50ms, 1s; a bare number is milliseconds)`);
    delayMs = ms ?? 0;
  }
  if (raw.times !== undefined && !(Number.isSafeInteger(raw.times) && raw.times >= 1)) fail('times', `${show(raw.times)}: expected a whole number, 1 or more`);
  for (const field of ['when', 'then'] as const) {
    const state = raw[field];
    if (state !== undefined && !STATE.test(state)) fail(field, `${show(state)}: expected a state name (letters, digits, _ - .)`);
  }
  const rule: Rule = { match, replies, delayMs, times: raw.times, drop: raw.drop === true, when: raw.when, then: raw.then };
  guard('reply', () => checkReplySizes(rule, 'too large'));
  return rule;
}

/**
 * Parses the text of a rules file named `name` (YAML, of which JSON is a part).
 * @throws UdpkitError E_USAGE naming the file, the rule and field, and what was expected
 */
export function parseRulesFile(source: string, name: string): Rule[] {
  return checkRules(readDocument(source, name, fileShape, FIELDS), name);
}

/**
 * Checks a document shaped like a rules file (`{ rules: [...] }`) and turns it into rules; `name` starts every error.
 * @throws UdpkitError E_USAGE naming the rule and field, and what was expected
 */
export function checkRules(doc: unknown, name: string): Rule[] {
  const rules = checkDocument(doc, name, fileShape, FIELDS).rules;
  if (rules.length === 0) throw new UdpkitError('E_USAGE', `${name}: rules: expected at least one rule`);
  if (rules.length > MAX_RULES) throw new UdpkitError('E_USAGE', `${name}: rules: ${rules.length} rules: expected at most ${MAX_RULES}`);
  return rules.map((raw, i) => toRule(raw, (field) => `${name}: rules[${i}].${field}`));
}
