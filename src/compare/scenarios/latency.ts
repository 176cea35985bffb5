/** Scenario 7, latency and throughput: ping-pong round trips through the echo peer, and one-way rates. */
import { na, num, percentile, quantiles, ratioPhrase } from '../figures.js';
import { UdpkitError } from '../../errors.js';
import { formatEndpoint } from '../../format/endpoint.js';
import { interarrivalJitter, ipdv } from '../jitter.js';
import { cellText } from '../render.js';
import { tcpEchoClient, udpEchoClient } from '../echo-client.js';
import { oneWay } from '../one-way.js';
import { peerUnavailable } from '../peer-process.js';
import type { Cell, EchoTarget, Row, Scenario, Workload } from '../types.js';

/** Unanswered UDP pings in a row after which there is nothing to measure. */
const MAX_UNANSWERED = 10;

/** A percentile of round trips in milliseconds, as a cell in µs. */
function us(values: number[], p: number): Cell {
  return num(percentile(values, p) * 1000, 'µs');
}

/**
 * UDP round trips in milliseconds. A ping that gets no echo within a second is lost, not a failure. The next one
 * goes from a fresh socket, so that a late echo is never taken for its answer; ten in a row unanswered means there
 * is nothing to measure.
 * @throws UdpkitError E_TIMEOUT when no ping was answered
 */
async function udpPingPong(target: EchoTarget, payload: Buffer, exchanges: number, progress: (text: string) => void) {
  let udp = await udpEchoClient(target);
  const rtt: number[] = [];
  let lost = 0;
  try {
    for (let i = 0, streak = 0; i < exchanges && streak < MAX_UNANSWERED; i++) {
      if (i % 500 === 0) progress(`latency: udp ping-pong ${i}/${exchanges}`);
      const t0 = performance.now();
      try {
        await udp.exchange(payload, 1000);
        rtt.push(performance.now() - t0);
        streak = 0;
      } catch (error) {
        if (!(error instanceof UdpkitError && error.code === 'E_TIMEOUT')) throw error;
        lost += 1;
        streak += 1;
        await udp.close();
        udp = await udpEchoClient(target);
      }
    }
  } finally {
    await udp.close();
  }
  if (rtt.length === 0) {
    const where = formatEndpoint({ address: target.host, port: target.udpPort });
    throw new UdpkitError('E_TIMEOUT', `no echo from ${where} over udp: ${MAX_UNANSWERED} pings in a row unanswered`);
  }
  return { rtt, lost };
}

/** TCP round trips in milliseconds of `exchanges` ping-pongs on one connection, one at a time. */
async function tcpPingPong(target: EchoTarget, payload: Buffer, exchanges: number, progress: (text: string) => void): Promise<number[]> {
  const tcp = await tcpEchoClient(target);
  const rtt: number[] = [];
  try {
    for (let i = 0; i < exchanges; i++) {
      if (i % 500 === 0) progress(`latency: tcp ping-pong ${i}/${exchanges}`);
      const t0 = performance.now();
      await tcp.exchange(payload);
      rtt.push(performance.now() - t0);
    }
  } finally {
    tcp.close();
  }
  return rtt;
}

/** The round-trip rows: lost pings, percentiles, and the variation (RFC 3550's estimator, and IPDV between neighbours). */
function roundTripRows(exchanges: number, udp: { rtt: number[]; lost: number }, tcpRtt: number[]): Row[] {
  const jitter = (values: number[]) => num(interarrivalJitter(values) * 1000, 'µs');
  const variation = (values: number[], p: number) => num(percentile(ipdv(values.map((_, i) => i), values).map(Math.abs), p) * 1000, 'µs');
  return [
    { id: 'rtt-lost', measurement: 'pings without an echo within 1 s', udp: num(udp.lost, 'messages'), tcp: na('TCP retransmits: an answer can be late, never lost') },
    { id: 'rtt-p50', measurement: `round trip p50 (${exchanges} ping-pongs)`, udp: us(udp.rtt, 50), tcp: us(tcpRtt, 50) },
    { id: 'rtt-p99', measurement: 'round trip p99', udp: us(udp.rtt, 99), tcp: us(tcpRtt, 99) },
    { id: 'rtt-max', measurement: 'round trip max', udp: us(udp.rtt, 100), tcp: us(tcpRtt, 100) },
    { id: 'rtt-jitter', measurement: 'round-trip jitter (RFC 3550 estimator)', udp: jitter(udp.rtt), tcp: jitter(tcpRtt) },
    { id: 'rtt-ipdv-p99', measurement: 'round-trip variation |IPDV| p99', udp: variation(udp.rtt, 99), tcp: variation(tcpRtt, 99) },
  ];
}

/**
 * One-way throughput on loopback, unpaced, to a counting receiver process: its rows and a sentence. Only with the
 * echo peers in this process and the peer script at hand; nothing otherwise.
 */
async function throughput(target: EchoTarget, workload: Workload, progress: (text: string) => void): Promise<{ rows: Row[]; sentence: string }> {
  if (!target.local || peerUnavailable() !== undefined) return { rows: [], sentence: '' };
  const count = Math.max(workload.messages * 20, 10_000);
  const common = { host: '127.0.0.1', count, size: workload.size, rate: 0 };
  progress(`latency: one-way throughput, ${count} messages over udp`);
  const udpRun = await oneWay({ protocol: 'udp', ...common, rcvbuf: 4 * 1024 * 1024 });
  progress(`latency: one-way throughput, ${count} messages over tcp`);
  const tcpRun = await oneWay({ protocol: 'tcp', ...common });
  const rate = (unique: number, ms: number) => (ms > 0 ? (unique * 1000) / ms : Number.NaN);
  const udpRate = rate(udpRun.account.unique, udpRun.receiver.spanMs);
  const tcpRate = rate(tcpRun.account.unique, tcpRun.receiver.spanMs);
  return {
    rows: [
      { id: 'oneway-rate', measurement: `one-way messages/s (${count} × ${workload.size} B, unpaced)`, udp: num(udpRate, 'msg/s'), tcp: num(tcpRate, 'msg/s') },
      { id: 'oneway-mbps', measurement: 'one-way MB/s', udp: num((udpRate * workload.size) / 1e6, 'MB/s'), tcp: num((tcpRate * workload.size) / 1e6, 'MB/s') },
      { id: 'oneway-delivered', measurement: 'delivered in the throughput run', udp: num(udpRun.account.deliveredFraction * 100, '%'), tcp: num(tcpRun.account.deliveredFraction * 100, '%') },
    ],
    sentence:
      ` One-way, UDP moved ${cellText(num(udpRate, 'msg/s'))} and TCP ${cellText(num(tcpRate, 'msg/s'))}` +
      (tcpRate > udpRate ? ': TCP packs small writes into a stream, UDP pays a system call and a packet per datagram.' : '.'),
  };
}

export const latency: Scenario = {
  name: 'latency',
  title: 'Latency and throughput',
  localOnly: false,
  async run({ target, workload, progress }) {
    const exchanges = Math.min(workload.messages, 5000);
    const payload = Buffer.alloc(Math.max(workload.size, 1), 0x70);
    const udp = await udpPingPong(target, payload, exchanges, progress);
    const tcpRtt = await tcpPingPong(target, payload, exchanges, progress);
    const oneWayRun = await throughput(target, workload, progress);
    const lost = udp.lost > 0 ? ` ${udp.lost} UDP ${udp.lost === 1 ? 'ping' : 'pings'} got no echo and counted as lost, not as a round trip.` : '';
    return {
      rows: [...roundTripRows(exchanges, udp, tcpRtt), ...oneWayRun.rows],
      plots: { cdf: { label: 'round trip', unit: 'ms', udp: quantiles(udp.rtt), tcp: quantiles(tcpRtt) } },
      sentence:
        `A round trip took ${cellText(us(udp.rtt, 50))} over UDP and ${cellText(us(tcpRtt, 50))} over TCP at the median: TCP was ` +
        `${ratioPhrase(percentile(udp.rtt, 50), percentile(tcpRtt, 50), 'slower', 'faster')}; once connected, a TCP exchange costs no handshake.` +
        `${lost}${oneWayRun.sentence}`,
    };
  },
};
