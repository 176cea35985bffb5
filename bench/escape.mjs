// The payload renderers alone, on what sockperf sends (a 14-byte header, then 50 bytes that look random), against
// two bare loops over the same bytes: a sum (what reading 64 bytes costs in JavaScript on this machine) and one
// table store per byte with no branch (the escaper's loop without its UTF-8 checks). For reading the hot path's
// figures on a given machine: its speed, not only udpkit's, sets them.
// Usage: node bench/escape.mjs [--calls N] (run `npm run build` first). Prints ns per call, rounds 3-4 of 4.
import { parseArgs } from 'node:util';
import { escapeInto } from '../dist/format/escape.js';
import { writeJsonPayload } from '../dist/format/json-escape.js';
import { ByteBuffer } from '../dist/format/byte-buffer.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000000' } } });
const calls = Number(values.calls);
const sockperf = Buffer.from(
  '0000000000000001000100000040968f385c2aecb03bfb32af3c54ec18db5c021afe43fbfaaa3afb29d1e6053c7c9475d8be6189f95cbba8990f95b1ebf1b305',
  'hex',
);
// Sequence numbers in bytes 4-7, as sockperf's differ from datagram to datagram.
const payloads = Array.from({ length: 1024 }, (_, i) => {
  const copy = Buffer.from(sockperf);
  copy.writeUInt32BE(i, 4);
  return copy;
});
const out = new ByteBuffer();
const STORE = new Uint32Array(256).fill(0x41414141);
const LENGTH = new Uint8Array(256).fill(4);

/** The floor under the escaper: one 32-bit table store per byte, as its binary loop does, and no branch. */
function storeOnly(bytes, into) {
  const buf = into.reserve(bytes.length * 4 + 4);
  const view = into.dataView();
  let o = into.used;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    view.setUint32(o, STORE[b], true);
    o += LENGTH[b];
  }
  into.used = o;
  return buf;
}

let sink = 0;
const cases = {
  'sum of the 64 bytes': (bytes) => {
    let s = 0;
    for (let i = 0; i < bytes.length; i++) s += bytes[i];
    sink += s;
  },
  'one table store per byte, no branch': (bytes) => storeOnly(bytes, out),
  'text escaper (escapeInto)': (bytes) => escapeInto(bytes, out),
  'JSON payload (writeJsonPayload, base64)': (bytes) => writeJsonPayload(bytes, out),
};
for (const [name, run] of Object.entries(cases)) {
  const times = [];
  for (let round = 0; round < 4; round++) {
    const started = process.hrtime.bigint();
    for (let k = 0; k < calls; k++) {
      run(payloads[k & 1023]);
      if (out.used > 1 << 20) out.used = 0;
    }
    if (round >= 2) times.push((Number(process.hrtime.bigint() - started) / calls).toFixed(0));
  }
  console.log(`${name}: ${times.join(', ')} ns per 64-byte payload`);
}
if (sink === -1) console.log(sink);
