/** Scenario 3, message boundaries: N messages of different sizes, and what the reader gets back. */
import { udpEchoClient, tcpEchoClient } from '../echo-client.js';
import { na, num, word } from '../figures.js';
import { COUNT_QUERY, parseCountAnswer } from '../../core/echo-counts.js';
import { MAX_DATAGRAM } from '../../types.js';
import { Waiter } from '../../core/waiter.js';
import { cellText } from '../render.js';
import type { EchoTarget, Row, Scenario } from '../types.js';

/** Sizes that differ from message to message: 1, 7, 13, … cycling below `max`. */
export function boundarySizes(count: number, max: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 + ((i * 97) % Math.max(1, max)));
}

/** What came back over UDP: the size of each datagram, and the echo server's own count, when it gave one. */
interface UdpOutcome {
  sizes: number[];
  server: { received: number; echoed: number } | undefined;
  /** Why the loss cannot be split into the way there and the way back, should `server` be missing. */
  noSplit: string;
}

/** The wait for the echoes ends after this long without one: a datagram lost on the way is a result, not a hang. */
const QUIET_MS = 1000;
/** …and after this long in all. */
const ECHO_WAIT_MS = 5000;
/** How long the echo server has to answer the count query. */
const COUNT_WAIT_MS = 1000;

/**
 * UDP: every datagram is echoed back whole; read them one by one. A datagram lost on the way is a result: the
 * wait ends after a quiet second (or 5 s in all) and the count says how many came back. Then the echo server is
 * asked what it received from this socket, so that loss splits into the way there and the way back.
 */
async function udpRound(target: EchoTarget, sizes: readonly number[]): Promise<UdpOutcome> {
  const udp = await udpEchoClient(target);
  const got: number[] = [];
  let countReply: Buffer | undefined;
  const waiter = new Waiter();
  // Re-armed by every echo: when it fires, nothing came for QUIET_MS.
  let quiet = false;
  const quietTimer = setTimeout(() => {
    quiet = true;
    waiter.wake();
  }, QUIET_MS);
  try {
    udp.socket.on('message', (message) => {
      // The answer to the count query below (or the query itself, from an echo server that is not udpkit's).
      if (message.subarray(0, 12).toString('latin1') === 'UDPKIT-COUNT') countReply = message;
      else {
        got.push(message.length);
        quietTimer.refresh();
      }
      waiter.wake();
    });
    for (const size of sizes) udp.socket.send(Buffer.alloc(size, 0x75), target.udpPort, target.host);
    await waiter.until(() => got.length >= sizes.length || quiet, ECHO_WAIT_MS);
    udp.socket.send(COUNT_QUERY, target.udpPort, target.host);
    await waiter.until(() => countReply !== undefined, COUNT_WAIT_MS);
  } finally {
    clearTimeout(quietTimer);
    waiter.dispose();
    await udp.close();
  }
  return {
    sizes: got,
    server: countReply === undefined ? undefined : parseCountAnswer(countReply),
    noSplit:
      countReply === undefined
        ? 'the echo server did not answer the count query'
        : 'the echo server is not a udpkit echo listener: it cannot say what it received',
  };
}

/** TCP: the same messages written back to back on one connection; the reader sees a byte stream. Returns the reads' sizes. */
async function tcpRound(target: EchoTarget, sizes: readonly number[]): Promise<number[]> {
  const total = sizes.reduce((a, b) => a + b, 0);
  const tcp = await tcpEchoClient(target);
  try {
    return (await tcp.exchange(Buffer.concat(sizes.map((size) => Buffer.alloc(size, 0x74))), total)).chunks;
  } finally {
    tcp.close();
  }
}

/** Whether every datagram that came back has a size that was sent (as a multiset): boundaries kept, whatever was lost. */
function eachAsSent(sent: readonly number[], read: readonly number[]): boolean {
  const remaining = new Map<number, number>();
  for (const size of sent) remaining.set(size, (remaining.get(size) ?? 0) + 1);
  return read.every((size) => {
    const left = remaining.get(size) ?? 0;
    remaining.set(size, left - 1);
    return left > 0;
  });
}

/** The first reads that together bring back at least `bytes`. */
function covering(reads: readonly number[], bytes: number): number[] {
  const out: number[] = [];
  for (let at = 0, i = 0; i < reads.length && at < bytes; i++) {
    out.push(reads[i] as number);
    at += reads[i] as number;
  }
  return out;
}

/** The rows: what was written, what the reader got, and where UDP's loss happened. */
function boundaryRows(sizes: readonly number[], udp: UdpOutcome, tcpChunks: readonly number[]): Row[] {
  const count = sizes.length;
  const written = num(count, 'messages');
  const split = (value: (server: NonNullable<UdpOutcome['server']>) => number) =>
    udp.server === undefined ? na(udp.noSplit) : num(Math.max(0, value(udp.server)), 'messages');
  const sizesSent = word(sizes.slice(0, 5).join(', '));
  return [
    { id: 'written', measurement: 'messages written', udp: written, tcp: written },
    { id: 'reads', measurement: 'reads by the receiver', udp: num(udp.sizes.length, 'reads'), tcp: num(tcpChunks.length, 'reads') },
    { id: 'bytes', measurement: 'bytes read back', udp: num(udp.sizes.reduce((a, b) => a + b, 0), 'bytes'), tcp: num(tcpChunks.reduce((a, b) => a + b, 0), 'bytes') },
    { id: 'lost', measurement: 'messages that never came back', udp: num(Math.max(0, count - udp.sizes.length), 'messages'), tcp: num(0, 'messages') },
    {
      id: 'lost-there',
      measurement: 'of which lost on the way there (the echo server counts)',
      udp: split((server) => count - server.received),
      tcp: na('TCP retransmits: nothing is lost either way'),
    },
    {
      id: 'lost-back',
      measurement: 'of which lost on the way back',
      udp: split((server) => server.echoed - udp.sizes.length),
      tcp: na('TCP retransmits: nothing is lost either way'),
    },
    { id: 'sizes-kept', measurement: 'each read is one message, as sent', udp: word(eachAsSent(sizes, udp.sizes)), tcp: word(tcpKept(sizes, tcpChunks)) },
    { id: 'sizes-sent', measurement: 'first sizes sent', udp: sizesSent, tcp: sizesSent },
    { id: 'sizes-read', measurement: 'first sizes read', udp: word(udp.sizes.slice(0, 5).join(', ')), tcp: word(tcpChunks.slice(0, 5).join(', ')) },
  ];
}

/** Whether TCP's reads happened to match the messages one for one. */
function tcpKept(sizes: readonly number[], chunks: readonly number[]): boolean {
  return chunks.length === sizes.length && chunks.every((s, i) => s === sizes[i]);
}

/** The sentence: what each transport gave back, and what that means for a reader; where UDP's loss happened. */
function boundarySentence(sizes: readonly number[], udp: UdpOutcome, tcpChunks: readonly number[]): string {
  const count = sizes.length;
  const lost = count - udp.sizes.length;
  const udpKept = eachAsSent(sizes, udp.sizes);
  const tcpReads = cellText(num(tcpChunks.length, 'reads'));
  const tcpBytes = cellText(num(tcpChunks.reduce((a, b) => a + b, 0), 'bytes'));
  const tcpShape = tcpKept(sizes, tcpChunks)
    ? ' that happened to match the messages'
    : tcpChunks.length === 1
      ? ', not one read per message'
      : ' whose sizes do not match the messages';
  let where = '';
  if (lost > 0 && udp.server === undefined) where = ` The loss cannot be split into the way there and back: ${udp.noSplit}.`;
  else if (lost > 0 && udp.server !== undefined) {
    const there = Math.max(0, count - udp.server.received);
    const back = Math.max(0, udp.server.echoed - udp.sizes.length);
    where = ` Of the ${lost} lost, ${there} went missing on the way there and ${back} on the way back, by the echo server's own count.`;
  }
  return (
    `UDP gave back ${cellText(num(udp.sizes.length, 'reads'))} for ${cellText(num(count, 'messages'))}` +
    `${lost > 0 ? ` (${lost} lost on the way)` : ''}, ${udpKept ? 'each exactly one message as sent' : 'but not each as one message as sent'}; ` +
    `TCP delivered the same ${tcpBytes} in ${tcpReads}${tcpShape}, so a TCP reader must frame its messages itself.${where}`
  );
}

export const boundaries: Scenario = {
  name: 'boundaries',
  title: 'Message boundaries',
  localOnly: false,
  async run({ target, workload, progress }) {
    const count = Math.min(workload.messages, 200);
    // Sizes up to twice --size, but never past what one datagram carries (--size 60000 would ask for 120,000).
    const sizes = boundarySizes(count, Math.min(Math.max(workload.size, 16) * 2, MAX_DATAGRAM[target.family]));
    progress(`boundaries: ${count} messages`);
    const udp = await udpRound(target, sizes);
    const tcpChunks = await tcpRound(target, sizes);
    // The first 40 messages, and the reads that brought back the same bytes.
    const shown = sizes.slice(0, 40);
    return {
      plots: { blocks: { sent: shown, udp: udp.sizes.slice(0, 40), tcp: covering(tcpChunks, shown.reduce((a, b) => a + b, 0)) } },
      rows: boundaryRows(sizes, udp, tcpChunks),
      sentence: boundarySentence(sizes, udp, tcpChunks),
    };
  },
};
