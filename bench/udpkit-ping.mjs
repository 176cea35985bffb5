// udpkit's wait path: N exchanges through the library's send()/sendTcp() with waitMs, against an echo server.
// Usage: node udpkit-ping.mjs udp|tcp PORT N; prints {"rttUs":[...]} from each result's replyMs.
import { send } from '../dist/index.js';
import { sendTcp } from '../dist/core/tcp-sender.js';

const [protocol, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText ?? 1000);
const payload = Buffer.alloc(64, 0x70);
const rtt = [];
for (let i = 0; i < count; i++) {
  const result =
    protocol === 'udp'
      ? await send({ host: '127.0.0.1', port, payload, waitMs: 2000 })
      : await sendTcp({ host: '127.0.0.1', port, payload, waitMs: 2000 });
  rtt.push((result.replyMs ?? Number.NaN) * 1000);
}
process.stdout.write(`${JSON.stringify({ rttUs: rtt })}\n`);
