/**
 * Scenario 10, jitter: both transports through udp-proxy on loopback with 20 ms ± 10 ms of delay, no privilege
 * needed. UDP arrives early or late and out of order; TCP arrives in order, each message waiting for the slowest
 * before it, so its tail delay is the higher.
 */
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Scenario } from '../types.js';
import { rowOf, sequenceRows } from './order.js';
import { num, percentile, quantiles, ratioPhrase } from '../figures.js';
import { cellText } from '../render.js';
import { proxy } from '../../proxy/proxy.js';
import { proxyTcp } from '../../proxy/tcp-proxy.js';

/** The link: 20 ms of delay with a standard deviation of 10 ms, client to receiver. */
const LINK = { delayMs: 20, jitterMs: 10 };

export const jitter: Scenario = {
  name: 'jitter',
  title: 'Jitter (udp-proxy, 20 ms ± 10 ms, no root)',
  localOnly: true,
  unavailable: () => Promise.resolve(peerUnavailable()),
  async run({ workload, progress }) {
    // The sender runs as a process of its own: in this one, its send loop would hold up the proxy's delay line.
    const common = { host: '127.0.0.1', count: workload.messages, size: workload.size, rate: workload.rate, sendWrapper: [] };
    const target = (port: number) => ({ port: 0, host: '127.0.0.1', target: { host: '127.0.0.1', port }, up: LINK, seed: 1 });
    progress(`jitter: ${workload.messages} messages over udp through udp-proxy at 20 ms ± 10 ms`);
    const udp = await oneWay({ protocol: 'udp', ...common, via: async (port) => { const p = await proxy(target(port)); return { port: p.local.port, close: () => p.close() }; } });
    progress(`jitter: ${workload.messages} messages over tcp through udp-proxy --tcp at 20 ms ± 10 ms`);
    const tcp = await oneWay({ protocol: 'tcp', ...common, via: async (port) => { const p = await proxyTcp(target(port)); return { port: p.local.port, close: () => p.close() }; } });
    const asked = (ms: number) => num(ms, 'ms');
    const rows = [
      { id: 'link-delay', measurement: 'link delay asked (udp-proxy)', udp: asked(LINK.delayMs), tcp: asked(LINK.delayMs) },
      { id: 'link-jitter', measurement: 'link jitter asked (standard deviation)', udp: asked(LINK.jitterMs), tcp: asked(LINK.jitterMs) },
      ...sequenceRows(udp, tcp),
    ];
    const tail = ratioPhrase(percentile(udp.receiver.delays, 99), percentile(tcp.receiver.delays, 99), 'higher', 'lower');
    const t = tcp.account;
    return {
      rows,
      plots: { cdf: { label: 'one-way delay', unit: 'ms', udp: quantiles(udp.receiver.delays), tcp: quantiles(tcp.receiver.delays) } },
      sentence:
        `Through a link of ${cellText(rowOf(rows, 'link-delay').udp)} ± ${cellText(rowOf(rows, 'link-jitter').udp)}, UDP delivered ${udp.account.reordered} of ${cellText(rowOf(rows, 'sent').udp)} out of order ` +
        `(delay variation |IPDV| p99 ${cellText(rowOf(rows, 'ipdv-p99').udp)}); TCP ` +
        `${t.reordered === 0 ? 'delivered every message in order' : `reordered ${t.reordered}`}, each waiting for the slowest before it, ` +
        `so its p99 one-way delay was ${tail === 'about the same' ? "about the same as UDP's" : `${tail} than UDP's`} ` +
        `(${cellText(rowOf(rows, 'delay-p99').tcp)} against ${cellText(rowOf(rows, 'delay-p99').udp)}).`,
    };
  },
};
