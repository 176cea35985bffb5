/**
 * Scenario 10, jitter: both transports through udp-proxy on loopback with 20 ms ± 10 ms of delay, no privilege
 * needed. UDP arrives early or late and out of order; TCP arrives in order, each message waiting for the slowest
 * before it (head-of-line blocking), so every quantile of its delay is at least UDP's: the median far above (at
 * 1,000 messages/s about 1.5× UDP's), the p99 a little (5 to 10% in simulation: the tail of one draw is already
 * near the slowest before it). Paced at 1,000 messages/s at most: at 10,000/s a relay sharing a loaded machine
 * fell behind and UDP's delays grew by what it queued (p50 50 to 86 ms for 20 asked), so the tail measured the
 * machine, not the link.
 */
import { oneWay, type OneWayResult } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Scenario } from '../types.js';
import { rowOf, sequenceRows } from './order.js';
import { num, percentile, quantiles, ratioPhrase } from '../figures.js';
import { cellText } from '../render.js';
import { proxy } from '../../proxy/proxy.js';
import { proxyTcp } from '../../proxy/tcp-proxy.js';

/** The link: 20 ms of delay with a standard deviation of 10 ms, client to receiver. */
const LINK = { delayMs: 20, jitterMs: 10 };
/** The most messages per second the scenario sends (a busy game server's rate); `--rate` lower is kept. */
export const JITTER_RATE = 1000;
/** UDP's median past the asked delay by more than this: the relay fell behind, and the sentence says so. */
const BEHIND_MS = 3;

/** How TCP's p99 compares with UDP's, as the cells show it (`above UDP's`, `2.1× UDP's`), and why when below. */
function tailPhrase(udp: OneWayResult, tcp: OneWayResult): string {
  const [u99, t99] = [percentile(udp.receiver.delays, 99), percentile(tcp.receiver.delays, 99)];
  if (!(u99 > 0 && t99 > 0)) return 'not comparable with UDP\'s';
  const ratio = ratioPhrase(u99, t99, 'UDP\'s', 'UDP\'s');
  if (t99 === u99) return 'the same as UDP\'s';
  if (t99 > u99) return ratio === 'about the same' ? 'a little above UDP\'s' : ratio;
  // Delays are in milliseconds.
  const behind = percentile(udp.receiver.delays, 50) - LINK.delayMs > BEHIND_MS;
  return `below UDP's${behind ? ', UDP\'s delays having run above what the link adds (the relay fell behind on a busy machine)' : ''}`;
}

export const jitter: Scenario = {
  name: 'jitter',
  title: 'Jitter (udp-proxy, 20 ms ± 10 ms, no root)',
  localOnly: true,
  unavailable: () => Promise.resolve(peerUnavailable()),
  async run({ workload, progress }) {
    // The sender runs as a process of its own: in this one, its send loop would hold up the proxy's delay line.
    const rate = workload.rate > 0 ? Math.min(workload.rate, JITTER_RATE) : JITTER_RATE;
    const common = { host: '127.0.0.1', count: workload.messages, size: workload.size, rate, sendWrapper: [] };
    const target = (port: number) => ({ port: 0, host: '127.0.0.1', target: { host: '127.0.0.1', port }, up: LINK, seed: 1 });
    progress(`jitter: ${workload.messages} messages at ${rate}/s over udp through udp-proxy at 20 ms ± 10 ms`);
    const udp = await oneWay({ protocol: 'udp', ...common, via: async (port) => { const p = await proxy(target(port)); return { port: p.local.port, close: () => p.close() }; } });
    progress(`jitter: ${workload.messages} messages at ${rate}/s over tcp through udp-proxy --tcp at 20 ms ± 10 ms`);
    const tcp = await oneWay({ protocol: 'tcp', ...common, via: async (port) => { const p = await proxyTcp(target(port)); return { port: p.local.port, close: () => p.close() }; } });
    const asked = (ms: number) => num(ms, 'ms');
    const rows = [
      { id: 'link-delay', measurement: 'link delay asked (udp-proxy)', udp: asked(LINK.delayMs), tcp: asked(LINK.delayMs) },
      { id: 'link-jitter', measurement: 'link jitter asked (standard deviation)', udp: asked(LINK.jitterMs), tcp: asked(LINK.jitterMs) },
      { id: 'pace', measurement: 'messages sent per second', udp: num(rate, 'messages/s'), tcp: num(rate, 'messages/s') },
      ...sequenceRows(udp, tcp),
    ];
    const middle = ratioPhrase(percentile(udp.receiver.delays, 50), percentile(tcp.receiver.delays, 50), 'UDP\'s', 'UDP\'s');
    const t = tcp.account;
    return {
      rows,
      plots: { cdf: { label: 'one-way delay', unit: 'ms', udp: quantiles(udp.receiver.delays), tcp: quantiles(tcp.receiver.delays) } },
      sentence:
        `Through a link of ${cellText(rowOf(rows, 'link-delay').udp)} ± ${cellText(rowOf(rows, 'link-jitter').udp)}, UDP delivered ${udp.account.reordered} of ${cellText(rowOf(rows, 'sent').udp)} out of order ` +
        `(delay variation |IPDV| p99 ${cellText(rowOf(rows, 'ipdv-p99').udp)}); TCP ` +
        `${t.reordered === 0 ? 'delivered every message in order' : `reordered ${t.reordered}`}, each waiting for the slowest before it: ` +
        `its median one-way delay was ${middle === 'about the same' ? "about the same as UDP's" : middle} ` +
        `(${cellText(rowOf(rows, 'delay-p50').tcp)} against ${cellText(rowOf(rows, 'delay-p50').udp)}), its p99 ${tailPhrase(udp, tcp)} ` +
        `(${cellText(rowOf(rows, 'delay-p99').tcp)} against ${cellText(rowOf(rows, 'delay-p99').udp)}).`,
    };
  },
};
