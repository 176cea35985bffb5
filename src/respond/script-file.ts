/**
 * A `udp-send --script` file: YAML (or JSON) `steps:`, each one of `send:` (text with `-e` escapes, `hex:…`, or
 * `{ file: PATH }`), `expect:` (a MATCH, with an optional `timeout`) or `sleep:`; checked with zod, every error
 * naming the file, the step and what was expected.
 */
import * as z from 'zod/mini';
import { UdpkitError } from '../errors.js';
import { durationMs } from '../core/schemas.js';
import { decodeHex, unescapeMessage } from '../format/payload.js';
import { show } from '../format/show.js';
import { parseMatch } from './match.js';
import type { Step } from './script.js';
import { readDocument } from './yaml-doc.js';

/** Steps one script may hold. */
export const MAX_STEPS = 10_000;
/** An expectation's wait when the step gives none. */
export const DEFAULT_EXPECT_TIMEOUT_MS = 2000;

const duration = z.union([z.string(), z.number()], 'expected a duration (100ms, 1s; a bare number is milliseconds)');
const stepShape = z.strictObject(
  {
    send: z.optional(z.union([z.string(), z.strictObject({ file: z.string('expected a file name') })], 'expected text, hex:…, or { file: PATH }')),
    expect: z.optional(z.string('expected a MATCH (text, prefix*, /regex/, hex:…)')),
    timeout: z.optional(duration),
    sleep: z.optional(duration),
  },
  'expected a step: send, expect or sleep',
);
const fileShape = z.strictObject({ steps: z.array(stepShape, 'expected a list of steps') }, 'expected a mapping with `steps:`, a list of steps');

function ms(raw: string | number, fail: (message: string) => never): number {
  const value = durationMs(String(raw).trim(), 'milliseconds');
  if (value === undefined || value <= 0 || value > 3_600_000) return fail(`${show(raw)}: expected a duration up to 1h (100ms, 1s; a bare number is milliseconds)`);
  return value;
}

function sendBytes(text: string): Buffer {
  return text.startsWith('hex:') ? decodeHex(text.slice(4)) : unescapeMessage(text);
}

/**
 * Parses the text of a script named `name`; `load` reads a `send: { file }` (relative names are the caller's to
 * resolve).
 * @throws UdpkitError E_USAGE naming the file, the step and what was expected
 */
export function parseScript(source: string, name: string, load: (path: string) => Buffer, defaultTimeoutMs = DEFAULT_EXPECT_TIMEOUT_MS): Step[] {
  const steps = readDocument(source, name, fileShape, 'send, expect with timeout, or sleep').steps;
  if (steps.length === 0) throw new UdpkitError('E_USAGE', `${name}: steps: expected at least one step`);
  if (steps.length > MAX_STEPS) throw new UdpkitError('E_USAGE', `${name}: steps: ${steps.length} steps: expected at most ${MAX_STEPS}`);
  return steps.map((raw, i): Step => {
    const at = `${name}: steps[${i}] (step ${i + 1})`;
    const fail = (message: string): never => {
      throw new UdpkitError('E_USAGE', `${at}: ${message}`);
    };
    const kinds = (['send', 'expect', 'sleep'] as const).filter((k) => raw[k] !== undefined);
    if (kinds.length !== 1) fail(kinds.length === 0 ? 'expected one of send, expect or sleep' : `${kinds.join(' and ')} in one step: expected one per step`);
    if (raw.timeout !== undefined && raw.expect === undefined) fail('timeout goes with expect only');
    const guard = <T>(make: () => T): T => {
      try {
        return make();
      } catch (error) {
        return fail((error as Error).message);
      }
    };
    if (raw.send !== undefined) {
      const send = raw.send;
      return { kind: 'send', payload: guard(() => (typeof send === 'string' ? sendBytes(send) : load(send.file))) };
    }
    if (raw.sleep !== undefined) return { kind: 'sleep', ms: ms(raw.sleep, fail) };
    const expect = raw.expect as string;
    return { kind: 'expect', match: guard(() => parseMatch(expect, 'expect')), timeoutMs: raw.timeout === undefined ? defaultTimeoutMs : ms(raw.timeout, fail) };
  });
}
