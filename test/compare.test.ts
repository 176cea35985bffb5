/** udp-compare: each scenario's qualitative outcome on loopback, sequence accounting, and the JSON schema. */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenTcp } from '../src/core/tcp-listener.js';
import { compareMain } from '../src/cli/compare.js';
import { runCompare } from '../src/compare/run.js';
import { baselineReportSchema, compareReportSchema } from '../src/compare/schema.js';
import { accountSequence, readStamp, stampMessage } from '../src/compare/sequence.js';
import { percentile } from '../src/compare/figures.js';
import { peerScript, peerUnavailable } from '../src/compare/peer-process.js';
import type { CompareReport, ScenarioName, Workload } from '../src/compare/types.js';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memoryIO } from './helpers.js';

const workload: Workload = { messages: 300, size: 64, rate: 20_000, loss: 0.2, duplicate: 0, linkRate: 20e6, linkBufferMs: 50 };
const peers = peerUnavailable();
if (peers) console.log(`skipped scenarios that need the peer process: ${peers}`);

describe('the peer under test', () => {
  it('is the one built from the sources (the global setup rebuilds dist/ when it is older than src/)', () => {
    expect(peerScript()).toBe(process.env.UDPKIT_PEER_SCRIPT);
    expect(peerScript()).toMatch(/\/dist\/bin\/compare-peer\.mjs$/);
    expect(statSync(peerScript()).mtimeMs).toBeGreaterThanOrEqual(statSync(fileURLToPath(new URL('../src/bin/compare-peer.ts', import.meta.url))).mtimeMs);
    expect(peerUnavailable()).toBeUndefined();
  });
});

async function scenario(name: ScenarioName): Promise<CompareReport['scenarios'][number]> {
  const report = await runCompare({ scenarios: [name], workload });
  const result = report.scenarios[0];
  if (!result) throw new Error('no result');
  if (result.status !== 'ok') throw new Error(`${name}: ${result.status}: ${result.reason}`);
  return result;
}

function cell(result: CompareReport['scenarios'][number], measurement: string, side: 'udp' | 'tcp') {
  const row = result.rows.find((r) => r.id === measurement || r.measurement.startsWith(measurement));
  if (!row) throw new Error(`no row "${measurement}" in ${result.rows.map((r) => r.measurement).join(' / ')}`);
  return row[side].value;
}

describe('sequence accounting on synthetic input', () => {
  it.each([
    { arrivals: [0, 1, 2, 3, 4], sent: 5, expected: { unique: 5, lost: 0, duplicates: 0, reordered: 0, received: 5 } },
    { arrivals: [0, 2, 4], sent: 5, expected: { unique: 3, lost: 2, duplicates: 0, reordered: 0, received: 3 } },
    { arrivals: [0, 1, 1, 2, 2, 2], sent: 3, expected: { unique: 3, lost: 0, duplicates: 3, reordered: 0, received: 6 } },
    { arrivals: [1, 0, 3, 2, 4], sent: 5, expected: { unique: 5, lost: 0, duplicates: 0, reordered: 2, received: 5 } },
    { arrivals: [4, 3, 2, 1, 0], sent: 5, expected: { unique: 5, lost: 0, duplicates: 0, reordered: 4, received: 5 } },
    { arrivals: [0, 3, 3, 1, 99, -1], sent: 4, expected: { unique: 3, lost: 1, duplicates: 1, reordered: 1, received: 4 } },
    { arrivals: [], sent: 10, expected: { unique: 0, lost: 10, duplicates: 0, reordered: 0, received: 0 } },
  ])('$arrivals of $sent', ({ arrivals, sent, expected }) => {
    const account = accountSequence(arrivals, sent);
    expect(account).toMatchObject(expected);
    expect(account.deliveredFraction).toBe(expected.unique / sent);
  });

  it('stamps and reads back the header', () => {
    const message = stampMessage(123_456, 64, 1_700_000_000_123.5);
    expect(message).toHaveLength(64);
    expect(readStamp(message)).toEqual({ seq: 123_456, sentAt: 1_700_000_000_123.5 });
    expect(stampMessage(1, 4)).toHaveLength(12);
    expect(readStamp(Buffer.alloc(11))).toBeUndefined();
  });

  it('percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('scenarios on loopback', () => {
  it('setup: TCP sends handshake packets before the data, UDP none', async () => {
    const result = await scenario('setup');
    expect(cell(result, 'packets sent before the data', 'udp')).toBe(0);
    expect(cell(result, 'packets sent before the data', 'tcp')).toBeGreaterThanOrEqual(2);
    expect(cell(result, 'of which connect', 'tcp')).toBeGreaterThan(0);
  });

  it('no-listener: sendto succeeds, connected UDP and TCP are refused', async () => {
    const result = await scenario('no-listener');
    expect(cell(result, 'sendto / connect reports', 'udp')).toBe('success');
    expect(cell(result, 'connected UDP socket reports', 'udp')).toBe('ECONNREFUSED');
    expect(cell(result, 'sendto / connect reports', 'tcp')).toBe('ECONNREFUSED');
  });

  it('boundaries: preserved exactly over UDP, not over TCP for a coalescing workload', async () => {
    const result = await scenario('boundaries');
    expect(cell(result, 'reads by the receiver', 'udp')).toBe(200);
    expect(cell(result, 'sizes-kept', 'udp')).toBe(true);
    expect(cell(result, 'reads by the receiver', 'tcp')).toBeLessThan(200);
    expect(cell(result, 'sizes-kept', 'tcp')).toBe(false);
  });

  it('boundaries against an echo that loses every other datagram and ignores the count query: the waits end, the loss is reported', async () => {
    // A UDP echo of its own (every other datagram, never the count query), and udpkit's TCP echo on the same port.
    const udp = createSocket('udp4');
    let seen = 0;
    udp.on('message', (message, from) => {
      if (message.toString('latin1').startsWith('UDPKIT-COUNT')) return;
      if (seen++ % 2 === 0) udp.send(message, from.port, from.address);
    });
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => udp.close(() => resolve())));
    const port = udp.address().port;
    const tcp = await listenTcp({ port, host: '127.0.0.1', echo: true }, () => undefined);
    onTestFinished(async () => {
      await tcp.close();
    });
    const report = await runCompare({ remote: { host: '127.0.0.1', port }, scenarios: ['boundaries'], workload: { ...workload, messages: 50 } });
    const result = report.scenarios[0];
    expect(result?.status, result?.reason).toBe('ok');
    if (result === undefined) return;
    expect(cell(result, 'reads', 'udp')).toBe(25);
    expect(cell(result, 'lost', 'udp')).toBe(25);
    expect(result.rows.find((r) => r.id === 'lost-there')?.udp).toEqual({ value: null, reason: 'the echo server did not answer the count query' });
    expect(cell(result, 'sizes-kept', 'udp')).toBe(true);
  });

  it('size-limits: 65,507 bytes go through, 65,508 is EMSGSIZE, 1 MiB over TCP', async () => {
    const result = await scenario('size-limits');
    expect(cell(result, 'max-whole', 'udp')).toBe(true);
    expect(cell(result, 'largest-reply', 'udp')).toBe(65_507);
    expect(cell(result, 'one-over', 'udp')).toBe('EMSGSIZE');
    expect(cell(result, 'bytes-back', 'tcp')).toBe(1024 * 1024);
  });

  it.skipIf(peers !== undefined)('overload: UDP loss counted by sequence number and by the kernel, none over TCP', async () => {
    const result = await scenario('overload');
    const lost = cell(result, 'lost', 'udp') as number;
    expect(lost).toBeGreaterThan(0);
    expect(cell(result, "dropped by the receiver's kernel", 'udp')).toBe(lost);
    expect(cell(result, 'lost', 'tcp')).toBe(0);
    expect(cell(result, 'delivered', 'tcp')).toBe(100);
  });

  it.skipIf(peers !== undefined)('order: TCP delivers all in order; every figure present for both', async () => {
    const result = await scenario('order');
    expect(cell(result, 'delivered', 'tcp')).toBe(100);
    expect(cell(result, 'reordered', 'tcp')).toBe(0);
    expect(cell(result, 'duplicated', 'tcp')).toBe(0);
    expect(typeof cell(result, 'one-way delay p99', 'udp')).toBe('number');
  });

  it('latency: round-trip percentiles for both, ordered p50 <= p99 <= max', async () => {
    const result = await scenario('latency');
    for (const side of ['udp', 'tcp'] as const) {
      const p50 = cell(result, 'round trip p50', side) as number;
      const p99 = cell(result, 'round trip p99', side) as number;
      const max = cell(result, 'round trip max', side) as number;
      expect(p50).toBeGreaterThan(0);
      expect(p50).toBeLessThanOrEqual(p99);
      expect(p99).toBeLessThanOrEqual(max);
    }
  });
});

describe('udp-compare --format json', () => {
  it('validates against its zod schema, with machine and workload', async () => {
    const { io, stdout } = memoryIO();
    const code = await compareMain(['--format', 'json', '-s', 'no-listener', '-s', 'size-limits', '--messages', '50'], io);
    expect(code).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(stdout.text));
    expect(report.scenarios.map((s) => s.name)).toEqual(['no-listener', 'size-limits']);
    expect(report.workload).toMatchObject({ messages: 50, size: 64 });
    expect(report.machine.node).toBe(process.version);
    // A time is a number in the JSON, as in every result udpkit gives.
    expect(Math.abs(report.startedAt - Date.now())).toBeLessThan(10 * 60_000);
    for (const row of report.scenarios.flatMap((s) => s.rows)) {
      for (const c of [row.udp, row.tcp]) if (typeof c.value === 'number') expect(c.unit, row.measurement).toBeTruthy();
    }
  });

  it('the schema holds ids, units, reasons and the new fields (series, plots, change, baseline), and refuses what breaks them', () => {
    const good = {
      tool: 'udp-compare',
      version: '1',
      startedAt: Date.parse('2026-11-23T00:00:00.000Z'),
      durationMs: 5,
      machine: { platform: 'linux', kernel: '6', node: 'v20', cpus: 2 },
      workload: { messages: 1, size: 1, rate: 0, loss: 0.1, duplicate: 0, linkRate: 20e6, linkBufferMs: 50, target: 'x' },
      baseline: { startedAt: Date.parse('2026-11-22T00:00:00.000Z'), version: '1' },
      scenarios: [
        {
          name: 'bottleneck',
          title: 't',
          status: 'ok',
          durationMs: 1,
          rows: [{ id: 'delay-p50', measurement: 'm', udp: { value: 53.21, unit: 'ms' }, tcp: { value: null, reason: 'why' }, change: { udp: 0.12, tcp: null } }],
          series: { udp: [{ t: 0, mbps: 19.3, delayMs: 53.2 }], tcp: [{ t: 0, mbps: 0, delayMs: null }] },
          plots: { cdf: { label: 'l', unit: 'ms', udp: [1], tcp: [2] }, delivery: { binSize: 2, udp: [1], tcp: [0.5] }, blocks: { sent: [1], udp: [1], tcp: [1] } },
        },
      ],
    };
    expect(compareReportSchema.parse(good).scenarios[0]?.rows[0]?.udp.value).toBe(53.21);
    const withRow = (row: object) => ({ ...good, scenarios: [{ ...good.scenarios[0], rows: [row] }] });
    expect(() => compareReportSchema.parse(withRow({ id: 'Delay P50', measurement: 'm', udp: { value: 1 }, tcp: { value: 1 } }))).toThrow();
    expect(() => compareReportSchema.parse(withRow({ measurement: 'm', udp: { value: 1 }, tcp: { value: 1 } }))).toThrow();
    expect(() => compareReportSchema.parse({ ...good, scenarios: [{ ...good.scenarios[0], series: { udp: [{ t: 0, mbps: -1, delayMs: 1 }], tcp: [] } }] })).toThrow();
    expect(() => compareReportSchema.parse({ ...good, workload: { ...good.workload, linkRate: 0 } })).toThrow();
  });

  /** A report as udp-compare wrote it before `startedAt` was a number: an ISO string, here and in its baseline. */
  const oldReport = {
    tool: 'udp-compare',
    version: '0.9',
    startedAt: '2026-11-23T00:00:00.000Z',
    durationMs: 5,
    machine: { platform: 'linux', kernel: '6', node: 'v20', cpus: 2 },
    workload: { messages: 50, size: 64, rate: 0, loss: 0, duplicate: 0, linkRate: 20e6, linkBufferMs: 50, target: 'x' },
    baseline: { startedAt: '2026-11-22T00:00:00.000Z', version: '0.8' },
    scenarios: [
      { name: 'no-listener', title: 'No listener', status: 'ok', durationMs: 1, rows: [{ id: 'sendto', measurement: 'm', udp: { value: 'success' }, tcp: { value: 'ECONNREFUSED' } }] },
    ],
  };

  it('a time is epoch milliseconds in the schema; a baseline saved with ISO times (older versions) still reads', () => {
    expect(() => compareReportSchema.parse(oldReport)).toThrow();
    expect(baselineReportSchema.parse(oldReport)).toMatchObject({ startedAt: 1_795_392_000_000, baseline: { startedAt: 1_795_305_600_000 } });
    const now = { ...oldReport, startedAt: 1_795_392_000_000, baseline: { startedAt: 1_795_305_600_000, version: '0.8' } };
    expect(baselineReportSchema.parse(now)).toEqual(compareReportSchema.parse(now));
    expect(() => baselineReportSchema.parse({ ...oldReport, startedAt: 'yesterday' })).toThrow();
    expect(() => baselineReportSchema.parse({ ...oldReport, startedAt: -1 })).toThrow();
  });

  it('--baseline FILE written by an older version (ISO startedAt): compared, the date shown as ISO text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-baseline-'));
    try {
      const path = join(dir, 'old.json');
      writeFileSync(path, JSON.stringify(oldReport));
      const { io, stdout, stderr } = memoryIO();
      expect(await compareMain(['-s', 'no-listener', '--baseline', path], io), stderr.text).toBe(0);
      expect(stdout.text).toContain('compared with the run of 2026-11-23T00:00:00.000Z (udp-compare 0.9)');
      const json = memoryIO();
      expect(await compareMain(['-f', 'json', '-s', 'no-listener', '--baseline', path], json.io), json.stderr.text).toBe(0);
      expect(compareReportSchema.parse(JSON.parse(json.stdout.text)).baseline).toEqual({ startedAt: 1_795_392_000_000, version: '0.9' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Each is refused before the first scenario: nothing is measured, no report is printed (a --save once ran the
  // whole comparison and then failed; under /proc it hung in Node's recursive mkdir).
  it.each([
    [['--baseline', '/nonexistent/udpkit-last.json'], 66, 'cannot read --baseline "/nonexistent/udpkit-last.json": no such file'],
    [['--save'], 64, '--save needs a value (see --help)'],
    [['--save', '/dev/null'], 73, 'cannot save the report to --save "/dev/null": it is a file, not a directory'],
    [['--save', '/dev/null/reports'], 73, 'cannot save the report to --save "/dev/null/reports": a part of the path is a file'],
    [['--save', '/proc/udpkit-nosuchdir/reports'], 73, 'cannot save the report to --save "/proc/udpkit-nosuchdir/reports": no such directory (and it cannot be made here)'],
  ])('udp-compare %j: a file that cannot be read or written is named, with why, before the run (exit %i)', async (args, code, message) => {
    const { io, stdout, stderr } = memoryIO();
    expect(await compareMain(['-s', 'no-listener', ...args], io)).toBe(code);
    expect(stderr.text).toBe(`udp-compare: ${message}\n`);
    expect(stdout.text).toBe('');
  });

  it('the schema rejects a report with a figure of the wrong type', () => {
    const bad = { tool: 'udp-compare', version: '1', startedAt: 'yesterday', durationMs: -1, machine: {}, workload: {}, scenarios: [] };
    expect(() => compareReportSchema.parse(bad)).toThrow();
  });

  it('markdown: a table per scenario', async () => {
    const { io, stdout } = memoryIO();
    expect(await compareMain(['--format', 'markdown', '-s', 'no-listener'], io)).toBe(0);
    expect(stdout.text).toContain('| measurement | UDP | TCP |');
    expect(stdout.text).toMatch(/\| sendto \/ connect reports \| success \| ECONNREFUSED \|/);
  });

  it.each([
    [['--scenario', 'speed'], 'invalid --scenario "speed": expected one of setup, no-listener, boundaries, size-limits, overload, order, latency, lossy-link, bottleneck'],
    [['--loss', '150%'], 'invalid --loss "150%": expected a percentage from 0 to 100, e.g. 5%'],
    [['127.0.0.1'], 'give both HOST and PORT of a remote echo pair, or neither'],
    [['--messages', '0'], 'invalid --messages "0": expected an integer from 1 to 1000000'],
  ])('udp-compare %j exits 64', async (args, message) => {
    const { io, stderr } = memoryIO();
    expect(await compareMain(args, io)).toBe(64);
    expect(stderr.text).toBe(`udp-compare: ${message}\n`);
  });
});
