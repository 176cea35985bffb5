// Bare Node baseline: a dgram send loop, as fast as the socket takes it (or paced with --rate).
// Usage: node send-loop.mjs PORT --count N [--size BYTES] [--rate PPS]
// Prints {"sent":N,"ms":T} where T is from the first send to the last send's callback.
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { count: { type: 'string', default: '200000' }, size: { type: 'string', default: '64' }, rate: { type: 'string', default: '0' } },
});
const port = Number(positionals[0]);
const count = Number(values.count);
const rate = Number(values.rate);
const payload = Buffer.alloc(Number(values.size), 0x78);
const socket = dgram.createSocket('udp4');
await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));

let done = 0;
let inflight = 0;
let wake;
const onSent = () => {
  done += 1;
  inflight -= 1;
  if (inflight < 256 && wake) {
    const w = wake;
    wake = undefined;
    w();
  }
};
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  if (rate > 0) {
    const due = t0 + (i * 1000) / rate;
    if (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  socket.send(payload, port, '127.0.0.1', onSent);
  inflight += 1;
  if (inflight >= 512) await new Promise((resolve) => (wake = resolve));
}
while (done < count) await new Promise((resolve) => (wake = resolve));
const ms = performance.now() - t0;
socket.close();
process.stdout.write(`${JSON.stringify({ sent: count, ms })}\n`);
