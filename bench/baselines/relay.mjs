// Bare Node baseline: a UDP relay for one client, one dgram socket each way, forwarding in the message handler.
// Usage: node relay.mjs TARGET_PORT; prints {"ready":PORT}; runs until SIGTERM/SIGINT.
import dgram from 'node:dgram';

const target = Number(process.argv[2]);
const front = dgram.createSocket('udp4');
const back = dgram.createSocket('udp4');
let client;
front.on('message', (message, rinfo) => {
  client = rinfo;
  back.send(message, target, '127.0.0.1');
});
back.on('message', (message) => {
  if (client) front.send(message, client.port, client.address);
});
await new Promise((resolve) => front.bind(0, '127.0.0.1', resolve));
await new Promise((resolve) => back.bind(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ ready: front.address().port })}\n`);
const stop = () => process.exit(0);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
