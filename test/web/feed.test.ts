/**
 * The web view's parts without a browser: the ring's bounds (count and bytes), the senders table's bounds, the
 * `--web` address, "Capture now" giving the bytes `--pcap` writes, the listener's send, and --web's usage errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DatagramRecord, Endpoint } from '../../src/types.js';
import { RecordRing, RING_BYTES } from '../../src/web/ring.js';
import { MAX_TRACKED, SenderStats, TABLE_ROWS } from '../../src/web/senders.js';
import { parseWebAddress, isLoopback } from '../../src/web/address.js';
import { capturePcap } from '../../src/web/capture.js';
import { WebFeed, toRow } from '../../src/web/feed.js';
import { PcapWriter } from '../../src/cli/pcap-writer.js';
import { listenMain } from '../../src/cli/listen.js';
import { listen } from '../../src/core/udp-listener.js';
import { escapeBytes } from '../../src/format/escape.js';
import { hexDump } from '../../src/format/hex.js';
import { boundSocket, memoryIO, sendFrom } from '../helpers.js';

function datagram(from: Endpoint, local: Endpoint, payload: Buffer, time = 1_796_000_000_000): DatagramRecord {
  return { event: 'datagram', protocol: 'udp', time, from, local, payload };
}

const v4 = (port: number): Endpoint => ({ address: '127.0.0.1', port, family: 'IPv4' });
const v6 = (port: number): Endpoint => ({ address: '::1', port, family: 'IPv6' });

describe('RecordRing', () => {
  it('keeps the newest records whole, within its count and its arena, and numbers on (seeded property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 9000 }), { maxLength: 200 }), (capacity, sizes) => {
        const ring = new RecordRing(capacity, 65_536);
        sizes.forEach((size, i) => expect(ring.add(i % 3 === 0 ? 'sent' : 'datagram', datagram(v4(i), v4(2), Buffer.alloc(size, i % 256), i))).toBe(i));
        expect(ring.next).toBe(sizes.length);
        expect(ring.size).toBeLessThanOrEqual(capacity);
        let bytes = 0;
        for (let id = ring.first; id < ring.next; id++) {
          const entry = ring.get(id);
          expect(entry?.kind).toBe(id % 3 === 0 ? 'sent' : 'datagram');
          expect(entry?.record.time).toBe(id);
          expect(entry?.record.from.port).toBe(id);
          expect(entry?.record.payload.equals(Buffer.alloc(sizes[id] as number, id % 256))).toBe(true);
          bytes += sizes[id] as number;
        }
        expect(bytes).toBeLessThanOrEqual(65_536);
        // The newest always stays; the oldest leave only for the count or the room.
        if (sizes.length > 0) expect(ring.size).toBeGreaterThan(0);
        expect(ring.get(ring.first - 1)).toBeUndefined();
      }),
      { seed: 20261202, numRuns: 200 },
    );
    const ring = new RecordRing(10_000);
    for (let i = 0; i < 600; i++) ring.add('datagram', datagram(v4(1), v4(2), Buffer.alloc(65_000)));
    expect(ring.size * 65_000).toBeLessThanOrEqual(RING_BYTES);
    expect(ring.size).toBeGreaterThan(RING_BYTES / 65_000 - 2);
  });
});

describe('SenderStats', () => {
  it('tracks at most MAX_TRACKED senders, shows the busiest TABLE_ROWS and counts the rest', () => {
    const stats = new SenderStats();
    for (let port = 1; port <= MAX_TRACKED + 100; port++) {
      for (let k = 0; k < (port <= 5 ? 3 : 1); k++) stats.add(`127.0.0.1|${port}`, `127.0.0.1:${port}`, 10, 1000 + k * 4);
    }
    const { rows, others } = stats.table(1000);
    expect(rows).toHaveLength(TABLE_ROWS);
    expect(rows.slice(0, 5).map((r) => r.datagrams)).toEqual([3, 3, 3, 3, 3]);
    expect(rows[0]).toMatchObject({ gapMean: 4, gapMax: 4, gapMinNow: 4, gapMaxNow: 4, rate: 3 });
    expect(others).toEqual({ senders: MAX_TRACKED + 100 - TABLE_ROWS, datagrams: MAX_TRACKED + 100 - TABLE_ROWS });
    expect(stats.has('127.0.0.1|1')).toBe(true);
    expect(stats.has(`127.0.0.1|${MAX_TRACKED + 50}`)).toBe(false);
  });
});

describe('--web [ADDR:]PORT', () => {
  it.each([
    ['8080', { host: '127.0.0.1', port: 8080 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['127.0.0.2:80', { host: '127.0.0.2', port: 80 }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:9', { host: '127.0.0.1', port: 9 }],
  ])('%s', (text, expected) => expect(parseWebAddress(text)).toEqual(expected));
  it.each(['', 'x', '65536', '::1:8080', 'example.com:80', '1.2.3:80', '999.1.1.1:80', '8080:'])('refuses %j', (text) => expect(parseWebAddress(text)).toBeUndefined());
  it('knows loopback', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1'].map(isLoopback)).toEqual([false, false, false]);
  });
  it('is offered by shell completion', async () => {
    const { io, stdout } = memoryIO();
    expect(await listenMain(['--get-yargs-completions', 'udp-listen', '--w'], io)).toBe(0);
    expect(stdout.text.split('\n')).toContain('--web');
  });
  it('is refused with one line when bad, and with --tcp', async () => {
    for (const [args, line] of [
      [['--web', 'nope', '0'], 'udp-listen: invalid --web "nope": expected PORT or ADDRESS:PORT (an IP address, [::1]:PORT for IPv6)\n'],
      [['--web', '0', '--tcp', '0'], 'udp-listen: --web shows UDP datagrams: it does not work with --tcp\n'],
    ] as const) {
      const { io, stderr } = memoryIO();
      expect(await listenMain([...args], io)).toBe(64);
      expect(stderr.text).toBe(line);
    }
  });
});

describe('the feed and Capture now', () => {
  it('rows carry the payload escaped as the text format does and dumped as the hex format does', () => {
    const payload = Buffer.from('a\x1b[31m\n\u202e<b>\xff', 'latin1');
    const row = toRow(7, { kind: 'datagram', record: datagram(v6(5), v6(6), payload) });
    expect(row).toMatchObject({ id: 7, kind: 'datagram', peer: '[::1]:5', port: 6, size: payload.length, text: escapeBytes(payload), hex: hexDump(payload) });
  });

  it('gives the same bytes as --pcap for the same datagrams (IPv6; IPv4 but for the IP ID and its checksum)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-web-capture-'));
    try {
      for (const [from, local] of [[v6(40000), v6(5005)], [v4(40000), v4(5005)]] as const) {
        const records = [0, 1, 2, 3].map((i) => datagram(from, local, Buffer.from(`datagram ${i}`), 1_796_000_000_000 + i * 1.5));
        const feed = new WebFeed(10);
        records.forEach((r) => feed.push(r));
        feed.pushSent(datagram(from, local, Buffer.from('sent, not captured')));
        const path = join(dir, `${from.family}.pcap`);
        const writer = PcapWriter.open(path);
        records.slice(1).forEach((r) => writer.add(r));
        writer.close();
        const { pcap, datagrams } = capturePcap(feed.ring, 3);
        expect(datagrams).toBe(3);
        const file = readFileSync(path);
        const mask = (b: Buffer): Buffer => {
          if (from.family === 'IPv6') return b;
          const copy = Buffer.from(b);
          // Each record: 16-byte header, then the IPv4 header, whose ID (offset 4) and checksum (offset 10) count up.
          for (let at = 24; at < copy.length; at += 16 + copy.readUInt32LE(at + 8)) copy.fill(0, at + 16 + 4, at + 16 + 6).fill(0, at + 16 + 10, at + 16 + 12);
          return copy;
        };
        expect(mask(pcap).equals(mask(file))).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('UdpListener.send', () => {
  it('sends from the listener\'s own port; after close it rejects E_CLOSED', async () => {
    const peer = await boundSocket();
    const listener = await listen({ port: 0, host: '127.0.0.1' }, () => undefined);
    const got = new Promise<{ data: Buffer; port: number }>((resolve) => peer.once('message', (data, rinfo) => resolve({ data, port: rinfo.port })));
    await listener.send(Buffer.from('answer'), { address: '127.0.0.1', port: peer.address().port });
    expect(await got).toEqual({ data: Buffer.from('answer'), port: listener.local.port });
    await listener.close();
    await expect(listener.send(Buffer.from('late'), { address: '127.0.0.1', port: peer.address().port })).rejects.toThrow('the listener is closed');
  });

  it('answers an IPv4 sender from a dual-stack listener', async () => {
    const peer = await boundSocket();
    const listener = await listen({ port: 0 }, () => undefined);
    const got = new Promise<Buffer>((resolve) => peer.once('message', (data) => resolve(data)));
    await sendFrom(peer, 'hi', listener.local.port, '127.0.0.1');
    await listener.send(Buffer.from('back'), { address: '127.0.0.1', port: peer.address().port });
    expect(await got).toEqual(Buffer.from('back'));
    await listener.close();
  });
});
