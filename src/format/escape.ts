/** Terminal-safe rendering of arbitrary bytes: valid UTF-8 shown as text, everything that could steer a terminal escaped. */
import { ByteBuffer } from './byte-buffer.js';

const HEX = '0123456789abcdef';

/** `\xHH` for every byte value. */
const HEX_ESCAPE: readonly string[] = Array.from({ length: 256 }, (_, b) => `\\x${HEX.charAt(b >> 4)}${HEX.charAt(b & 15)}`);

/** What each ASCII byte becomes: itself when printable, else its escape (`\n \r \t \0 \\`, or `\xHH`). */
const ASCII_ESCAPE: readonly string[] = Array.from({ length: 128 }, (_, b) => {
  switch (b) {
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x00:
      return '\\0';
    case 0x5c:
      return '\\\\';
    default:
      return b < 0x20 || b === 0x7f ? (HEX_ESCAPE[b] as string) : String.fromCharCode(b);
  }
});

/** Code points that are shown escaped although they are valid: C1 controls, bidi controls, line/paragraph separators, BOM. */
function isUnsafeCodePoint(cp: number): boolean {
  return (
    (cp >= 0x80 && cp <= 0x9f) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    cp === 0xfeff
  );
}

/** Printable ASCII other than backslash: copied as it is. */
function isPlainAscii(b: number): boolean {
  return b >= 0x20 && b < 0x7f && b !== 0x5c;
}

/** The code point of the last sequence {@link utf8SequenceLength} accepted (saves an allocation per call). */
let lastCodePoint = 0;

/**
 * Length of the valid UTF-8 sequence starting at `i` (2 to 4), or 0 when the bytes there are not one
 * (bad lead byte, missing continuation, overlong form, surrogate, or beyond U+10FFFF).
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  let cp = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const byte = bytes[i + k] ?? 0;
    if ((byte & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (byte & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  lastCodePoint = cp;
  return length;
}

/** The ASCII bytes of every escape, to copy without building strings. */
const ASCII_ESCAPE_BYTES: readonly Buffer[] = ASCII_ESCAPE.map((text) => Buffer.from(text, 'latin1'));
const HEX_ESCAPE_BYTES: readonly Buffer[] = HEX_ESCAPE.map((text) => Buffer.from(text, 'latin1'));

/**
 * Writes `bytes` into `out` as one line of UTF-8 that cannot move the cursor, recolour the terminal or start
 * a new line: valid UTF-8 is copied as it is, `\n \r \t \0 \\` become those escapes, other control bytes and
 * invalid bytes `\xHH`, and invisible steering code points (C1, bidi overrides, U+2028/2029) `\u{HHHH}`.
 */
export function escapeInto(bytes: Buffer, out: ByteBuffer): void {
  const n = bytes.length;
  // At most 4 output bytes (`\xHH`) per input byte, or 10 (`\u{10ffff}`) per 2-4 byte sequence.
  const buf = out.reserve(n * 5 + 16);
  let o = out.used;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      if (isPlainAscii(b)) buf[o++] = b;
      else {
        const escape = ASCII_ESCAPE_BYTES[b] as Buffer;
        for (let k = 0; k < escape.length; k++) buf[o++] = escape[k] as number;
      }
      i += 1;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      const escape = HEX_ESCAPE_BYTES[b] as Buffer;
      for (let k = 0; k < 4; k++) buf[o++] = escape[k] as number;
      i += 1;
    } else if (isUnsafeCodePoint(lastCodePoint)) {
      o += buf.write(`\\u{${lastCodePoint.toString(16)}}`, o, 'latin1');
      i += length;
    } else {
      for (let k = 0; k < length; k++) buf[o++] = bytes[i + k] as number;
      i += length;
    }
  }
  out.used = o;
}

const scratch = new ByteBuffer(4096);

/** {@link escapeInto} as a string. */
export function escapeBytes(bytes: Buffer): string {
  const n = bytes.length;
  let i = 0;
  while (i < n && isPlainAscii(bytes[i] as number)) i++;
  if (i === n) return bytes.toString('latin1', 0, n);
  escapeInto(bytes, scratch);
  return scratch.take().toString('utf8');
}
