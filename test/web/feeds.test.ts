/**
 * udp-proxy's and udp-probe's sides of the web view, without a browser: the proxy's ring of fates (the newest kept,
 * numbered on, counted exactly per direction), the prober's reports as rows and chart points, each given once.
 */
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ProxyFeed } from '../../src/web/proxy-feed.js';
import { ProbeFeed } from '../../src/web/probe-feed.js';
import { proxy, type FateRecord } from '../../src/proxy/proxy.js';
import { DROP_CAUSES } from '../../src/proxy/impairments.js';
import { probe } from '../../src/probe/prober.js';
import type { ProbeReport } from '../../src/probe/prober.js';

const client = { address: '127.0.0.1', port: 40000, family: 'IPv4' as const };

/** A relay on loopback (its summary seeds the feed); closed after the test. */
async function relay() {
  const r = await proxy({ port: 0, host: '127.0.0.1', target: { host: '127.0.0.1', port: 9 } });
  onTestFinished(async () => void (await r.close()));
  return r;
}

describe('ProxyFeed', () => {
  it('keeps the newest fates, numbered on, each as the log says it; counts both ways and the drops exactly (seeded property)', async () => {
    const r = await relay();
    const fate = fc.record({
      up: fc.boolean(),
      cause: fc.option(fc.constantFrom(...DROP_CAUSES), { nil: undefined }),
      delayMs: fc.constantFrom(0, 12.34),
      duplicated: fc.boolean(),
      corrupted: fc.boolean(),
      size: fc.integer({ min: 0, max: 65_507 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fate, { maxLength: 120 }), (capacity, fates) => {
        const feed = new ProxyFeed(() => r.summary(), 7000, capacity);
        const records: FateRecord[] = fates.map((f, i) => ({
          event: 'datagram',
          time: 1_796_000_000_000 + i,
          direction: f.up ? 'up' : 'down',
          client,
          size: f.size,
          fate: { cause: f.cause, delayMs: f.cause ? 0 : f.delayMs, duplicated: !f.cause && f.duplicated, corrupted: !f.cause && f.corrupted },
        }));
        for (const record of records) feed.push(record);
        expect(feed.next).toBe(records.length);
        expect(feed.next - feed.first).toBe(Math.min(capacity, records.length));
        expect(feed.row(feed.first - 1)).toBeUndefined();
        expect(feed.row(feed.next)).toBeUndefined();
        for (let id = feed.first; id < feed.next; id++) {
          const record = records[id] as FateRecord;
          const row = feed.row(id);
          const words = record.fate.cause
            ? `dropped: ${record.fate.cause}`
            : [record.fate.delayMs > 0 ? 'delayed 12.3 ms' : 'forwarded', ...(record.fate.duplicated ? ['duplicated'] : []), ...(record.fate.corrupted ? ['corrupted'] : [])].join(', ');
          expect(row).toEqual({ id, kind: record.direction, time: record.time, protocol: record.direction === 'up' ? '→ up' : '← down', peer: '127.0.0.1:40000', port: 7000, size: record.size, text: words, hex: '', bad: record.fate.cause !== undefined });
        }
        expect(feed.counters()).toEqual({
          up: records.filter((x) => x.direction === 'up').length,
          down: records.filter((x) => x.direction === 'down').length,
          dropped: records.filter((x) => x.fate.cause !== undefined).length,
          sessions: 0,
        });
      }),
      { seed: 20261202, numRuns: 100 },
    );
  });

  it('counts sessions opened and closed; a second gives the relay\'s summary', async () => {
    const r = await relay();
    const feed = new ProxyFeed(() => r.summary(), r.local.port);
    feed.push({ event: 'session', time: 1, state: 'open', id: 1, client });
    feed.push({ event: 'session', time: 2, state: 'open', id: 2, client });
    feed.push({ event: 'session', time: 3, state: 'close', id: 1, client, reason: 'idle' });
    expect(feed.counters().sessions).toBe(1);
    const second = feed.second(5);
    expect(second).toEqual({ time: 5, up: r.summary().up, down: r.summary().down, sessions: { open: 0, opened: 0 }, held: 0 });
    expect(feed.counters().sessions).toBe(0);
  });
});

describe('ProbeFeed', () => {
  it('makes each report a row and a chart point (given once), the targets table from the prober\'s summary', async () => {
    const prober = await probe({ targets: ['127.0.0.1:9'], intervalMs: 1000, count: 1, timeoutMs: 50 });
    await prober.done;
    const [summary] = prober.summary();
    if (summary === undefined) throw new Error('no summary');
    const feed = new ProbeFeed(() => prober.summary());
    const report = (time: number, lost: number): ProbeReport => ({
      time,
      summary: { ...summary, address: '127.0.0.1' },
      settled: 10,
      lost,
      lossPercent: lost * 10,
      rttP50Ms: 0.25,
      rttP99Ms: 1.5,
      jitterMs: 0.125,
    });
    feed.push(report(1000, 0));
    feed.push(report(2000, 3));
    expect(feed.row(0)).toEqual({ id: 0, kind: 'report', time: 1000, protocol: 'udp', peer: '127.0.0.1:9', port: null, size: 10, text: 'loss 0.0 % (0 of 10), rtt p50 0.250 ms p99 1.500 ms, jitter 0.125 ms', hex: '', bad: false });
    expect(feed.row(1)?.bad).toBe(true);
    expect(feed.counters()).toEqual({ targets: 1, sent: summary.sent, received: summary.received, lost: summary.lost, reports: 2 });
    const second = feed.second(3000);
    expect(second.points.map((p) => [p.time, p.lossPercent])).toEqual([[1000, 0], [2000, 30]]);
    expect(second.targets).toHaveLength(1);
    expect(second.targets[0]).toMatchObject({ target: '127.0.0.1:9', sent: summary.sent, lossPercent: 30, rttP50Ms: 0.25, rttP99Ms: 1.5, jitterMs: 0.125 });
    expect(feed.second(4000).points).toEqual([]);
    feed.push({ ...report(5000, 0), summary: { ...summary, address: undefined, lastError: 'host "x" does not resolve' } });
    expect(feed.row(2)).toMatchObject({ text: 'not probed: host "x" does not resolve', bad: true });
  });
});
