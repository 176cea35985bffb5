/**
 * The datagram renderers as they were before issue 17 made one renderer of them (escape.ts at 9b85492, and
 * records.ts's datagramTextLine and datagramJsonLine), frozen here as the reference the property tests hold the
 * new renderer to, byte for byte. Not to be changed: it is what "unchanged output" means.
 */
import { isUtf8 } from 'node:buffer';
import { ByteBuffer } from '../../src/format/byte-buffer.js';
import { formatEndpoint } from '../../src/format/endpoint.js';
import { jsonString } from '../../src/format/safe-text.js';
import { ISO_TIME } from '../../src/format/time.js';
import type { DatagramRecord, Endpoint } from '../../src/types.js';


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

/**
 * Code points that are shown escaped although they are valid: C1 controls, line/paragraph separators, and every
 * invisible format character (Unicode category Cf: bidi controls, zero-width spaces and joiners, U+2060, the BOM,
 * tags…). A zero-width joiner between two emoji is kept, so `👩‍💻` prints as one picture; see {@link keptJoiner}.
 */
function isUnsafeCodePoint(cp: number): boolean {
  if (cp < 0x2000) {
    return (cp >= 0x80 && cp <= 0x9f) || cp === 0xad || (cp >= 0x600 && cp <= 0x605) || cp === 0x61c || cp === 0x6dd ||
      cp === 0x70f || cp === 0x890 || cp === 0x891 || cp === 0x8e2 || cp === 0x180e;
  }
  if (cp < 0x10000) {
    return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
      (cp >= 0x2066 && cp <= 0x206f) || cp === 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
  }
  return cp === 0x110bd || cp === 0x110cd || (cp >= 0x13430 && cp <= 0x1343f) || (cp >= 0x1bca0 && cp <= 0x1bca3) ||
    (cp >= 0x1d173 && cp <= 0x1d17a) || cp === 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;

function pictograph(cp: number): boolean {
  return cp >= 0xa9 && PICTOGRAPHIC.test(String.fromCodePoint(cp));
}

/** Whether `cp` can end an emoji before a joiner: a pictograph, or one closed by VS16 or a skin tone. */
function emojiEnd(cp: number): boolean {
  return cp === 0xfe0f || (cp >= 0x1f3fb && cp <= 0x1f3ff) || pictograph(cp);
}

/** Whether the U+200D at `i` (3 bytes) joins two emoji: the code point before it and the one after are emoji parts. */
function keptJoiner(bytes: Buffer, i: number, before: number): boolean {
  if (!emojiEnd(before)) return false;
  const next = utf8SequenceLength(bytes, i + 3);
  const after = lastCodePoint;
  lastCodePoint = 0x200d;
  return next > 0 && pictograph(after);
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
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    min = 0x10000;
  } else {
    return 0;
  }
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

/**
 * What to do with each byte value: 0 copy it (printable ASCII), 1 write its fixed escape (ASCII controls,
 * backslash, and bytes that can never begin valid UTF-8: 0x80–0xC1 and 0xF5–0xFF), 2 it may begin a UTF-8
 * sequence (0xC2–0xF4) and needs a look at what follows.
 */
const KIND = new Uint8Array(256);
/** The fixed escape of each byte, 4 bytes a slot (2 used for `\n`-style escapes), and its length. */
const ESCAPE = new Uint8Array(256 * 4);
const ESCAPE_LENGTH = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const text = b < 0x80 ? (ASCII_ESCAPE[b] as string) : (HEX_ESCAPE[b] as string);
  if (b < 0x80 && isPlainAscii(b)) KIND[b] = 0;
  else if (b >= 0xc2 && b <= 0xf4) KIND[b] = 2;
  else KIND[b] = 1;
  ESCAPE_LENGTH[b] = text.length;
  for (let k = 0; k < text.length; k++) ESCAPE[b * 4 + k] = text.charCodeAt(k);
}

/**
 * Writes `bytes` into `out` as one line of UTF-8 that cannot move the cursor, recolour the terminal or start
 * a new line: valid UTF-8 is copied as it is, `\n \r \t \0 \\` become those escapes, other control bytes and
 * invalid bytes `\xHH`, and invisible code points (C1, U+2028/2029, Unicode Cf: bidi controls, zero-width
 * characters, the BOM) `\u{HHHH}`, except a zero-width joiner inside an emoji sequence.
 */
function escapeInto(bytes: Buffer, out: ByteBuffer): void {
  const n = bytes.length;
  // At most 4 output bytes (`\xHH`) per input byte, or 10 (`\u{10ffff}`) per 2-4 byte sequence.
  const buf = out.reserve(n * 5 + 16);
  let o = out.used;
  let i = 0;
  /** The code point before this one (for a joiner between emoji), 0 after an escape. */
  let before = 0;
  while (i < n) {
    const b = bytes[i] as number;
    const kind = KIND[b] as number;
    if (kind === 0) {
      buf[o++] = b;
      i += 1;
      before = b;
      continue;
    }
    const length = kind === 2 ? utf8SequenceLength(bytes, i) : 0;
    if (length === 0) {
      const at = b * 4;
      buf[o] = ESCAPE[at] as number;
      buf[o + 1] = ESCAPE[at + 1] as number;
      if (ESCAPE_LENGTH[b] === 4) {
        buf[o + 2] = ESCAPE[at + 2] as number;
        buf[o + 3] = ESCAPE[at + 3] as number;
        o += 4;
      } else {
        o += 2;
      }
      i += 1;
      before = 0;
    } else if (isUnsafeCodePoint(lastCodePoint) && !(lastCodePoint === 0x200d && keptJoiner(bytes, i, before))) {
      o += buf.write(`\\u{${lastCodePoint.toString(16)}}`, o, 'latin1');
      i += length;
      before = 0;
    } else {
      for (let k = 0; k < length; k++) buf[o++] = bytes[i + k] as number;
      i += length;
      before = lastCodePoint;
    }
  }
  out.used = o;
}

const scratch = new ByteBuffer(4096);

/** The old escapeBytes. */
export function referenceEscape(bytes: Buffer): string {
  const n = bytes.length;
  let i = 0;
  while (i < n && isPlainAscii(bytes[i] as number)) i++;
  if (i === n) return bytes.toString('latin1', 0, n);
  escapeInto(bytes, scratch);
  return scratch.take().toString('utf8');
}

function endpointJson(endpoint: Endpoint): string {
  return JSON.stringify({ address: endpoint.address, port: endpoint.port, family: endpoint.family });
}

/** The old datagramTextLine (default style). */
export function referenceTextLine(record: DatagramRecord): string {
  const size = record.payload.length;
  const head = `${ISO_TIME.text(record.time)} udp ${formatEndpoint(record.from)} ${size === 1 ? '1 byte' : `${size} bytes`}`;
  return size === 0 ? `${head}\n` : `${head}: ${referenceEscape(record.payload)}\n`;
}

/** The old datagramJsonLine (default style). */
export function referenceJsonLine(record: DatagramRecord): string {
  const { payload } = record;
  const body = isUtf8(payload) ? `"utf8","payload":${jsonString(payload.toString('utf8'))}` : `"base64","payload":"${payload.toString('base64')}"`;
  return (
    `{${ISO_TIME.json(record.time)},"protocol":"udp","event":"datagram","from":${endpointJson(record.from)},` +
    `"local":${endpointJson(record.local)},"size":${payload.length},"encoding":${body}}\n`
  );
}
