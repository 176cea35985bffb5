/**
 * Checking impairments once, wherever they come from: the command line's flags (`--delay up:40ms`), the control
 * API's JSON (`{"delay": "40ms"}`) and the library's typed objects (`{ delayMs: 40 }`) all pass through the same
 * value parsers and give the same one-line errors.
 */
import * as z from 'zod/mini';
import { UdpkitError } from '../errors.js';
import { show } from '../format/show.js';
import type { Impairments, LinkImpairments } from './impairments.js';
import { EXPECTED, formatDuration, formatRate, parseBurst, parseDuration, parseOutage, parsePercent, parseRate, parseSize, splitDirection } from './values.js';

/** One impairment flag: its name, its field, how its text is read, and how a library number is written as text. */
interface Field {
  flag: string;
  key: Exclude<keyof Impairments, 'keepOrder'>;
  parse: (text: string) => unknown;
  expected: string;
  /** A typed value as text the parser reads (and as GET / shows it). */
  text: (value: never) => string;
}

const percent = (value: number): string => `${value}%`;

/** The impairment flags that take a value, in the order the help lists them. */
export const FIELDS: readonly Field[] = [
  { flag: 'loss', key: 'loss', parse: parsePercent, expected: EXPECTED.percent, text: percent },
  { flag: 'loss-burst', key: 'lossBurst', parse: parseBurst, expected: EXPECTED.burst, text: (n: number) => String(n) },
  { flag: 'delay', key: 'delayMs', parse: parseDuration, expected: EXPECTED.duration, text: formatDuration },
  { flag: 'jitter', key: 'jitterMs', parse: parseDuration, expected: EXPECTED.duration, text: formatDuration },
  { flag: 'duplicate', key: 'duplicate', parse: parsePercent, expected: EXPECTED.percent, text: percent },
  { flag: 'corrupt', key: 'corrupt', parse: parsePercent, expected: EXPECTED.percent, text: percent },
  { flag: 'reorder', key: 'reorder', parse: parsePercent, expected: EXPECTED.percent, text: percent },
  { flag: 'rate', key: 'rate', parse: parseRate, expected: EXPECTED.rate, text: (n: number) => `${n}bps` },
  { flag: 'queue', key: 'queueMs', parse: parseDuration, expected: EXPECTED.duration, text: formatDuration },
  { flag: 'mtu', key: 'mtu', parse: parseSize, expected: EXPECTED.size, text: (n: number) => String(n) },
  { flag: 'outage', key: 'outage', parse: parseOutage, expected: EXPECTED.outage, text: (o: { everyMs: number; forMs: number }) => `${o.everyMs}/${o.forMs}` },
];

/** Impairments a TCP relay cannot apply, and why: said to whoever asks for one with --tcp. */
export const DATAGRAM_ONLY: Readonly<Record<string, string>> = {
  loss: 'TCP cannot lose data in a relay: the kernel below it retransmits every segment',
  'loss-burst': 'TCP cannot lose data in a relay: the kernel below it retransmits every segment',
  duplicate: 'a TCP stream has no datagrams to send twice (the kernel drops duplicate segments)',
  corrupt: "TCP's checksum discards a corrupted segment and the kernel retransmits it",
  reorder: 'a TCP stream arrives in order: the kernel reassembles segments',
  mtu: 'a TCP stream is cut into segments that fit the path (try --slice)',
  outage: 'a dark TCP link only stalls the stream (try --blackhole-after)',
  queue: 'a TCP relay holds data back by flow control, it never drops it',
  'keep-order': 'a TCP stream always keeps its order',
};

/**
 * Refuses the impairments a TCP relay cannot apply, with the reason.
 * @throws UdpkitError E_USAGE `--loss works with UDP only: …`
 */
export function refuseDatagramImpairments(imp: Impairments | undefined): void {
  if (imp === undefined) return;
  const given = FIELDS.filter((f) => imp[f.key] !== undefined).map((f) => f.flag);
  if (imp.keepOrder === true) given.push('keep-order');
  const refused = given.find((flag) => DATAGRAM_ONLY[flag] !== undefined);
  if (refused !== undefined) throw new UdpkitError('E_USAGE', `--${refused} works with UDP only: ${DATAGRAM_ONLY[refused]}`);
}

/** Every impairment flag, with `keep-order`. */
export const IMPAIRMENT_FLAGS: readonly string[] = [...FIELDS.map((f) => f.flag), 'keep-order'];

/** Flags that only make sense beside another. */
function pairIssues(imp: Impairments, where: string): string[] {
  const issues: string[] = [];
  if (imp.lossBurst !== undefined && imp.loss === undefined) issues.push(`--loss-burst${where} works with --loss only`);
  if (imp.queueMs !== undefined && imp.rate === undefined) issues.push(`--queue${where} works with --rate only`);
  return issues;
}

/** Reads one field's value (text, or a number in the library's units) into `into`; returns the issue, if any. `typed`: the value as the user wrote it. */
function readField(field: Field, raw: unknown, into: Impairments, typed?: string): string | undefined {
  const text = typeof raw === 'string' ? raw : typeof raw === 'number' && Number.isFinite(raw) ? field.text(raw as never) : undefined;
  const outage = field.key === 'outage' && typeof raw === 'object' && raw !== null ? field.text(raw as never) : undefined;
  const value = text ?? outage;
  const parsed = value === undefined ? undefined : field.parse(value);
  const shown = typed ?? show(typeof raw === 'object' ? JSON.stringify(raw) : raw);
  if (parsed === undefined) return `invalid --${field.flag} ${shown}: ${field.expected}`;
  (into as Record<string, unknown>)[field.key] = parsed;
  return undefined;
}

/**
 * The command line's impairment flags into both directions. Each flag's values are `X` (both directions), `up:X`
 * or `down:X`; a direction may be given once.
 * @returns the impairments, and the issues (one line each) when something is wrong
 */
export function flagImpairments(flags: Readonly<Record<string, string | string[] | undefined>>, keepOrder: boolean): { link: Required<LinkImpairments>; issues: string[] } {
  const up: Impairments = {};
  const down: Impairments = {};
  const issues: string[] = [];
  for (const field of FIELDS) {
    const given = flags[field.flag];
    const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
    const seen = new Map<'up' | 'down', string>();
    for (const raw of values) {
      const { direction, value } = splitDirection(raw);
      const targets = direction === 'both' ? (['up', 'down'] as const) : [direction];
      const twice = targets.find((d) => seen.has(d));
      if (twice !== undefined) {
        issues.push(`--${field.flag} is given twice for ${twice} (${show(seen.get(twice))} and ${show(raw)}): give it once per direction (up:X, down:X) or once for both`);
        continue;
      }
      for (const d of targets) seen.set(d, raw);
      for (const d of targets) {
        const issue = readField(field, value, d === 'up' ? up : down, show(raw));
        if (issue !== undefined) {
          issues.push(issue);
          break;
        }
      }
    }
  }
  if (keepOrder) up.keepOrder = down.keepOrder = true;
  issues.push(...new Set([...pairIssues(up, ''), ...pairIssues(down, '')]));
  return { link: { up, down }, issues };
}

/** The JSON a control API's PUT takes: the flags' names, their text (or numbers in the library's units). */
const jsonSchema = z.record(z.string(), z.unknown());

/**
 * One direction's impairments from the control API's JSON (`{"loss": "2%", "delay": "40ms", "keep-order": true}`).
 * @throws UdpkitError E_USAGE with the line the command line would print
 */
export function impairmentsFromJson(body: unknown): Impairments {
  const parsed = jsonSchema.safeParse(body);
  if (!parsed.success || Array.isArray(body)) throw new UdpkitError('E_USAGE', 'expected a JSON object of impairments, e.g. {"loss": "2%", "delay": "40ms"}');
  const imp: Impairments = {};
  for (const [key, raw] of Object.entries(parsed.data)) {
    if (raw === null) continue;
    if (key === 'keep-order') {
      if (typeof raw !== 'boolean') throw new UdpkitError('E_USAGE', `invalid keep-order ${show(JSON.stringify(raw))}: expected true or false`);
      imp.keepOrder = raw;
      continue;
    }
    const field = FIELDS.find((f) => f.flag === key);
    if (field === undefined) throw new UdpkitError('E_USAGE', `unknown impairment ${show(key)}: expected one of ${IMPAIRMENT_FLAGS.join(', ')}`);
    const issue = readField(field, raw, imp);
    if (issue !== undefined) throw new UdpkitError('E_USAGE', issue);
  }
  const [pair] = pairIssues(imp, '');
  if (pair !== undefined) throw new UdpkitError('E_USAGE', pair);
  return imp;
}

/** One direction's impairments as the control API shows them: the flags' names and text. */
export function impairmentsToJson(imp: Impairments): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const field of FIELDS) {
    const value = imp[field.key];
    if (value !== undefined) out[field.flag] = field.key === 'rate' ? formatRate(value as number) : field.text(value as never);
  }
  if (imp.keepOrder === true) out['keep-order'] = true;
  return out;
}

/** Checks a library caller's typed impairments: each value through the same parser as its flag. */
function checkTyped(imp: Impairments | undefined, direction: string): Impairments | undefined {
  if (imp === undefined) return undefined;
  const out: Impairments = {};
  for (const field of FIELDS) {
    const raw = imp[field.key];
    if (raw === undefined) continue;
    const issue = readField(field, raw, out);
    if (issue !== undefined) throw new UdpkitError('E_USAGE', `${direction}: ${issue.replace(`--${field.flag}`, field.key)}`);
  }
  if (imp.keepOrder !== undefined) out.keepOrder = imp.keepOrder === true;
  const [pair] = pairIssues(out, '');
  if (pair !== undefined) throw new UdpkitError('E_USAGE', `${direction}: ${pair}`);
  return out;
}

/** Checks both directions of a library call. */
export function checkLink(link: LinkImpairments): { up?: Impairments; down?: Impairments } {
  const up = checkTyped(link.up, 'up');
  const down = checkTyped(link.down, 'down');
  return { ...(up ? { up } : {}), ...(down ? { down } : {}) };
}

/**
 * Checks {@link proxy}'s options (ports, counts, both directions) and returns the checker `set()` uses.
 * @throws UdpkitError E_USAGE naming the bad value
 */
export function checkProxyOptions(options: ProxyChecked): { up: Impairments; down: Impairments; check: typeof checkLink } {
  const int = (value: unknown, what: string, min: number, max: number): void => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
      throw new UdpkitError('E_USAGE', `invalid ${what} ${show(value)}: expected an integer from ${min} to ${max}`);
    }
  };
  int(options.port, 'port', 0, 65_535);
  int(options.target.port, 'target port', 1, 65_535);
  int(options.seed, 'seed', 0, 0xffff_ffff);
  int(options.maxSessions, 'maxSessions', 1, 1_000_000);
  if (options.sessionTimeoutMs !== undefined && !(options.sessionTimeoutMs > 0)) {
    throw new UdpkitError('E_USAGE', `invalid sessionTimeoutMs ${show(options.sessionTimeoutMs)}: expected a positive number of milliseconds`);
  }
  const checked = checkLink({ up: options.up, down: options.down });
  return { up: checked.up ?? {}, down: checked.down ?? {}, check: checkLink };
}

/** What {@link checkProxyOptions} looks at. */
interface ProxyChecked {
  port: number;
  target: { port: number };
  up?: Impairments | undefined;
  down?: Impairments | undefined;
  seed?: number | undefined;
  maxSessions?: number | undefined;
  sessionTimeoutMs?: number | undefined;
}
