// Bare Node baseline: a UDP and a TCP echo server on one port.
// Usage: node echo-server.mjs; prints {"ready":PORT}; runs until SIGTERM/SIGINT.
import dgram from 'node:dgram';
import net from 'node:net';

const udp = dgram.createSocket('udp4');
udp.on('message', (message, rinfo) => udp.send(message, rinfo.port, rinfo.address));
await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
const port = udp.address().port;
const tcp = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => {});
});
await new Promise((resolve) => tcp.listen(port, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ ready: port })}\n`);
const stop = () => {
  udp.close();
  tcp.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
