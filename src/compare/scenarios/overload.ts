/** Scenario 5, overload: an unpaced sender against a slowed receiver with a small receive buffer. */
import { num } from '../figures.js';
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Scenario } from '../types.js';

/** Receiver busy time per message: about 40,000 messages/s at most. */
const SLOW_US = 25;
/** A small receive buffer (the kernel doubles it). */
const SMALL_RCVBUF = 64 * 1024;

export const overload: Scenario = {
  name: 'overload',
  title: 'Overload: fast sender, slow receiver',
  localOnly: true,
  unavailable: () => Promise.resolve(peerUnavailable()),
  async run({ workload, progress }) {
    const count = Math.max(workload.messages * 5, 2000);
    const size = Math.max(workload.size, 16);
    progress(`overload: ${count} messages over udp`);
    const udp = await oneWay({ protocol: 'udp', host: '127.0.0.1', count, size, rate: 0, slowUs: SLOW_US, rcvbuf: SMALL_RCVBUF });
    progress(`overload: ${count} messages over tcp`);
    const tcp = await oneWay({ protocol: 'tcp', host: '127.0.0.1', count, size, rate: 0, slowUs: SLOW_US });
    const pct = (fraction: number) => num(fraction * 100, '%');
    return {
      rows: [
        { measurement: 'messages sent', udp: num(udp.blast.sent, 'messages'), tcp: num(tcp.blast.sent, 'messages') },
        { measurement: 'delivered', udp: pct(udp.account.deliveredFraction), tcp: pct(tcp.account.deliveredFraction) },
        { measurement: 'lost (by sequence number)', udp: num(udp.account.lost, 'messages'), tcp: num(tcp.account.lost, 'messages') },
        { measurement: "dropped by the receiver's kernel", udp: num(udp.receiver.kernelDrops ?? Number.NaN, 'datagrams'), tcp: { value: null } },
        { measurement: 'sender busy for', udp: num(udp.blast.ms, 'ms'), tcp: num(tcp.blast.ms, 'ms') },
        { measurement: 'receiver busy for', udp: num(udp.receiver.spanMs, 'ms'), tcp: num(tcp.receiver.spanMs, 'ms') },
      ],
      sentence:
        `The UDP sender finished in ${udp.blast.ms.toFixed(0)} ms and ${udp.account.lost} of ${count} datagrams ` +
        `${udp.account.lost > 0 ? 'were dropped at the full receive buffer, silently' : 'were lost (the receiver kept up this time)'}; ` +
        `TCP lost ${tcp.account.lost}: backpressure held its sender to the receiver's pace (${tcp.blast.ms.toFixed(0)} ms).`,
    };
  },
};
