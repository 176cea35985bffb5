/** Scenario 7, latency and throughput: ping-pong round trips through the echo peer, and one-way rates. */
import { na, num, percentile, quantiles, ratioPhrase } from '../figures.js';
import { UdpkitError } from '../../errors.js';
import { formatEndpoint } from '../../format/endpoint.js';
import { interarrivalJitter, ipdv } from '../jitter.js';
import { cellText } from '../render.js';
import { tcpEchoClient, udpEchoClient } from '../echo-client.js';
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Row, Scenario } from '../types.js';

export const latency: Scenario = {
  name: 'latency',
  title: 'Latency and throughput',
  localOnly: false,
  async run({ target, workload, progress }) {
    const exchanges = Math.min(workload.messages, 5000);
    const payload = Buffer.alloc(Math.max(workload.size, 1), 0x70);
    /** Round trips in milliseconds of `exchanges` ping-pongs, one at a time. */
    const pingPong = async (name: string, exchange: () => Promise<unknown>): Promise<number[]> => {
      const rtt: number[] = [];
      for (let i = 0; i < exchanges; i++) {
        if (i % 500 === 0) progress(`latency: ${name} ping-pong ${i}/${exchanges}`);
        const t0 = performance.now();
        await exchange();
        rtt.push(performance.now() - t0);
      }
      return rtt;
    };
    // UDP: a ping that gets no echo within a second is lost, not a failure. The next one goes from a fresh socket,
    // so that a late echo is never taken for its answer; ten in a row unanswered means there is nothing to measure.
    let udp = await udpEchoClient(target);
    const udpRtt: number[] = [];
    let udpLost = 0;
    try {
      for (let i = 0, streak = 0; i < exchanges && streak < 10; i++) {
        if (i % 500 === 0) progress(`latency: udp ping-pong ${i}/${exchanges}`);
        const t0 = performance.now();
        try {
          await udp.exchange(payload, 1000);
          udpRtt.push(performance.now() - t0);
          streak = 0;
        } catch (error) {
          if (!(error instanceof UdpkitError && error.code === 'E_TIMEOUT')) throw error;
          udpLost += 1;
          streak += 1;
          await udp.close();
          udp = await udpEchoClient(target);
        }
      }
    } finally {
      await udp.close();
    }
    if (udpRtt.length === 0) {
      throw new UdpkitError('E_TIMEOUT', `no echo from ${formatEndpoint({ address: target.host, port: target.udpPort })} over udp: 10 pings in a row unanswered`);
    }
    const tcp = await tcpEchoClient(target);
    let tcpRtt: number[];
    try {
      tcpRtt = await pingPong('tcp', () => tcp.exchange(payload));
    } finally {
      tcp.close();
    }
    const us = (values: number[], p: number) => num(percentile(values, p) * 1000, 'µs');
    // Round-trip variation: RFC 3550's estimator over the round trips, and IPDV between consecutive exchanges.
    const rttJitter = (values: number[]) => num(interarrivalJitter(values) * 1000, 'µs');
    const rttIpdv = (values: number[], p: number) => num(percentile(ipdv(values.map((_, i) => i), values).map(Math.abs), p) * 1000, 'µs');
    const rows: Row[] = [
      { id: 'rtt-lost', measurement: 'pings without an echo within 1 s', udp: num(udpLost, 'messages'), tcp: na('TCP retransmits: an answer can be late, never lost') },
      { id: 'rtt-p50', measurement: `round trip p50 (${exchanges} ping-pongs)`, udp: us(udpRtt, 50), tcp: us(tcpRtt, 50) },
      { id: 'rtt-p99', measurement: 'round trip p99', udp: us(udpRtt, 99), tcp: us(tcpRtt, 99) },
      { id: 'rtt-max', measurement: 'round trip max', udp: us(udpRtt, 100), tcp: us(tcpRtt, 100) },
      { id: 'rtt-jitter', measurement: 'round-trip jitter (RFC 3550 estimator)', udp: rttJitter(udpRtt), tcp: rttJitter(tcpRtt) },
      { id: 'rtt-ipdv-p99', measurement: 'round-trip variation |IPDV| p99', udp: rttIpdv(udpRtt, 99), tcp: rttIpdv(tcpRtt, 99) },
    ];
    let throughput = '';
    if (target.local && peerUnavailable() === undefined) {
      const count = Math.max(workload.messages * 20, 10_000);
      const common = { host: '127.0.0.1', count, size: workload.size, rate: 0 };
      progress(`latency: one-way throughput, ${count} messages over udp`);
      const udpRun = await oneWay({ protocol: 'udp', ...common, rcvbuf: 4 * 1024 * 1024 });
      progress(`latency: one-way throughput, ${count} messages over tcp`);
      const tcpRun = await oneWay({ protocol: 'tcp', ...common });
      const rate = (unique: number, ms: number) => (ms > 0 ? (unique * 1000) / ms : Number.NaN);
      const udpRate = rate(udpRun.account.unique, udpRun.receiver.spanMs);
      const tcpRate = rate(tcpRun.account.unique, tcpRun.receiver.spanMs);
      rows.push(
        { id: 'oneway-rate', measurement: `one-way messages/s (${count} × ${workload.size} B, unpaced)`, udp: num(udpRate, 'msg/s'), tcp: num(tcpRate, 'msg/s') },
        { id: 'oneway-mbps', measurement: 'one-way MB/s', udp: num((udpRate * workload.size) / 1e6, 'MB/s'), tcp: num((tcpRate * workload.size) / 1e6, 'MB/s') },
        { id: 'oneway-delivered', measurement: 'delivered in the throughput run', udp: num(udpRun.account.deliveredFraction * 100, '%'), tcp: num(tcpRun.account.deliveredFraction * 100, '%') },
      );
      throughput =
        ` One-way, UDP moved ${cellText(num(udpRate, 'msg/s'))} and TCP ${cellText(num(tcpRate, 'msg/s'))}` +
        (tcpRate > udpRate ? ': TCP packs small writes into a stream, UDP pays a system call and a packet per datagram.' : '.');
    }
    return {
      rows,
      plots: { cdf: { label: 'round trip', unit: 'ms', udp: quantiles(udpRtt), tcp: quantiles(tcpRtt) } },
      sentence:
        `A round trip took ${cellText(us(udpRtt, 50))} over UDP and ${cellText(us(tcpRtt, 50))} over TCP at the median: TCP was ` +
        `${ratioPhrase(percentile(udpRtt, 50), percentile(tcpRtt, 50), 'slower', 'faster')}; once connected, a TCP exchange costs no handshake.` +
        `${udpLost > 0 ? ` ${udpLost} UDP ${udpLost === 1 ? 'ping' : 'pings'} got no echo and counted as lost, not as a round trip.` : ''}${throughput}`,
    };
  },
};
