/**
 * The MATCH of a responder rule: exact text (with `-e` escapes), `prefix*`, `/regex/flags` (on the payload as
 * latin1 text) or `hex:02ff` / `hex:02ff*` (bytes); parsed, printed back, and tried against a payload.
 */
import { UdpkitError } from '../errors.js';
import { decodeHex, unescapeMessage } from '../format/payload.js';
import { show } from '../format/show.js';

/** A parsed MATCH. `bytes` kinds compare bytes; `regex` runs on the payload as latin1 text. */
export type Matcher =
  | { readonly kind: 'exact'; readonly bytes: Buffer; readonly hex: boolean }
  | { readonly kind: 'prefix'; readonly bytes: Buffer; readonly hex: boolean }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string };

/** Regex flags a rule may use: `g` and `y` are refused (they make matching depend on the last match). */
const REGEX_FLAGS = /^[dimsuv]*$/;

/** `/source/flags` as written; undefined when `text` is not in that form. */
function regexParts(text: string): { source: string; flags: string } | undefined {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  return m === null ? undefined : { source: m[1] as string, flags: m[2] as string };
}

/** Whether `text` ends in a `*` that is not escaped (an even number of backslashes before it). */
function endsInWildcard(text: string): boolean {
  if (!text.endsWith('*')) return false;
  let slashes = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) slashes += 1;
  return slashes % 2 === 0;
}

/** `\\*` (a literal star, which a trailing `*` would otherwise make a wildcard) as `\\x2a`, other escapes kept. */
function starEscapes(text: string): string {
  if (!text.includes('\\*')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[i + 1] ?? '';
    out += next === '*' ? '\\x2a' : `\\${next}`;
    i += 1;
  }
  return out;
}

/**
 * Parses a MATCH as the command line and rule files write it.
 * @throws UdpkitError E_USAGE naming the bad MATCH and what was expected
 */
export function parseMatch(text: string, where = 'MATCH'): Matcher {
  const regex = regexParts(text);
  if (regex !== undefined) {
    if (!REGEX_FLAGS.test(regex.flags)) {
      throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: regex flags ${show(regex.flags)}: expected some of d i m s u v (not g or y)`);
    }
    try {
      new RegExp(regex.source, regex.flags);
    } catch (error) {
      throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: ${(error as Error).message}`);
    }
    return { kind: 'regex', ...regex };
  }
  const wild = endsInWildcard(text);
  const body = wild ? text.slice(0, -1) : text;
  try {
    if (body.startsWith('hex:')) return { kind: wild ? 'prefix' : 'exact', bytes: decodeHex(body.slice(4)), hex: true };
    return { kind: wild ? 'prefix' : 'exact', bytes: unescapeMessage(starEscapes(body)), hex: false };
  } catch (error) {
    if (error instanceof UdpkitError) throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: ${error.message}`);
    throw error;
  }
}

/** Bytes as MATCH/REPLY text: printable ASCII as it is, `\\` for a backslash, `\xHH` for the rest. */
export function escapeText(bytes: Buffer, also: (byte: number, index: number) => boolean = () => false): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x5c) out += '\\\\';
    else if (b < 0x20 || b >= 0x7f || also(b, i)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Whether printed exact text would read as another kind: `/…/`, `hex:…`, or a trailing `*`. */
function needsGuard(bytes: Buffer): (byte: number, index: number) => boolean {
  const text = bytes.toString('latin1');
  const looksRegex = text.startsWith('/');
  const looksHex = text.startsWith('hex:');
  return (b, i) => (i === 0 && (looksRegex || looksHex)) || (i === bytes.length - 1 && b === 0x2a);
}

/** Prints a matcher back as MATCH text that parses to an equivalent matcher. */
export function printMatch(matcher: Matcher): string {
  if (matcher.kind === 'regex') return `/${matcher.source}/${matcher.flags}`;
  const star = matcher.kind === 'prefix' ? '*' : '';
  if (matcher.hex) return `hex:${matcher.bytes.toString('hex')}${star}`;
  return `${escapeText(matcher.bytes, needsGuard(matcher.bytes))}${star}`;
}

/** Whether two matchers match the same payloads in the same way (regexes compared by source and flags). */
export function sameMatcher(a: Matcher, b: Matcher): boolean {
  if (a.kind === 'regex' || b.kind === 'regex') {
    return a.kind === 'regex' && b.kind === 'regex' && a.source === b.source && a.flags === b.flags;
  }
  return a.kind === b.kind && a.bytes.equals(b.bytes);
}

/** What a match yields: the captures `{{1}}`…`{{9}}` (for `prefix*`, `{{1}}` is the rest). */
export type Captures = readonly Buffer[];

/** Tries a byte matcher (not a regex) against `payload`; the captures, or undefined when it does not match. */
export function matchBytes(matcher: Exclude<Matcher, { kind: 'regex' }>, payload: Buffer): Captures | undefined {
  if (matcher.kind === 'exact') return payload.equals(matcher.bytes) ? [] : undefined;
  if (payload.length < matcher.bytes.length) return undefined;
  return payload.compare(matcher.bytes, 0, matcher.bytes.length, 0, matcher.bytes.length) === 0 ? [payload.subarray(matcher.bytes.length)] : undefined;
}
