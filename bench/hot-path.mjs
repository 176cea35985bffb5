// The listener's own share of a datagram's cost, without the kernel: udp-listen's record path (listener handler,
// renderer, buffered writer to a file) driven by 'message' events emitted on its socket, 32 per event-loop turn as
// libuv reads them under a flood. Prints CPU nanoseconds per datagram (process CPU time, so that other work on a
// shared machine does not count) above a bare listener that only counts.
// Usage: node bench/hot-path.mjs [--format text|json|raw] [--count N] [--rounds R] [--payload ascii|binary|utf8] [--web]
//        (--web: with udp-listen --web 0, the web view's feed on the record path, no page open)
//        (run `npm run build` first; stdout must be a file: node bench/hot-path.mjs > /tmp/out).
// For working on the hot path on a shared machine: the minimum over rounds is stable where a flood's rate is not.
import { Socket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'text' },
    count: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '7' },
    payload: { type: 'string', default: 'ascii' },
    web: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);
const PER_TURN = 32;

const payloads = {
  ascii: Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_'),
  // What sockperf sends: a 14-byte header (mostly zero bytes) and 50 bytes that look random.
  binary: Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0x40, ...Array.from({ length: 50 }, (_, i) => (i * 2654435761) >>> 24)]),
  utf8: Buffer.from('héllo wörld — ünïcödé text, 64 bytes or so: ✓✓✓ ok'),
};
const template = payloads[values.payload];
if (template === undefined) throw new Error(`--payload ${values.payload}: ascii, binary or utf8`);

// Every socket that gets a 'message' listener: the listener's, found without reaching into udpkit.
const sockets = [];
const on = Socket.prototype.on;
Socket.prototype.on = function (event, listener) {
  if (event === 'message') sockets.push(this);
  return on.call(this, event, listener);
};

const { listenMain } = await import(join(root, 'dist/cli/listen.js'));
const controller = new AbortController();
const stderr = { chunks: [], write: (chunk) => stderr.chunks.push(String(chunk)) };
const io = {
  stdout: process.stdout,
  stderr: Object.assign(new (await import('node:stream')).Writable({ write: (c, e, cb) => (stderr.write(c), cb()) })),
  stdin: process.stdin,
  env: {},
  signal: controller.signal,
};
const done = listenMain(['--host', '127.0.0.1', '--format', values.format, ...(values.web ? ['--web', '0'] : []), '0'], io);
for (let i = 0; i < 1000 && sockets.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
const socket = sockets[0];
if (socket === undefined) throw new Error(`no listener socket: ${stderr.chunks.join('')}`);
const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 40000, size: template.length };
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Emits `n` datagrams to `target` (fresh Buffers, as Node allocates one per datagram); returns ns per datagram. */
async function drive(target, n) {
  const t0 = process.cpuUsage();
  for (let sent = 0; sent < n; ) {
    for (let k = 0; k < PER_TURN; k++, sent++) {
      const payload = Buffer.allocUnsafe(template.length);
      template.copy(payload);
      target.emit('message', payload, { ...rinfo });
    }
    await turn();
  }
  const used = process.cpuUsage(t0);
  return ((used.user + used.system) * 1000) / n;
}

// The bare receiver: a socket whose only listener counts.
const bare = new Socket({ type: 'udp4' });
let counted = 0;
on.call(bare, 'message', () => (counted += 1));

const mine = [];
const base = [];
for (let r = 0; r < rounds; r++) {
  base.push(await drive(bare, count / 4));
  mine.push(await drive(socket, count / 4));
}
controller.abort();
const code = await done;
const min = (list) => Math.min(...list);
const med = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
process.stderr.write(
  `${values.format} ${values.payload}${values.web ? ' --web' : ''}: udp-listen ${min(mine).toFixed(0)} ns/datagram (median ${med(mine).toFixed(0)}), ` +
    `bare ${min(base).toFixed(0)} (median ${med(base).toFixed(0)}): own share ${(min(mine) - min(base)).toFixed(0)} ns; exit ${code}\n`,
);
