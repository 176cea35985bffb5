// A paced sender and a receiver (two processes), for udp-proxy's precision figures: each datagram carries its
// sequence number and its send time on the monotonic clock (CLOCK_MONOTONIC, the same in every process), and the
// receiver (the relay's target) measures the delay.
// Usage: node stamp-probe.mjs receive --listen PORT --seconds S [--warmup MS]
//          receives on PORT until 1 s after the last datagram (at most S + 5 s), then prints
//          {"received":M,"measured":K,"delays":[p50,p99,max]} (ms, receive time minus send time); with --warmup, the datagrams
//          sent in the first MS milliseconds (after the first datagram) are received but not measured: the
//          steady state, not the relay's first moments (code not yet compiled, heaps not yet sized)
//        node stamp-probe.mjs send --to PORT --rate PPS --seconds S [--clients N] [--size BYTES]
//          sends from N sockets (each connected to PORT) in turn; prints {"sent":N}
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { listen: { type: 'string' }, warmup: { type: 'string', default: '0' }, to: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, clients: { type: 'string', default: '1' }, size: { type: 'string', default: '64' } },
});
const seconds = Number(values.seconds);
const now = () => Number(process.hrtime.bigint()) / 1e6;

if (positionals[0] === 'receive') {
  const receiver = dgram.createSocket('udp4');
  const delays = [];
  const warmup = Number(values.warmup);
  let last = now();
  let first;
  let received = 0;
  receiver.on('message', (m) => {
    last = now();
    received += 1;
    const sent = m.readDoubleLE(8);
    first ??= sent;
    if (sent - first >= warmup && delays.length < 2_000_000) delays.push(last - sent);
  });
  await new Promise((resolve) => receiver.bind(Number(values.listen), '127.0.0.1', resolve));
  receiver.setRecvBufferSize(16 * 1024 * 1024);
  process.stdout.write(`${JSON.stringify({ ready: receiver.address().port })}\n`);
  const began = now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      if ((received > 0 && now() - last > 1000) || now() - began > (seconds + 5) * 1000) resolve(clearInterval(timer));
    }, 100);
  });
  delays.sort((a, b) => a - b);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  process.stdout.write(`${JSON.stringify({ received, measured: delays.length, delays: [at(0.5), at(0.99), delays.at(-1)] })}\n`);
  process.exit(0);
}

const rate = Number(values.rate);
const size = Math.max(16, Number(values.size));
const clients = [];
for (let i = 0; i < Number(values.clients); i++) {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.connect(Number(values.to), '127.0.0.1', resolve));
  clients.push(socket);
}
const total = Math.round(rate * seconds);
const start = now();
let sent = 0;
await new Promise((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const payload = Buffer.alloc(size);
      payload.writeUInt32LE(sent, 0);
      payload.writeDoubleLE(now(), 8);
      clients[sent % clients.length].send(payload);
    }
    // Paced by a 1 ms timer (each wake-up sends what is due, each datagram stamped as it leaves), not turn by turn:
    // a sender that spins takes a whole core of the two, and the relay and the receiver then measure its contention.
    if (sent >= total) resolve();
    else setTimeout(tick, 1);
  };
  tick();
});
process.stdout.write(`${JSON.stringify({ sent })}\n`);
process.exit(0);
