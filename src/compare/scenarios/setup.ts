/** Scenario 1, setup: how long until the first message is answered, and how many packets went before it. */
import { median, na, num, ratioPhrase } from '../figures.js';
import { cellText } from '../render.js';
import { tcpEchoClient, udpEchoClient } from '../echo-client.js';
import { packetCounters } from '../snmp.js';
import type { Scenario } from '../types.js';

const TRIES = 20;

export const setup: Scenario = {
  name: 'setup',
  title: 'Setup: time to the first reply',
  localOnly: false,
  async run({ target, progress }) {
    const udpFirst: number[] = [];
    const tcpFirst: number[] = [];
    const tcpConnect: number[] = [];
    // Packets the host sent between opening the socket and the first byte of data (fewest over the tries:
    // other traffic on the host can only add to the count).
    let udpBefore = Number.POSITIVE_INFINITY;
    let tcpBefore = Number.POSITIVE_INFINITY;
    const payload = Buffer.from('first');
    for (let i = 0; i < TRIES; i++) {
      progress(`setup ${i + 1}/${TRIES}`);
      let before = packetCounters();
      let t0 = performance.now();
      const udp = await udpEchoClient(target);
      let after = packetCounters();
      if (before && after) udpBefore = Math.min(udpBefore, after.udpOutDatagrams - before.udpOutDatagrams);
      try {
        await udp.exchange(payload);
        udpFirst.push(performance.now() - t0);
      } finally {
        await udp.close();
      }

      before = packetCounters();
      t0 = performance.now();
      const tcp = await tcpEchoClient(target);
      after = packetCounters();
      if (before && after) tcpBefore = Math.min(tcpBefore, after.tcpOutSegs - before.tcpOutSegs);
      try {
        await tcp.exchange(payload);
        tcpFirst.push(performance.now() - t0);
        tcpConnect.push(tcp.connectMs);
      } finally {
        tcp.close();
      }
    }
    const udpMs = median(udpFirst);
    const tcpMs = median(tcpFirst);
    // On this host the kernel counts the packets of both ends (the handshake is then 3, not this end's 2).
    const who = target.thisHost ? 'both ends' : 'this end';
    const noCounters = 'the kernel packet counters (/proc/net/snmp) cannot be read here';
    const firstUdp = num(udpMs * 1000, 'µs');
    const firstTcp = num(tcpMs * 1000, 'µs');
    const connect = num(median(tcpConnect) * 1000, 'µs');
    const packetsUdp = num(udpBefore, 'packets', noCounters);
    const packetsTcp = num(tcpBefore, 'packets', noCounters);
    const phrase = ratioPhrase(udpMs, tcpMs, 'later than', 'sooner than');
    return {
      rows: [
        { id: 'first-reply', measurement: `time to first reply (median of ${TRIES})`, udp: firstUdp, tcp: firstTcp },
        { id: 'connect', measurement: 'of which connect (handshake)', udp: na('UDP has no handshake'), tcp: connect },
        { id: 'packets-before-data', measurement: `packets sent before the data (${who})`, udp: packetsUdp, tcp: packetsTcp },
      ],
      sentence:
        `Before its first byte TCP sent ${cellText(packetsTcp)}${Number.isFinite(tcpBefore) ? `, counted at ${who}` : ''} (its handshake took ${cellText(connect)}), UDP ${cellText(packetsUdp)}; ` +
        `TCP's first reply came ${phrase === 'about the same' ? 'at about the same time as' : phrase} UDP's (${cellText(firstTcp)} against ${cellText(firstUdp)}).`,
    };
  },
};
