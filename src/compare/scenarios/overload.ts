/** Scenario 5, overload: an unpaced sender against a slowed receiver with a small receive buffer. */
import { deliveryBins, na, num } from '../figures.js';
import { cellText } from '../render.js';
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
    const udpSender = num(udp.blast.ms, 'ms');
    const tcpSender = num(tcp.blast.ms, 'ms');
    const lost = num(udp.account.lost, 'messages');
    const udpBins = deliveryBins(udp.receiver.arrivals, udp.blast.sent);
    const tcpBins = deliveryBins(tcp.receiver.arrivals, tcp.blast.sent);
    return {
      plots: { delivery: { binSize: udpBins.binSize, udp: udpBins.shares, tcp: tcpBins.shares } },
      rows: [
        { id: 'sent', measurement: 'messages sent', udp: num(udp.blast.sent, 'messages'), tcp: num(tcp.blast.sent, 'messages') },
        { id: 'delivered', measurement: 'delivered', udp: pct(udp.account.deliveredFraction), tcp: pct(tcp.account.deliveredFraction) },
        { id: 'lost', measurement: 'lost (by sequence number)', udp: lost, tcp: num(tcp.account.lost, 'messages') },
        {
          id: 'kernel-drops',
          measurement: "dropped by the receiver's kernel",
          udp: num(udp.receiver.kernelDrops ?? Number.NaN, 'datagrams', 'the socket drop counter (/proc/net/udp) cannot be read here'),
          tcp: na('TCP never drops what it accepted: flow control slows the sender instead'),
        },
        { id: 'sender-busy', measurement: 'sender busy for', udp: udpSender, tcp: tcpSender },
        { id: 'receiver-busy', measurement: 'receiver busy for', udp: num(udp.receiver.spanMs, 'ms'), tcp: num(tcp.receiver.spanMs, 'ms') },
      ],
      sentence:
        `The UDP sender finished in ${cellText(udpSender)} and ${udp.account.lost.toLocaleString('en-US')} of ${cellText(num(udp.blast.sent, 'messages'))} ` +
        `${udp.account.lost > 0 ? 'were dropped at the full receive buffer, silently' : 'were lost (the receiver kept up this time)'}; ` +
        `TCP lost ${tcp.account.lost}: backpressure held its sender to the receiver's pace (${cellText(tcpSender)}).`,
    };
  },
};
