/** Scenario 6, order, loss and duplicates: numbered, time-stamped messages counted at the receiver. */
import { num, percentile } from '../figures.js';
import { oneWay, type OneWayResult } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Row, Scenario } from '../types.js';

/** The rows every sequence-counting scenario reports. */
export function sequenceRows(udp: OneWayResult, tcp: OneWayResult): Row[] {
  const pct = (fraction: number) => num(fraction * 100, '%');
  const us = (values: number[], p: number) => num(percentile(values, p) * 1000, 'µs');
  return [
    { measurement: 'messages sent', udp: num(udp.blast.sent, 'messages'), tcp: num(tcp.blast.sent, 'messages') },
    { measurement: 'delivered (distinct)', udp: pct(udp.account.deliveredFraction), tcp: pct(tcp.account.deliveredFraction) },
    { measurement: 'lost', udp: num(udp.account.lost, 'messages'), tcp: num(tcp.account.lost, 'messages') },
    { measurement: 'duplicated', udp: num(udp.account.duplicates, 'messages'), tcp: num(tcp.account.duplicates, 'messages') },
    { measurement: 'reordered', udp: num(udp.account.reordered, 'messages'), tcp: num(tcp.account.reordered, 'messages') },
    { measurement: 'one-way delay p50', udp: us(udp.receiver.delays, 50), tcp: us(tcp.receiver.delays, 50) },
    { measurement: 'one-way delay p99', udp: us(udp.receiver.delays, 99), tcp: us(tcp.receiver.delays, 99) },
    { measurement: 'one-way delay max', udp: us(udp.receiver.delays, 100), tcp: us(tcp.receiver.delays, 100) },
  ];
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
    return {
      rows: sequenceRows(udp, tcp),
      sentence:
        a.lost + a.duplicates + a.reordered === 0
          ? `On loopback at ${workload.rate} messages/s UDP happened to deliver everything once and in order too; ` +
            'nothing in UDP promises it (see lossy-link), while TCP does.'
          : `UDP lost ${a.lost}, duplicated ${a.duplicates} and reordered ${a.reordered} of ${a.sent}; TCP delivered every message once, in order.`,
    };
  },
};
