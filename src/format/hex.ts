/** An `xxd`-style dump: offset, sixteen bytes in hex pairs, and their printable ASCII. */

const HEX = '0123456789abcdef';

/** Dumps `bytes` as `xxd` does, one line per 16 bytes, each line ending in `\n`; empty input gives no lines. */
export function hexDump(bytes: Uint8Array): string {
  let out = '';
  for (let offset = 0; offset < bytes.length; offset += 16) {
    let hex = '';
    let ascii = '';
    for (let k = 0; k < 16; k++) {
      const index = offset + k;
      if (index < bytes.length) {
        const byte = bytes[index] ?? 0;
        hex += HEX.charAt(byte >> 4) + HEX.charAt(byte & 15);
        ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
      } else {
        hex += '  ';
      }
      if (k % 2 === 1 && k < 15) hex += ' ';
    }
    out += `${offset.toString(16).padStart(8, '0')}: ${hex}  ${ascii}\n`;
  }
  return out;
}
