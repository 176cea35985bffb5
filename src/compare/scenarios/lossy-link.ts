/** Scenario 8, lossy link: two network namespaces, a random drop (and duplicate) rule, both transports across it. */
import { createLossyLink, lossyLinkUnavailable } from '../netns.js';
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Scenario } from '../types.js';
import { sequenceRows } from './order.js';

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
        recvWrapper: ['ip', 'netns', 'exec', link.receiverNs],
        sendWrapper: ['ip', 'netns', 'exec', link.senderNs],
      };
      progress(`lossy-link: ${workload.messages} messages over udp at ${workload.loss * 100}% loss`);
      const udp = await oneWay({ protocol: 'udp', ...common });
      progress(`lossy-link: ${workload.messages} messages over tcp at ${workload.loss * 100}% loss`);
      const tcp = await oneWay({ protocol: 'tcp', ...common });
      const a = udp.account;
      return {
        rows: sequenceRows(udp, tcp),
        sentence:
          `With ${(workload.loss * 100).toFixed(1)}% of packets dropped${workload.duplicate > 0 ? ` and ${(workload.duplicate * 100).toFixed(1)}% duplicated` : ''}, ` +
          `UDP delivered ${(a.deliveredFraction * 100).toFixed(1)}% (${a.duplicates} twice, ${a.reordered} out of order); ` +
          `TCP delivered ${(tcp.account.deliveredFraction * 100).toFixed(1)}% in order by retransmitting, and paid for it in tail latency.`,
      };
    } finally {
      link.destroy();
    }
  },
};
