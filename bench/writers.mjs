// udpkit's BufferedWriter against sonic-boom (pino's writer), writing the same 1,000,000 datagram records to stdout
// (a file), 32 records per event-loop turn as a listener under a flood gets them. Prints CPU and wall ns per record.
// sonic-boom is not a dependency: install it anywhere and point at it.
// Usage: SONIC_BOOM=/tmp/sb/node_modules/sonic-boom/index.js taskset -c 1 node bench/writers.mjs WRITER [text|json] > /tmp/out
//   WRITER: own | sonic-utf8 | sonic-utf8-sync | sonic-buffer (sonic-boom fed udpkit's rendered blocks)
// Measured 2026-12-02 (Node 20, sonic-boom 5.0.2, 3 runs each): own 509–692 ns/record text, 540–789 json;
// sonic-buffer 719–949 text, 807–990 json; earlier, sonic-utf8 (minLength 4096) 2,495–2,705, sonic-utf8-sync 1,554–1,766.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { BufferedWriter } = await import(join(root, 'dist/cli/buffered-writer.js'));
const { formatRecord, writeRecord } = await import(join(root, 'dist/format/records.js'));
const { ByteBuffer } = await import(join(root, 'dist/format/byte-buffer.js'));
const which = process.argv[2] ?? 'own';
const format = process.argv[3] ?? 'text';
const N = 1_000_000;
const payload = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0x40, ...Array.from({ length: 50 }, (_, i) => (i * 2654435761) >>> 24)]);
const from = { address: '127.0.0.1', port: 4000, family: 'IPv4' };
const local = { address: '127.0.0.1', port: 5000, family: 'IPv4' };
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Bounded like udpkit's writer: 8 MiB at most waiting, the excess dropped (sonic-boom emits 'drop'). */
async function sonic(options) {
  const path = process.env.SONIC_BOOM;
  if (!path) throw new Error('set SONIC_BOOM to the path of sonic-boom/index.js');
  const { default: SonicBoom } = await import(pathToFileURL(path).href);
  const sink = new SonicBoom({ fd: 1, maxLength: 8 << 20, ...options });
  sink.on('drop', () => undefined);
  return sink;
}

let put;
let end;
if (which === 'own') {
  const writer = new BufferedWriter(process.stdout);
  put = (record) => writer.record(record, format);
  end = () => writer.end();
} else if (which === 'sonic-utf8' || which === 'sonic-utf8-sync') {
  const sink = await sonic({ minLength: 4096, sync: which.endsWith('sync') });
  put = (record) => sink.write(formatRecord(record, format));
  end = () => new Promise((resolve) => sink.flush(() => resolve()));
} else if (which === 'sonic-buffer') {
  const sink = await sonic({ minLength: 65535, maxWrite: 1 << 20, contentMode: 'buffer' });
  const out = new ByteBuffer();
  let pending = false;
  const flush = () => {
    pending = false;
    if (out.used > 0) sink.write(out.take());
  };
  put = (record) => {
    writeRecord(record, format, out);
    if (out.used >= 65536) flush();
    else if (!pending) {
      pending = true;
      setImmediate(flush);
    }
  };
  end = () => {
    flush();
    return new Promise((resolve) => sink.flush(() => resolve()));
  };
} else {
  throw new Error(`${which}: own, sonic-utf8, sonic-utf8-sync or sonic-buffer`);
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const time = Date.now();
for (let i = 0; i < N; ) {
  for (let k = 0; k < 32; k++, i++) put({ event: 'datagram', protocol: 'udp', time: time + (i >> 9), from, local, payload: Buffer.from(payload) });
  await turn();
}
await end();
const used = process.cpuUsage(cpu0);
process.stderr.write(
  `${which} ${format}: cpu ${(((used.user + used.system) / N) * 1000).toFixed(0)} ns/record, wall ${(((performance.now() - t0) / N) * 1e6).toFixed(0)} ns/record\n`,
);
