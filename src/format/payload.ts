/** Turning a message as typed (text, hex, base64, with or without backslash escapes) into bytes, and size limits. */
import { UdpkitError } from '../errors.js';
import { MAX_DATAGRAM, type Encoding, type Family } from '../types.js';
import { show } from './show.js';

const SIMPLE_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c };

/**
 * Turns `\n`, `\r`, `\t`, `\0`, `\xHH` and `\\` in `text` into bytes; other characters are UTF-8.
 * @throws UdpkitError E_DATA naming an unknown or incomplete escape
 */
export function unescapeMessage(text: string): Buffer {
  const parts: Buffer[] = [];
  let literalStart = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '\\') {
      i += 1;
      continue;
    }
    parts.push(Buffer.from(text.slice(literalStart, i), 'utf8'));
    const next = text[i + 1];
    if (next === undefined) {
      throw new UdpkitError('E_DATA', `invalid escape at the end of the message ${show(text)}: a lone backslash (write \\\\ for one)`);
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      parts.push(Buffer.of(simple));
      i += 2;
    } else if (next === 'x') {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new UdpkitError('E_DATA', `invalid escape ${show(text.slice(i, i + 4))} in the message: expected \\x and two hex digits`);
      }
      parts.push(Buffer.of(Number.parseInt(hex, 16)));
      i += 4;
    } else {
      throw new UdpkitError('E_DATA', `invalid escape ${show(`\\${next}`)} in the message: expected one of \\n \\r \\t \\0 \\xHH \\\\`);
    }
    literalStart = i;
  }
  parts.push(Buffer.from(text.slice(literalStart), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Decodes hex text (pairs of hex digits; spaces, colons and a leading 0x are allowed between them).
 * @throws UdpkitError E_DATA when a character is not a hex digit or the digits are odd in number
 */
export function decodeHex(text: string): Buffer {
  const digits = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  const bad = /[^0-9A-Fa-f]/.exec(digits);
  if (bad) throw new UdpkitError('E_DATA', `invalid hex message ${show(text)}: ${show(bad[0])} is not a hex digit`);
  if (digits.length % 2 !== 0) {
    throw new UdpkitError('E_DATA', `invalid hex message ${show(text)}: an odd number of hex digits (${digits.length})`);
  }
  return Buffer.from(digits, 'hex');
}

/**
 * Decodes standard or URL-safe base64, padded or not.
 * @throws UdpkitError E_DATA on characters outside the alphabet or a bad length
 */
export function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new UdpkitError('E_DATA', `invalid base64 message ${show(text)}: expected base64 text (A-Z a-z 0-9 + / =)`);
  }
  return Buffer.from(compact, 'base64');
}

/**
 * Turns a message into the bytes to send.
 * @param message the message as text, or bytes read from a file or stdin
 * @param encoding how to read text: `utf8` (default), `hex` or `base64`
 * @param escapes whether to interpret backslash escapes (utf8 only)
 */
export function encodeMessage(message: string | Buffer, encoding: Encoding, escapes: boolean): Buffer {
  if (escapes && encoding !== 'utf8') {
    throw new UdpkitError('E_USAGE', `--escapes works with --encoding utf8 only, not ${show(encoding)}`);
  }
  if (encoding === 'utf8') {
    if (!escapes) return typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    return unescapeMessage(typeof message === 'string' ? message : message.toString('utf8'));
  }
  const text = typeof message === 'string' ? message : message.toString('latin1');
  return encoding === 'hex' ? decodeHex(text) : decodeBase64(text);
}

/**
 * Refuses a UDP payload over the limit for its family before anything is sent.
 * @throws UdpkitError E_DATA naming the size and the limit
 */
export function checkDatagramSize(size: number, family: Family, label = 'message'): void {
  const limit = MAX_DATAGRAM[family];
  if (size > limit) {
    throw new UdpkitError(
      'E_DATA',
      `${label} of ${size} bytes is too large for one UDP datagram over ${family} (limit ${limit} bytes)`,
      { errno: 'EMSGSIZE' },
    );
  }
}
