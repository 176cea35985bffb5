// Bare Node baseline: ping-pong round trips on one UDP socket or one TCP connection.
// Usage: node ping-pong.mjs udp|tcp PORT N; prints {"rttUs":[...]} (microseconds, one per exchange).
import dgram from 'node:dgram';
import net from 'node:net';

const [protocol, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText ?? 1000);
const payload = Buffer.alloc(64, 0x70);
const rtt = [];

if (protocol === 'udp') {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let wake;
  socket.on('message', () => wake?.());
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      wake = resolve;
      socket.send(payload, port, '127.0.0.1');
    });
    rtt.push((performance.now() - t0) * 1000);
  }
  socket.close();
} else {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  let got = 0;
  let wake;
  socket.on('data', (chunk) => {
    got += chunk.length;
    if (got >= payload.length) wake?.();
  });
  for (let i = 0; i < count; i++) {
    got = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      wake = resolve;
      socket.write(payload);
    });
    rtt.push((performance.now() - t0) * 1000);
  }
  socket.destroy();
}
process.stdout.write(`${JSON.stringify({ rttUs: rtt })}\n`);
