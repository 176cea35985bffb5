// Bare Node baseline: a UDP receiver that only counts datagrams (no output per datagram).
// Usage: node count-receiver.mjs PORT [RCVBUF]; prints {"ready":PORT} once bound, then {"datagrams":N,"bytes":B} on SIGINT/SIGTERM.
import dgram from 'node:dgram';

const socket = dgram.createSocket('udp4');
let datagrams = 0;
let bytes = 0;
socket.on('message', (message) => {
  datagrams += 1;
  bytes += message.length;
});
socket.bind(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  if (process.argv[3]) socket.setRecvBufferSize(Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify({ ready: socket.address().port })}\n`);
});
const stop = () => {
  socket.close();
  process.stdout.write(`${JSON.stringify({ datagrams, bytes })}\n`);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
