/** Text that is safe on a terminal and in a file a person may `cat`: quoted user values, message lines, JSON strings. */
import { escapeBytes } from './escape.js';

/** Values longer than this many bytes are cut in messages, with their full size said. */
export const MAX_QUOTED_BYTES = 120;

/**
 * Characters that can steer a terminal or hide text though they are valid: C0 controls, DEL, C1 controls,
 * the bidi controls, line and paragraph separators, and the invisible format characters (Unicode Cf).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

function hex4(char: string): string {
  return char.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * A value the user gave, quoted for a message: escaped as payloads are (no control byte, no bidi override
 * reaches the terminal) and cut after {@link MAX_QUOTED_BYTES} bytes with its full size, `"aaaa…"…(130057 bytes)`.
 */
export function quote(value: unknown, max = MAX_QUOTED_BYTES): string {
  const text = typeof value === 'string' ? value : String(value);
  const bytes = Buffer.from(text, 'utf8');
  // Payload escaping, then the invisible format characters (zero-width, word joiner) that it leaves as text.
  if (bytes.length <= max) return `"${terminalLine(escapeBytes(bytes))}"`;
  let cut = '';
  let size = 0;
  for (const char of text) {
    const n = Buffer.byteLength(char, 'utf8');
    if (size + n > max) break;
    cut += char;
    size += n;
  }
  return `"${terminalLine(escapeBytes(Buffer.from(cut, 'utf8')))}"…(${bytes.length} bytes)`;
}

/** One line for a terminal: every unsafe character of {@link UNSAFE} written as `\xHH` or `\u{HHHH}`; backslashes kept. */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/;
const JSON_UNSAFE_ALL = new RegExp(JSON_UNSAFE.source, 'g');

/**
 * `JSON.stringify` of a string, with DEL, C1, bidi and other invisible format characters as `\uXXXX` escapes:
 * the same JSON value, and safe when a person `cat`s the file.
 */
export function jsonString(text: string): string {
  return jsonSafe(JSON.stringify(text));
}

/** A whole JSON document (e.g. `JSON.stringify(value)`) made safe the same way as {@link jsonString}. */
export function jsonSafe(json: string): string {
  return JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE_ALL, (char) => `\\u${hex4(char)}`) : json;
}
