/** Scenario 6, order, loss and duplicates: numbered, time-stamped messages counted at the receiver. */
import { num, percentile } from '../figures.js';
import { interarrivalJitter, ipdv } from '../jitter.js';
import { cellText } from '../render.js';
import { oneWay, type OneWayResult } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Row, Scenario } from '../types.js';

/** The rows every sequence-counting scenario reports, jitter included (RFC 3550 and IPDV, as irtt reports them). */
export function sequenceRows(udp: OneWayResult, tcp: OneWayResult): Row[] {
  const pct = (fraction: number) => num(fraction * 100, '%');
  const us = (values: number[], p: number) => num(percentile(values, p) * 1000, 'µs', 'no message arrived');
  const jitter = (r: OneWayResult) => num(interarrivalJitter(r.receiver.delays) * 1000, 'µs', 'fewer than two arrivals');
  const variation = (r: OneWayResult, p: number) => {
    const values = ipdv(r.receiver.arrivals, r.receiver.delays).map(Math.abs);
    return num(percentile(values, p) * 1000, 'µs', 'no two consecutive messages arrived');
  };
  return [
    { id: 'sent', measurement: 'messages sent', udp: num(udp.blast.sent, 'messages'), tcp: num(tcp.blast.sent, 'messages') },
    { id: 'delivered', measurement: 'delivered (distinct)', udp: pct(udp.account.deliveredFraction), tcp: pct(tcp.account.deliveredFraction) },
    { id: 'lost', measurement: 'lost', udp: num(udp.account.lost, 'messages'), tcp: num(tcp.account.lost, 'messages') },
    { id: 'duplicated', measurement: 'duplicated', udp: num(udp.account.duplicates, 'messages'), tcp: num(tcp.account.duplicates, 'messages') },
    { id: 'reordered', measurement: 'reordered', udp: num(udp.account.reordered, 'messages'), tcp: num(tcp.account.reordered, 'messages') },
    { id: 'delay-p50', measurement: 'one-way delay p50', udp: us(udp.receiver.delays, 50), tcp: us(tcp.receiver.delays, 50) },
    { id: 'delay-p99', measurement: 'one-way delay p99', udp: us(udp.receiver.delays, 99), tcp: us(tcp.receiver.delays, 99) },
    { id: 'delay-max', measurement: 'one-way delay max', udp: us(udp.receiver.delays, 100), tcp: us(tcp.receiver.delays, 100) },
    { id: 'jitter', measurement: 'interarrival jitter (RFC 3550)', udp: jitter(udp), tcp: jitter(tcp) },
    { id: 'ipdv-p50', measurement: 'delay variation |IPDV| p50', udp: variation(udp, 50), tcp: variation(tcp, 50) },
    { id: 'ipdv-p99', measurement: 'delay variation |IPDV| p99', udp: variation(udp, 99), tcp: variation(tcp, 99) },
  ];
}

/** The row with `id` (the scenario's own rows: it is there). */
export function rowOf(rows: readonly Row[], id: string): Row {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`no row ${id}`);
  return row;
}

export const order: Scenario = {
  name: 'order',
  title: 'Order, loss and duplicates',
  localOnly: true,
  unavailable: () => Promise.resolve(peerUnavailable()),
  async run({ workload, progress }) {
    const common = { host: '127.0.0.1', count: workload.messages, size: workload.size, rate: workload.rate };
    progress(`order: ${workload.messages} numbered messages over udp`);
    const udp = await oneWay({ protocol: 'udp', ...common });
    progress(`order: ${workload.messages} numbered messages over tcp`);
    const tcp = await oneWay({ protocol: 'tcp', ...common });
    const a = udp.account;
    const t = tcp.account;
    const rows = sequenceRows(udp, tcp);
    return {
      rows,
      sentence:
        (a.lost + a.duplicates + a.reordered === 0
          ? `On loopback at ${workload.rate} messages/s UDP happened to deliver all ${a.sent} once and in order; nothing in UDP promises it (see lossy-link)`
          : `UDP lost ${a.lost}, duplicated ${a.duplicates} and reordered ${a.reordered} of ${a.sent}`) +
        `; TCP ${t.lost + t.duplicates + t.reordered === 0 ? 'delivered every message once, in order' : `lost ${t.lost}, duplicated ${t.duplicates} and reordered ${t.reordered}`}. ` +
        `Jitter (RFC 3550) was ${cellText(rowOf(rows, 'jitter').udp)} over UDP and ${cellText(rowOf(rows, 'jitter').tcp)} over TCP.`,
    };
  },
};
