/** Terminal-safe rendering of arbitrary bytes: valid UTF-8 shown as text, everything that could steer a terminal escaped. */
import { ByteBuffer } from './byte-buffer.js';
import { seqCodePoint, seqLength, utf8At } from './utf8.js';

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
  const next = utf8At(bytes, i + 3);
  return next !== 0 && pictograph(seqCodePoint(next));
}

/** Printable ASCII other than backslash: copied as it is. */
function isPlainAscii(b: number): boolean {
  return b >= 0x20 && b < 0x7f && b !== 0x5c;
}

/**
 * What to do with each byte value: 0 copy it (printable ASCII), 1 write its fixed escape (ASCII controls,
 * backslash, and bytes that can never begin valid UTF-8: 0x80–0xC1 and 0xF5–0xFF), 2 it may begin a UTF-8
 * sequence (0xC2–0xF4) and needs a look at what follows.
 */
const KIND = new Uint8Array(256);
/**
 * The fixed escape of each byte, its (up to) four bytes packed little-endian into one number, and its length: one
 * 32-bit store writes it, whatever its length (the unused bytes are overwritten by what follows). Random binary
 * payloads, what floods of test traffic carry, are mostly such escapes.
 */
const ESCAPE = new Uint32Array(256);
const ESCAPE_LENGTH = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const text = b < 0x80 ? (ASCII_ESCAPE[b] as string) : (HEX_ESCAPE[b] as string);
  if (b < 0x80 && isPlainAscii(b)) KIND[b] = 0;
  else if (b >= 0xc2 && b <= 0xf4) KIND[b] = 2;
  else KIND[b] = 1;
  ESCAPE_LENGTH[b] = text.length;
  for (let k = 0; k < text.length; k++) ESCAPE[b] = (ESCAPE[b] as number) + text.charCodeAt(k) * 2 ** (8 * k);
}

/** The code point {@link writeSequence} leaves for the next joiner check: the one it copied, 0 after an escape. */
let afterSequence = 0;

/** Writes the valid sequence `seq` found at `i`: copied, or `\u{…}` for an invisible code point. Returns the new end. */
function writeSequence(bytes: Buffer, i: number, seq: number, before: number, buf: Buffer, o: number): number {
  const cp = seqCodePoint(seq);
  if (isUnsafeCodePoint(cp) && !(cp === 0x200d && keptJoiner(bytes, i, before))) {
    afterSequence = 0;
    return o + buf.write(`\\u{${cp.toString(16)}}`, o, 'latin1');
  }
  const length = seqLength(seq);
  for (let k = 0; k < length; k++) buf[o + k] = bytes[i + k] as number;
  afterSequence = cp;
  return o + length;
}

/** Bytes to escape after which a payload is taken for binary and the rest goes through the branch-light loop. */
const BINARY_AFTER = 8;

/**
 * Writes `bytes` into `out` as one line of UTF-8 that cannot move the cursor, recolour the terminal or start
 * a new line: valid UTF-8 is copied as it is, `\n \r \t \0 \\` become those escapes, other control bytes and
 * invalid bytes `\xHH`, and invisible code points (C1, U+2028/2029, Unicode Cf: bidi controls, zero-width
 * characters, the BOM) `\u{HHHH}`, except a zero-width joiner inside an emoji sequence.
 */
export function escapeInto(bytes: Buffer, out: ByteBuffer): void {
  const n = bytes.length;
  // At most 4 output bytes (`\xHH`) per input byte, or 10 (`\u{10ffff}`) per 2-4 byte sequence, and 3 more that
  // the last escape's 32-bit store may touch.
  const buf = out.reserve(n * 5 + 16);
  const view = out.dataView();
  let o = out.used;
  let i = 0;
  /** The code point before this one (for a joiner between emoji), 0 after an escape or a single byte. */
  let before = 0;
  let escapes = 0;
  // Text: printable ASCII is copied a byte at a time behind one branch, which text payloads keep predictable.
  while (i < n) {
    const b = bytes[i] as number;
    const kind = KIND[b] as number;
    if (kind === 0) {
      buf[o++] = b;
      i += 1;
      before = 0;
      continue;
    }
    if (escapes++ === BINARY_AFTER) break;
    const seq = kind === 2 ? utf8At(bytes, i) : 0;
    if (seq === 0) {
      view.setUint32(o, ESCAPE[b] as number, true);
      o += ESCAPE_LENGTH[b] as number;
      i += 1;
      before = 0;
      continue;
    }
    o = writeSequence(bytes, i, seq, before, buf, o);
    before = afterSequence;
    i += seqLength(seq);
  }
  // Binary (random bytes, what floods of test traffic carry): printable or not, a byte that cannot begin a sequence
  // is one 32-bit store of its table entry, so the only branch left is on lead bytes. Measured on varied binary
  // payloads, a quarter faster than the loop above, whose branch on printable bytes they make a coin toss.
  while (i < n) {
    const b = bytes[i] as number;
    const seq = KIND[b] === 2 ? utf8At(bytes, i) : 0;
    if (seq === 0) {
      view.setUint32(o, ESCAPE[b] as number, true);
      o += ESCAPE_LENGTH[b] as number;
      i += 1;
      before = 0;
      continue;
    }
    o = writeSequence(bytes, i, seq, before, buf, o);
    before = afterSequence;
    i += seqLength(seq);
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
