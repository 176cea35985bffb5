/** Scenario 3, message boundaries: N messages of different sizes, and what the reader gets back. */
import { udpEchoClient, tcpEchoClient } from '../echo-client.js';
import { num, word } from '../figures.js';
import type { Scenario } from '../types.js';

/** Sizes that differ from message to message: 1, 7, 13, … cycling below `max`. */
export function boundarySizes(count: number, max: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 + ((i * 97) % Math.max(1, max)));
}

export const boundaries: Scenario = {
  name: 'boundaries',
  title: 'Message boundaries',
  localOnly: false,
  async run({ target, workload, progress }) {
    const count = Math.min(workload.messages, 200);
    const sizes = boundarySizes(count, Math.max(workload.size, 16) * 2);
    const total = sizes.reduce((a, b) => a + b, 0);
    progress(`boundaries: ${count} messages`);

    // UDP: every datagram is echoed back whole; read them one by one.
    const udp = await udpEchoClient(target);
    const udpSizes: number[] = [];
    try {
      const replies = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${udpSizes.length} of ${count} datagrams came back`)), 5000);
        udp.socket.on('message', (message) => {
          udpSizes.push(message.length);
          if (udpSizes.length === count) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      for (const size of sizes) udp.socket.send(Buffer.alloc(size, 0x75), target.udpPort, target.host);
      await replies;
    } finally {
      await udp.close();
    }

    // TCP: the same messages written back to back on one connection; the reader sees a byte stream.
    const tcp = await tcpEchoClient(target);
    let tcpChunks: number[];
    try {
      tcpChunks = (await tcp.exchange(Buffer.concat(sizes.map((size) => Buffer.alloc(size, 0x74))), total)).chunks;
    } finally {
      tcp.close();
    }
    const udpExact = udpSizes.length === count && [...udpSizes].sort((a, b) => a - b).join() === [...sizes].sort((a, b) => a - b).join();
    return {
      rows: [
        { measurement: 'messages written', udp: num(count, 'messages'), tcp: num(count, 'messages') },
        { measurement: 'reads by the receiver', udp: num(udpSizes.length, 'reads'), tcp: num(tcpChunks.length, 'reads') },
        { measurement: 'read sizes equal the sent sizes', udp: { value: udpExact }, tcp: { value: tcpChunks.length === count && tcpChunks.every((s, i) => s === sizes[i]) } },
        { measurement: 'first sizes sent', udp: word(sizes.slice(0, 5).join(', ')), tcp: word(sizes.slice(0, 5).join(', ')) },
        { measurement: 'first sizes read', udp: word(udpSizes.slice(0, 5).join(', ')), tcp: word(tcpChunks.slice(0, 5).join(', ')) },
      ],
      sentence:
        `UDP gave back ${udpSizes.length} datagrams of exactly the sizes sent; TCP delivered the same ${total} bytes as ` +
        `${tcpChunks.length} reads whose sizes do not match the messages, so a TCP reader must frame its messages itself.`,
    };
  },
};
