/** Scenario 2, nobody listening: what each kind of socket tells its sender when the port is closed. */
import { sendTcp } from '../../core/tcp-sender.js';
import { send } from '../../core/udp-sender.js';
import { UdpkitError } from '../../errors.js';
import { na, num, word } from '../figures.js';
import { cellText } from '../render.js';
import type { Scenario } from '../types.js';
import { openUdpSocket } from '../udp-socket.js';

/** A loopback port with nothing on it (UDP and TCP): bound, read, released. */
async function closedPort(): Promise<number> {
  const socket = await openUdpSocket('IPv4', { address: '127.0.0.1' });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function outcome(attempt: () => Promise<unknown>): Promise<{ result: string; ms: number }> {
  const t0 = performance.now();
  try {
    await attempt();
    return { result: 'success', ms: performance.now() - t0 };
  } catch (error) {
    const code = error instanceof UdpkitError ? (error.errno ?? error.code) : String(error);
    return { result: code, ms: performance.now() - t0 };
  }
}

export const noListener: Scenario = {
  name: 'no-listener',
  title: 'Nobody listening',
  localOnly: true,
  async run({ progress }) {
    progress('no-listener');
    const port = await closedPort();
    const payload = Buffer.from('anyone there?');
    const plain = await outcome(() => send({ host: '127.0.0.1', port, payload }));
    const connected = await outcome(() => send({ host: '127.0.0.1', port, payload, connect: true, settleMs: 200 }));
    const tcp = await outcome(() => sendTcp({ host: '127.0.0.1', port, payload, connectTimeoutMs: 2000 }));
    const know = num(connected.ms * 1000, 'µs');
    const knowTcp = num(tcp.ms * 1000, 'µs');
    return {
      rows: [
        { id: 'send-reports', measurement: 'sendto / connect reports', udp: word(plain.result), tcp: word(tcp.result) },
        { id: 'connected-reports', measurement: 'connected UDP socket reports', udp: word(connected.result), tcp: na('a TCP socket is always connected: see the row above') },
        { id: 'time-to-know', measurement: 'time until the sender knows', udp: know, tcp: knowTcp },
      ],
      sentence:
        `Plain UDP's sendto said "${plain.result}"${plain.result === 'success' ? ' and the datagram vanished' : ''}; ` +
        `a connected UDP socket reported ${connected.result} after ${cellText(know)}${connected.result === 'ECONNREFUSED' ? ' (the ICMP port-unreachable)' : ''}, ` +
        `and TCP's connect reported ${tcp.result} after ${cellText(knowTcp)}.`,
    };
  },
};
