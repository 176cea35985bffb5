// The recvmmsg prototype as a count-only receiver, for comparison with bench/baselines/count-receiver.mjs under the
// same flood (see addon.c for what it is and how to build it).
// Usage: node bench/prototypes/recvmmsg/recv.mjs ADDON PORT MODE
//   MODE 0: JavaScript gets the batch's count only; 1: a Buffer per batch, each payload cut out of it (subarray)
//   prints {"ready":PORT} once bound, then {"datagrams":N,"bytes":B} on SIGINT/SIGTERM.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const addon = createRequire(import.meta.url)(resolve(process.argv[2]));
const mode = Number(process.argv[4] ?? 1);
const socket = dgram.createSocket('udp4');
let datagrams = 0;
let bytes = 0;
socket.bind(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  socket.setRecvBufferSize(4 * 1024 * 1024);
  // dgram has no public way to its descriptor or to stop reading: its internal state, for a measurement only.
  const state = socket[Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')];
  state.handle.recvStop();
  addon.start(state.handle.fd, mode, (batch, lengths) => {
    if (mode === 0) {
      datagrams += batch;
      return;
    }
    let at = 0;
    for (let i = 0; i < lengths.length; i += 4) {
      const payload = batch.subarray(at, at + lengths.readUInt32LE(i));
      at += payload.length;
      datagrams += 1;
      bytes += payload.length;
    }
  });
  process.stdout.write(`${JSON.stringify({ ready: socket.address().port })}\n`);
});
const stop = () => {
  process.stdout.write(`${JSON.stringify({ datagrams, bytes })}\n`);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
