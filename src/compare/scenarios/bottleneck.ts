/**
 * Scenario 9, a congested link: sender → router → receiver in three network namespaces, a tbf qdisc on the router's
 * link toward the receiver. The router matters: a qdisc on the sender's own interface pushes back on the sending
 * socket, and UDP then shows no loss at all. UDP offered at twice the link rate loses about half, its delay held
 * at the queue's bound; TCP's congestion control settles near the link rate with no loss, and its delay grows.
 */
import { bottleneckUnavailable, createRoutedLine, shapeLink } from '../netns.js';
import { median, num, percentile, ratioPhrase } from '../figures.js';
import { inNamespace } from '../ns-host.js';
import { oneWay, type OneWayResult } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import { cellText, readable } from '../render.js';
import type { Row, Sample, Scenario } from '../types.js';

/** Message size: near a full Ethernet frame, so packets per second stay modest. */
const SIZE = 1200;
/** Bytes on the wire per message besides the payload (IPv4 20, UDP 8, Ethernet 14). */
const OVERHEAD = 42;
/** How long each transport is offered twice the link rate. */
const SECONDS = 3;
/** One sample per this many milliseconds. */
const SLICE_MS = 100;

/** Throughput and the median delay per 100 ms slice, from arrival times and one-way delays. */
export function slices(times: readonly number[], delays: readonly number[], size: number): Sample[] {
  const count = times.length === 0 ? 0 : Math.floor(Math.max(...times) / SLICE_MS) + 1;
  const bins = Array.from({ length: count }, () => ({ bytes: 0, delays: [] as number[] }));
  times.forEach((t, i) => {
    const bin = bins[Math.floor(t / SLICE_MS)];
    if (bin === undefined) return;
    bin.bytes += size;
    if (delays[i] !== undefined) bin.delays.push(delays[i]);
  });
  return bins.map((bin, i) => ({
    t: (i * SLICE_MS) / 1000,
    mbps: (bin.bytes * 8) / (SLICE_MS / 1000) / 1e6,
    delayMs: bin.delays.length === 0 ? null : median(bin.delays),
  }));
}

/** Payload megabits per second from the first arrival to the last. */
function goodput(run: OneWayResult, size: number): number {
  const last = run.receiver.times.at(-1) ?? 0;
  return last > 0 ? (run.account.unique * size * 8) / (last / 1000) / 1e6 : Number.NaN;
}

/** `1.9× more than`, `about what`: how TCP's goodput compares with UDP's, to go before "UDP got through". */
function phraseOf(udp: number, tcp: number): string {
  const phrase = ratioPhrase(udp, tcp, 'more than', 'less than');
  return phrase === 'about the same' ? 'about what' : phrase;
}

export const bottleneck: Scenario = {
  name: 'bottleneck',
  title: 'Congested link (sender, router, receiver; tbf)',
  localOnly: true,
  unavailable: () => Promise.resolve(bottleneckUnavailable() ?? peerUnavailable()),
  async run({ workload, progress }) {
    const line = createRoutedLine();
    try {
      shapeLink(line, workload.linkRate, workload.linkBufferMs);
      const wrappers = { recvWrapper: inNamespace(line.receiver.ns), sendWrapper: inNamespace(line.sender.ns) };
      const host = line.receiver.v4;
      // Twice the link rate, counting what each message costs on the wire.
      const offered = Math.ceil((2 * workload.linkRate) / ((SIZE + OVERHEAD) * 8));
      const count = offered * SECONDS;
      progress('bottleneck: the unloaded path');
      const idle = await oneWay({ protocol: 'udp', host, count: 50, size: SIZE, rate: 50, ...wrappers });
      const unloaded = median(idle.receiver.delays);
      progress(`bottleneck: ${count} datagrams at ${offered}/s over udp`);
      const udp = await oneWay({ protocol: 'udp', host, count, size: SIZE, rate: offered, ...wrappers });
      progress(`bottleneck: ${count} messages at ${offered}/s over tcp`);
      const tcp = await oneWay({ protocol: 'tcp', host, count, size: SIZE, rate: offered, ...wrappers });

      const link = workload.linkRate / 1e6;
      const offeredMbps = num((offered * SIZE * 8) / 1e6, 'Mbit/s');
      const udpGood = num(goodput(udp, SIZE), 'Mbit/s');
      const tcpGood = num(goodput(tcp, SIZE), 'Mbit/s');
      const ms = (values: number[], p: number) => num(percentile(values, p), 'ms', 'nothing arrived');
      const idleDelay = num(unloaded, 'ms', 'nothing arrived on the unloaded path');
      const rows: Row[] = [
        { id: 'link', measurement: `link rate (tbf, queue ${readable(workload.linkBufferMs)} ms)`, udp: num(link, 'Mbit/s'), tcp: num(link, 'Mbit/s') },
        { id: 'offered', measurement: `offered (${SIZE}-byte messages for ${SECONDS} s)`, udp: offeredMbps, tcp: offeredMbps },
        { id: 'delivered', measurement: 'delivered', udp: num(udp.account.deliveredFraction * 100, '%'), tcp: num(tcp.account.deliveredFraction * 100, '%') },
        { id: 'lost', measurement: 'lost', udp: num(udp.account.lost, 'messages'), tcp: num(tcp.account.lost, 'messages') },
        { id: 'goodput', measurement: 'received, first to last arrival', udp: udpGood, tcp: tcpGood },
        { id: 'unloaded-delay', measurement: 'one-way delay on the unloaded path (p50)', udp: idleDelay, tcp: idleDelay },
        { id: 'delay-p50', measurement: 'one-way delay under load p50', udp: ms(udp.receiver.delays, 50), tcp: ms(tcp.receiver.delays, 50) },
        { id: 'delay-p99', measurement: 'one-way delay under load p99', udp: ms(udp.receiver.delays, 99), tcp: ms(tcp.receiver.delays, 99) },
      ];
      const rowText = (id: string, side: 'udp' | 'tcp'): string => cellText((rows.find((r) => r.id === id) as Row)[side]);
      return {
        rows,
        series: { udp: slices(udp.receiver.times, udp.receiver.delays, SIZE), tcp: slices(tcp.receiver.times, tcp.receiver.delays, SIZE) },
        sentence:
          `Offered ${cellText(offeredMbps)} through a ${readable(link)} Mbit/s link, UDP delivered ${rowText('delivered', 'udp')} ` +
          `(${rowText('lost', 'udp')} lost at the full queue) at ${cellText(udpGood)}, its p50 delay ${rowText('delay-p50', 'udp')} against ` +
          `${cellText(idleDelay)} unloaded; TCP delivered ${rowText('delivered', 'tcp')} at ${cellText(tcpGood)}, ` +
          `${phraseOf(goodput(udp, SIZE), goodput(tcp, SIZE))} UDP got through, its congestion control holding ` +
          `the sender near the link rate while its p50 delay (from write to read: its own send buffer included) rose to ${rowText('delay-p50', 'tcp')}.`,
      };
    } finally {
      line.destroy();
    }
  },
};
