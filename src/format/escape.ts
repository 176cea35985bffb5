/** Terminal-safe rendering of arbitrary bytes: valid UTF-8 shown as text, everything that could steer a terminal escaped. */

const HEX = '0123456789abcdef';

function hexByte(byte: number): string {
  return `\\x${HEX.charAt(byte >> 4)}${HEX.charAt(byte & 15)}`;
}

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

function escapeAscii(byte: number): string {
  switch (byte) {
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
      return byte < 0x20 || byte === 0x7f ? hexByte(byte) : String.fromCharCode(byte);
  }
}

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
  return length;
}

/**
 * Renders bytes as one line of text that cannot move the cursor, recolour the terminal or start a new line:
 * valid UTF-8 is shown as is, `\n \r \t \0 \\` as those escapes, other control bytes and invalid bytes
 * as `\xHH`, and invisible steering code points (C1, bidi overrides, U+2028/2029) as `\u{HHHH}`.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  let plainStart = 0;
  let i = 0;
  const flush = (end: number): void => {
    if (end > plainStart) out += Buffer.from(bytes.buffer, bytes.byteOffset + plainStart, end - plainStart).toString('utf8');
  };
  while (i < bytes.length) {
    const byte = bytes[i] ?? 0;
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) {
      i += 1;
      continue;
    }
    if (byte < 0x80) {
      flush(i);
      out += escapeAscii(byte);
      i += 1;
      plainStart = i;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      flush(i);
      out += hexByte(byte);
      i += 1;
      plainStart = i;
      continue;
    }
    const cp = Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString('utf8').codePointAt(0) ?? 0;
    if (isUnsafeCodePoint(cp)) {
      flush(i);
      out += `\\u{${cp.toString(16)}}`;
      i += length;
      plainStart = i;
      continue;
    }
    i += length;
  }
  flush(i);
  return out;
}
