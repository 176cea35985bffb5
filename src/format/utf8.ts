/** One UTF-8 sequence decoded in place, without allocating: what the escapers of text and JSON payloads share. */

/**
 * The valid UTF-8 sequence starting at `i`, packed into one number: its length (2 to 4) times 2^21 plus its code
 * point, or 0 when the bytes there are not one (bad lead byte, missing continuation, overlong form, surrogate,
 * beyond U+10FFFF, or cut short by the end). The same validity as `buffer.isUtf8`. Read it with {@link seqLength}
 * and {@link seqCodePoint}.
 */
export function utf8At(bytes: Uint8Array, i: number): number {
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
  return length * 0x200000 + cp;
}

/** The length in bytes of a sequence {@link utf8At} returned (0 for none). */
export function seqLength(seq: number): number {
  return seq >>> 21;
}

/** The code point of a sequence {@link utf8At} returned. */
export function seqCodePoint(seq: number): number {
  return seq & 0x1fffff;
}
