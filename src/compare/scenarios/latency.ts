/** Scenario 7, latency and throughput: ping-pong round trips through the echo peer, and one-way rates. */
import { num, percentile } from '../figures.js';
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
    const udp = await udpEchoClient(target);
    let udpRtt: number[];
    try {
      udpRtt = await pingPong('udp', () => udp.exchange(payload));
    } finally {
      await udp.close();
    }
    const tcp = await tcpEchoClient(target);
    let tcpRtt: number[];
    try {
      tcpRtt = await pingPong('tcp', () => tcp.exchange(payload));
    } finally {
      tcp.close();
    }
    const us = (values: number[], p: number) => num(percentile(values, p) * 1000, 'µs');
    const rows: Row[] = [
      { measurement: `round trip p50 (${exchanges} ping-pongs)`, udp: us(udpRtt, 50), tcp: us(tcpRtt, 50) },
      { measurement: 'round trip p99', udp: us(udpRtt, 99), tcp: us(tcpRtt, 99) },
      { measurement: 'round trip max', udp: us(udpRtt, 100), tcp: us(tcpRtt, 100) },
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
        { measurement: `one-way messages/s (${count} × ${workload.size} B, unpaced)`, udp: num(udpRate, 'msg/s'), tcp: num(tcpRate, 'msg/s') },
        { measurement: 'one-way MB/s', udp: num((udpRate * workload.size) / 1e6, 'MB/s'), tcp: num((tcpRate * workload.size) / 1e6, 'MB/s') },
        { measurement: 'delivered in the throughput run', udp: num(udpRun.account.deliveredFraction * 100, '%'), tcp: num(tcpRun.account.deliveredFraction * 100, '%') },
      );
      throughput =
        ` One-way, UDP moved ${udpRate.toFixed(0)} and TCP ${tcpRate.toFixed(0)} messages/s` +
        (tcpRate > udpRate ? ': TCP packs small writes into a stream, UDP pays a system call and a packet per datagram.' : '.');
    }
    return {
      rows,
      sentence:
        `A round trip took ${(percentile(udpRtt, 50) * 1000).toFixed(0)} µs over UDP and ${(percentile(tcpRtt, 50) * 1000).toFixed(0)} µs over TCP at the median ` +
        `(TCP/UDP ${(percentile(tcpRtt, 50) / percentile(udpRtt, 50)).toFixed(2)}×): once connected, a TCP exchange costs no handshake.${throughput}`,
    };
  },
};
