/** Scenario 3, message boundaries: N messages of different sizes, and what the reader gets back. */
import { udpEchoClient, tcpEchoClient } from '../echo-client.js';
import { na, num, word } from '../figures.js';
import { COUNT_QUERY, parseCountAnswer } from '../../core/echo-counts.js';
import { MAX_DATAGRAM } from '../../types.js';
import { cellText } from '../render.js';
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
    // Sizes up to twice --size, but never past what one datagram carries (--size 60000 would ask for 120,000).
    const sizes = boundarySizes(count, Math.min(Math.max(workload.size, 16) * 2, MAX_DATAGRAM[target.family]));
    const total = sizes.reduce((a, b) => a + b, 0);
    progress(`boundaries: ${count} messages`);

    // UDP: every datagram is echoed back whole; read them one by one. A datagram lost on the way is a result:
    // the wait ends after a quiet second (or 5 s in all) and the count says how many came back.
    const udp = await udpEchoClient(target);
    const udpSizes: number[] = [];
    let countReply: Buffer | undefined;
    try {
      let lastAt = performance.now();
      udp.socket.on('message', (message) => {
        // The answer to the count query below (or the query itself, from an echo server that is not udpkit's).
        if (message.subarray(0, 12).toString('latin1') === 'UDPKIT-COUNT') {
          countReply = message;
          return;
        }
        udpSizes.push(message.length);
        lastAt = performance.now();
      });
      for (const size of sizes) udp.socket.send(Buffer.alloc(size, 0x75), target.udpPort, target.host);
      const started = performance.now();
      for (let turn = 0; turn < 500 && udpSizes.length < count; turn++) {
        const now = performance.now();
        if (now - lastAt > 1000 || now - started > 5000) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Ask the echo server what it received from this socket: loss splits into the way there and the way back.
      udp.socket.send(COUNT_QUERY, target.udpPort, target.host);
      for (let turn = 0; turn < 100 && countReply === undefined; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await udp.close();
    }
    const server = countReply === undefined ? undefined : parseCountAnswer(countReply);
    const noSplit =
      countReply === undefined
        ? 'the echo server did not answer the count query'
        : 'the echo server is not a udpkit echo listener: it cannot say what it received';

    // TCP: the same messages written back to back on one connection; the reader sees a byte stream.
    const tcp = await tcpEchoClient(target);
    let tcpChunks: number[];
    try {
      tcpChunks = (await tcp.exchange(Buffer.concat(sizes.map((size) => Buffer.alloc(size, 0x74))), total)).chunks;
    } finally {
      tcp.close();
    }
    // Every datagram that came back has a size that was sent (as a multiset): boundaries kept, whatever was lost.
    const remaining = new Map<number, number>();
    for (const size of sizes) remaining.set(size, (remaining.get(size) ?? 0) + 1);
    const udpKept = udpSizes.every((size) => {
      const left = remaining.get(size) ?? 0;
      remaining.set(size, left - 1);
      return left > 0;
    });
    const tcpKept = tcpChunks.length === count && tcpChunks.every((s, i) => s === sizes[i]);
    const written = num(count, 'messages');
    const udpReads = num(udpSizes.length, 'reads');
    const tcpReads = num(tcpChunks.length, 'reads');
    const lost = count - udpSizes.length;
    const udpBytes = udpSizes.reduce((a, b) => a + b, 0);
    const tcpBytes = num(tcpChunks.reduce((a, b) => a + b, 0), 'bytes');
    // The first 40 messages, and the reads that brought back the same bytes.
    const shown = sizes.slice(0, 40);
    const shownBytes = shown.reduce((a, b) => a + b, 0);
    const covering = (reads: number[]): number[] => {
      const out: number[] = [];
      for (let at = 0, i = 0; i < reads.length && at < shownBytes; i++) {
        out.push(reads[i] as number);
        at += reads[i] as number;
      }
      return out;
    };
    return {
      plots: { blocks: { sent: shown, udp: udpSizes.slice(0, 40), tcp: covering(tcpChunks) } },
      rows: [
        { id: 'written', measurement: 'messages written', udp: written, tcp: written },
        { id: 'reads', measurement: 'reads by the receiver', udp: udpReads, tcp: tcpReads },
        { id: 'bytes', measurement: 'bytes read back', udp: num(udpBytes, 'bytes'), tcp: tcpBytes },
        { id: 'lost', measurement: 'messages that never came back', udp: num(Math.max(0, lost), 'messages'), tcp: num(0, 'messages') },
        {
          id: 'lost-there',
          measurement: 'of which lost on the way there (the echo server counts)',
          udp: server === undefined ? na(noSplit) : num(Math.max(0, count - server.received), 'messages'),
          tcp: na('TCP retransmits: nothing is lost either way'),
        },
        {
          id: 'lost-back',
          measurement: 'of which lost on the way back',
          udp: server === undefined ? na(noSplit) : num(Math.max(0, server.echoed - udpSizes.length), 'messages'),
          tcp: na('TCP retransmits: nothing is lost either way'),
        },
        { id: 'sizes-kept', measurement: 'each read is one message, as sent', udp: word(udpKept), tcp: word(tcpKept) },
        { id: 'sizes-sent', measurement: 'first sizes sent', udp: word(sizes.slice(0, 5).join(', ')), tcp: word(sizes.slice(0, 5).join(', ')) },
        { id: 'sizes-read', measurement: 'first sizes read', udp: word(udpSizes.slice(0, 5).join(', ')), tcp: word(tcpChunks.slice(0, 5).join(', ')) },
      ],
      sentence:
        `UDP gave back ${cellText(udpReads)} for ${cellText(written)}` +
        `${lost > 0 ? ` (${lost} lost on the way)` : ''}, ${udpKept ? 'each exactly one message as sent' : 'but not each as one message as sent'}; ` +
        `TCP delivered the same ${cellText(tcpBytes)} in ${cellText(tcpReads)}${tcpKept ? ' that happened to match the messages' : tcpChunks.length === 1 ? ', not one read per message' : ' whose sizes do not match the messages'}, ` +
        'so a TCP reader must frame its messages itself.' +
        (lost <= 0
          ? ''
          : server === undefined
            ? ` The loss cannot be split into the way there and back: ${noSplit}.`
            : ` Of the ${lost} lost, ${Math.max(0, count - server.received)} went missing on the way there and ${Math.max(0, server.echoed - udpSizes.length)} on the way back, by the echo server's own count.`),
    };
  },
};
