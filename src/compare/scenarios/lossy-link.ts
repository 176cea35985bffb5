/** Scenario 8, lossy link: two network namespaces, a random drop (and duplicate) rule, both transports across it. */
import { createLossyLink, lossyLinkUnavailable } from '../netns.js';
import { inNamespace } from '../ns-host.js';
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Scenario } from '../types.js';
import { rowOf, sequenceRows } from './order.js';
import { deliveryBins, percentile, quantiles, ratioPhrase } from '../figures.js';
import { cellText, readable } from '../render.js';

export const lossyLink: Scenario = {
  name: 'lossy-link',
  title: 'Lossy link (network namespaces, nftables)',
  localOnly: true,
  unavailable: () => Promise.resolve(lossyLinkUnavailable() ?? peerUnavailable()),
  async run({ workload, progress }) {
    const link = createLossyLink(workload.loss, workload.duplicate);
    try {
      const common = {
        host: link.receiverAddress,
        count: workload.messages,
        size: workload.size,
        rate: workload.rate,
        recvWrapper: inNamespace(link.receiverNs),
        sendWrapper: inNamespace(link.senderNs),
      };
      progress(`lossy-link: ${workload.messages} messages over udp at ${workload.loss * 100}% loss`);
      const udp = await oneWay({ protocol: 'udp', ...common });
      progress(`lossy-link: ${workload.messages} messages over tcp at ${workload.loss * 100}% loss`);
      const tcp = await oneWay({ protocol: 'tcp', ...common });
      const a = udp.account;
      const rows = sequenceRows(udp, tcp);
      const tail = ratioPhrase(percentile(udp.receiver.delays, 99), percentile(tcp.receiver.delays, 99), 'higher', 'lower');
      const udpBins = deliveryBins(udp.receiver.arrivals, udp.blast.sent);
      const tcpBins = deliveryBins(tcp.receiver.arrivals, tcp.blast.sent);
      return {
        rows,
        plots: {
          cdf: { label: 'one-way delay', unit: 'ms', udp: quantiles(udp.receiver.delays), tcp: quantiles(tcp.receiver.delays) },
          delivery: { binSize: udpBins.binSize, udp: udpBins.shares, tcp: tcpBins.shares },
        },
        sentence:
          `With ${readable(workload.loss * 100)}% of packets dropped${workload.duplicate > 0 ? ` and ${readable(workload.duplicate * 100)}% duplicated` : ''}, ` +
          `UDP delivered ${cellText(rowOf(rows, 'delivered').udp)} (${a.duplicates} twice, ${a.reordered} out of order); ` +
          `TCP delivered ${cellText(rowOf(rows, 'delivered').tcp)} in order by retransmitting, and its p99 one-way delay was ` +
          `${tail === 'about the same' ? 'about the same as UDP\'s' : `${tail} than UDP's`} (${cellText(rowOf(rows, 'delay-p99').tcp)} against ${cellText(rowOf(rows, 'delay-p99').udp)}).`,
      };
    } finally {
      link.destroy();
    }
  },
};
