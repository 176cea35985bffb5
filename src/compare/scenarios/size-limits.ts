/** Scenario 4, size limits: the largest UDP datagram, the error one byte over it, and a 1 MiB TCP message. */
import type { Socket } from 'node:dgram';
import { errnoOf } from '../../errors.js';
import { MAX_DATAGRAM } from '../../types.js';
import { tcpEchoClient, udpEchoClient } from '../echo-client.js';
import { na, num, word } from '../figures.js';
import { cellText } from '../render.js';
import type { Scenario } from '../types.js';

const TCP_MESSAGE = 1024 * 1024;

/** Sends one raw datagram of `size` bytes through the kernel (no pre-check) and returns the error code, or "success". */
export function rawSend(socket: Socket, size: number, port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    try {
      socket.send(Buffer.alloc(size), port, host, (error) => resolve(error ? (errnoOf(error) ?? error.message) : 'success'));
    } catch (error) {
      resolve(errnoOf(error) ?? String(error));
    }
  });
}

/** A payload whose every byte depends on its place, so a reply that was cut or changed is told from a whole one. */
function patterned(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = i % 251;
  return buffer;
}

/** Sends `payload` and gathers what comes back: until it is all back, 500 ms after the last reply, or 3 s. */
async function gather(socket: Socket, payload: Buffer, port: number, host: string): Promise<Buffer[]> {
  const back: Buffer[] = [];
  let bytes = 0;
  let lastAt = performance.now();
  const onMessage = (message: Buffer): void => {
    back.push(message);
    bytes += message.length;
    lastAt = performance.now();
  };
  socket.on('message', onMessage);
  socket.send(payload, port, host);
  const started = performance.now();
  for (let turn = 0; turn < 300 && bytes < payload.length; turn++) {
    const now = performance.now();
    if (now - started > 3000 || (back.length > 0 && now - lastAt > 500)) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  socket.off('message', onMessage);
  return back;
}

export const sizeLimits: Scenario = {
  name: 'size-limits',
  title: 'Size limits',
  localOnly: false,
  async run({ target, progress }) {
    progress('size-limits');
    const max = MAX_DATAGRAM[target.family];
    const sent = patterned(max);
    const udp = await udpEchoClient(target);
    let back: Buffer[];
    let over: string;
    try {
      back = await gather(udp.socket, sent, target.udpPort, target.host);
      over = await rawSend(udp.socket, max + 1, target.udpPort, target.host);
    } finally {
      await udp.close();
    }
    const tcp = await tcpEchoClient(target);
    let stream: { bytes: number; chunks: number[] };
    try {
      // A peer that stops echoing part way is a result too: what came back in 10 s is reported.
      stream = await tcp.exchange(Buffer.alloc(TCP_MESSAGE, 0x4d), TCP_MESSAGE, 10_000, true);
    } finally {
      tcp.close();
    }
    const joined = Buffer.concat(back);
    const whole = back.length === 1 && joined.equals(sent);
    const bytesBack = num(joined.length, 'bytes');
    const largestReply = num(Math.max(0, ...back.map((b) => b.length)), 'bytes');
    const udpReads = num(back.length, 'reads');
    const tcpReads = num(stream.chunks.length, 'reads');
    const tcpBytes = num(stream.bytes, 'bytes');
    // What the peer did to the datagram, when it did not echo it whole.
    const peer =
      back.length === 0
        ? 'nothing came back: the peer dropped it (or it was lost)'
        : joined.equals(sent.subarray(0, joined.length)) && back.length > 1
          ? `the echo peer split it into ${cellText(udpReads)} of at most ${cellText(largestReply)}: it does not echo datagrams whole`
          : joined.equals(sent.subarray(0, joined.length))
            ? `the echo peer cut it to ${cellText(largestReply)}: it truncates datagrams`
            : 'the echo peer changed its bytes: it mangles what it echoes';
    return {
      rows: [
        { id: 'max-whole', measurement: `largest message (UDP ${max} bytes, TCP ${TCP_MESSAGE}): came back whole`, udp: word(whole), tcp: word(stream.bytes === TCP_MESSAGE) },
        { id: 'bytes-back', measurement: 'bytes that came back', udp: bytesBack, tcp: tcpBytes },
        { id: 'reads', measurement: 'reads to get it back', udp: udpReads, tcp: tcpReads },
        { id: 'largest-reply', measurement: 'largest single reply', udp: largestReply, tcp: na('a stream has no messages to measure') },
        { id: 'one-over', measurement: `one byte over (${max + 1} bytes)`, udp: word(over), tcp: na('TCP has no message size limit: it is a stream') },
      ],
      sentence:
        (whole
          ? `A UDP datagram of ${max} bytes, the most over ${target.family}, came back whole in ${cellText(udpReads)}`
          : `The ${max}-byte datagram did not come back whole: ${peer}`) +
        `; sending ${max + 1} bytes gave ${over}. ` +
        (stream.bytes === TCP_MESSAGE
          ? `TCP carried ${cellText(tcpBytes)} as one stream, in ${cellText(tcpReads)}.`
          : `Over TCP only ${cellText(tcpBytes)} of ${TCP_MESSAGE} came back within 10 s, in ${cellText(tcpReads)}: the echo peer stopped echoing part way.`),
    };
  },
};
