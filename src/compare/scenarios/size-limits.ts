/** Scenario 4, size limits: the largest UDP datagram, the error one byte over it, and a 1 MiB TCP message. */
import type { Socket } from 'node:dgram';
import { MAX_DATAGRAM } from '../../types.js';
import { tcpEchoClient, udpEchoClient } from '../echo-client.js';
import { num, word } from '../figures.js';
import type { Scenario } from '../types.js';

const TCP_MESSAGE = 1024 * 1024;

/** Sends one raw datagram of `size` bytes through the kernel (no pre-check) and returns the error code, or "success". */
export function rawSend(socket: Socket, size: number, port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    try {
      socket.send(Buffer.alloc(size), port, host, (error) => resolve(error ? ((error as NodeJS.ErrnoException).code ?? error.message) : 'success'));
    } catch (error) {
      resolve((error as NodeJS.ErrnoException).code ?? String(error));
    }
  });
}

export const sizeLimits: Scenario = {
  name: 'size-limits',
  title: 'Size limits',
  localOnly: false,
  async run({ target, progress }) {
    progress('size-limits');
    const max = MAX_DATAGRAM[target.family];
    const udp = await udpEchoClient(target);
    let echoed: number;
    let over: string;
    try {
      echoed = (await udp.exchange(Buffer.alloc(max, 0x6d))).length;
      over = await rawSend(udp.socket, max + 1, target.udpPort, target.host);
    } finally {
      await udp.close();
    }
    const tcp = await tcpEchoClient(target);
    let back: { bytes: number; chunks: number[] };
    try {
      back = await tcp.exchange(Buffer.alloc(TCP_MESSAGE, 0x4d), TCP_MESSAGE, 10_000);
    } finally {
      tcp.close();
    }
    return {
      rows: [
        { measurement: 'largest message carried whole', udp: num(echoed, 'bytes'), tcp: num(back.bytes, 'bytes') },
        { measurement: `one byte over (${max + 1} bytes)`, udp: word(over), tcp: word('no limit: a stream') },
        { measurement: 'reads to get it back', udp: num(1, 'reads'), tcp: num(back.chunks.length, 'reads') },
      ],
      sentence:
        `A UDP datagram tops out at ${max} bytes over ${target.family} and the kernel refuses ${max + 1} (${over}); ` +
        `TCP carried ${TCP_MESSAGE} bytes as one stream, in ${back.chunks.length} reads.`,
    };
  },
};
