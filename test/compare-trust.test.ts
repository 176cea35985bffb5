/**
 * udp-compare says only what its cells show. Unit tests of how numbers and ratios are written and of the jitter
 * calculations (RFC 3550 by hand); every sentence checked against its rows, on loopback and against echo servers
 * udpkit did not write (socat's UDP echo, which cuts datagrams to 8 KiB, and ncat --exec /bin/cat over TCP);
 * loss reported, not failed, at --size 1200 and 60000; IPv6 targets in brackets.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ratioPhrase } from '../src/compare/figures.js';
import { COUNT_QUERY, EchoCounts, parseCountAnswer } from '../src/core/echo-counts.js';
import { interarrivalJitter, ipdv } from '../src/compare/jitter.js';
import { cellText, quantity, readable } from '../src/compare/render.js';
import { compareReportSchema } from '../src/compare/schema.js';
import type { CompareReport } from '../src/compare/types.js';
import { Capture, listening, runBin, startBin, waitFor } from './helpers.js';

const foreign = ['socat', 'ncat'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (foreign.length > 0) console.log(`udp-compare against foreign echo servers skipped: missing ${foreign.join(', ')} (.ci/run installs socat and ncat)`);

describe('how the report writes numbers', () => {
  it('scales time units, rounds for reading, and says one read, not one reads', () => {
    expect(quantity(162_902, 'µs')).toBe('163 ms');
    expect(quantity(9_999, 'µs')).toBe('9,999 µs');
    expect(quantity(45_000_000, 'µs')).toBe('45 s');
    expect(quantity(1, 'reads')).toBe('1 read');
    expect(quantity(2, 'reads')).toBe('2 reads');
    expect(quantity(8192, 'bytes')).toBe('8,192 bytes');
    expect(quantity(0.123456, '%')).toBe('0.123 %');
    expect(readable(99.95)).toBe('100');
    expect(cellText({ value: null, reason: 'UDP has no handshake' })).toBe('n/a (UDP has no handshake)');
  });

  it('says ratios the way a person does', () => {
    expect(ratioPhrase(100, 260, 'later', 'sooner')).toBe('2.6× later');
    expect(ratioPhrase(260, 100, 'later', 'sooner')).toBe('2.6× sooner');
    expect(ratioPhrase(100, 105, 'later', 'sooner')).toBe('about the same');
    expect(ratioPhrase(100, 100, 'later', 'sooner')).toBe('about the same');
  });
});

describe('the echo count query', () => {
  it('counts per sender, answers the query instead of echoing it, and a foreign echo of the query is not an answer', () => {
    const counts = new EchoCounts();
    for (let i = 0; i < 3; i++) expect(counts.received('10.0.0.1', 5000, Buffer.from('x'))).toBeUndefined();
    counts.echoed('10.0.0.1', 5000);
    counts.echoed('10.0.0.1', 5000);
    expect(counts.received('10.0.0.2', 5000, Buffer.from('y'))).toBeUndefined();
    const answer = counts.received('10.0.0.1', 5000, COUNT_QUERY);
    expect(answer?.toString()).toBe('UDPKIT-COUNT 3 2');
    expect(parseCountAnswer(answer as Buffer)).toEqual({ received: 3, echoed: 2 });
    expect(parseCountAnswer(COUNT_QUERY)).toBeUndefined();
  });
});

describe('jitter', () => {
  it('RFC 3550: 0 for a perfectly paced stream on a synthetic clock, the estimator by hand for a jittered one', () => {
    // Sent every 10 ms, each taking 2 ms: transit is constant.
    const paced = Array.from({ length: 100 }, (_, i) => 2 + i * 10 - i * 10);
    expect(interarrivalJitter(paced)).toBe(0);
    // Transits 10, 12, 11, 15: |D| = 2, 1, 4; J = 2/16 = 0.125, then 0.125 + (1 - 0.125)/16, then + (4 - J)/16.
    const j1 = 2 / 16;
    const j2 = j1 + (1 - j1) / 16;
    const j3 = j2 + (4 - j2) / 16;
    expect(interarrivalJitter([10, 12, 11, 15])).toBeCloseTo(j3, 12);
    expect(interarrivalJitter([10, 12, 11, 15])).toBeGreaterThan(0);
  });

  it('IPDV pairs consecutive sequence numbers, whatever the arrival order; a lost neighbour gives no value', () => {
    expect(ipdv([0, 1, 2, 3], [5, 5, 5, 5])).toEqual([0, 0, 0]);
    expect(ipdv([1, 0, 2, 4], [7, 5, 6, 9])).toEqual([2, -1]);
  });
});

/** Every number a sentence gives is one the scenario's rows show (ratios, written N×, are derived and left out). */
function expectSentencesFromCells(report: CompareReport): void {
  const workload = [report.workload.messages, report.workload.size, report.workload.rate, report.workload.loss * 100, report.workload.duplicate * 100];
  for (const scenario of report.scenarios.filter((s) => s.status === 'ok')) {
    const shown = [
      ...scenario.rows.flatMap((row) => [row.measurement, cellText(row.udp), cellText(row.tcp)]),
      ...workload.map((n) => readable(n)),
      ...workload.map(String),
    ].join(' | ');
    // Numbers standing alone: not the 4 of IPv4 or the 3550 of "RFC 3550" in a name.
    const numbers = (text: string): string[] => text.replace(/RFC \d+/g, '').match(/(?<![\w.])\d[\d,.]*/g)?.map((n) => n.replace(/[.,]+$/, '')) ?? [];
    const known = new Set(numbers(shown));
    const said = numbers((scenario.sentence ?? '').replace(/\d+(\.\d+)?×/g, ''));
    for (const number of said) expect(known.has(number), `${scenario.name}: "${number}" in "${scenario.sentence}" is in no cell`).toBe(true);
  }
}

describe('sentences follow from the cells', () => {
  it('on loopback, every scenario that runs (lossy-link too, as root); the JSON has ids and unrounded values', async () => {
    const run = await runBin('udp-compare', ['--format', 'json', '--messages', '200'], undefined, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(run.stdout));
    expectSentencesFromCells(report);
    const ids = report.scenarios.flatMap((s) => s.rows.map((r) => `${s.name}/${r.id}`));
    expect(new Set(ids).size).toBe(ids.length);
    const setup = report.scenarios.find((s) => s.name === 'setup');
    expect(setup?.rows.find((r) => r.id === 'connect')?.udp).toEqual({ value: null, reason: 'UDP has no handshake' });
    // Unrounded: a time in µs keeps its fraction in JSON.
    expect(report.scenarios.flatMap((s) => s.rows).some((r) => typeof r.udp.value === 'number' && !Number.isInteger(r.udp.value))).toBe(true);
  });

  it('--size 1200 and --size 60000 exit 0 and report what came back', async () => {
    for (const size of ['1200', '60000']) {
      const run = await runBin('udp-compare', ['--format', 'json', '--size', size, '-s', 'boundaries'], undefined, 60_000);
      expect(run.code, `--size ${size}: ${run.stderr}`).toBe(0);
      const report = compareReportSchema.parse(JSON.parse(run.stdout));
      const boundaries = report.scenarios[0];
      expect(boundaries?.status).toBe('ok');
      const reads = boundaries?.rows.find((r) => r.id === 'reads')?.udp.value as number;
      const lost = boundaries?.rows.find((r) => r.id === 'lost')?.udp.value as number;
      expect(reads + lost).toBe(200);
      // The in-process echo is udpkit's: it says what it received, and the loss splits into there and back.
      const there = boundaries?.rows.find((r) => r.id === 'lost-there')?.udp.value as number;
      const back = boundaries?.rows.find((r) => r.id === 'lost-back')?.udp.value as number;
      expect(there + back).toBe(lost);
      expectSentencesFromCells(report);
    }
  });

  it.skipIf(foreign.length > 0)('against socat (UDP, cuts at 8 KiB) and ncat --exec /bin/cat (TCP): the truncating peer is named', async () => {
    const probe = spawnSync('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'], { encoding: 'utf8' });
    const port = probe.stdout.trim();
    // Each in a process group of its own: socat and ncat fork a child per peer, which outlives a killed parent.
    const udp = spawn('socat', [`UDP4-RECVFROM:${port},bind=127.0.0.1,fork`, 'EXEC:cat'], { stdio: 'ignore', detached: true });
    const tcp = spawn('ncat', ['-l', '-k', '--exec', '/bin/cat', '127.0.0.1', port], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    onTestFinished(() => {
      for (const child of [udp, tcp]) {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const ncatErr = new Capture();
    tcp.stderr.pipe(ncatErr);
    // Ready when ncat accepts a connection (socat binds at once).
    const accepts = (): Promise<boolean> =>
      new Promise((resolve) => {
        const probe = connect({ host: '127.0.0.1', port: Number(port) }, () => {
          probe.destroy();
          resolve(true);
        });
        probe.on('error', () => resolve(false));
      });
    await waitFor(accepts, { timeoutMs: 5000, intervalMs: 50, what: () => `ncat to accept on port ${port} (${ncatErr.text.trim() || 'it said nothing'})` });
    const run = await runBin('udp-compare', ['--format', 'json', '--messages', '100', '-s', 'setup', '-s', 'boundaries', '-s', 'size-limits', '-s', 'latency', '127.0.0.1', port], undefined, 120_000);
    expect(run.code, `${run.stderr} ${ncatErr.text}`).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(run.stdout));
    expect(report.scenarios.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expectSentencesFromCells(report);
    const size = report.scenarios.find((s) => s.name === 'size-limits');
    expect(size?.rows.find((r) => r.id === 'max-whole')?.udp.value).toBe(false);
    expect(size?.rows.find((r) => r.id === 'largest-reply')?.udp.value).toBe(8192);
    expect(size?.sentence).toContain('the echo peer cut it to 8,192 bytes: it truncates datagrams');
    // ncat --exec /bin/cat sometimes stalls part way through 1 MiB (its relay and cat block on each other): what
    // came back is then a result, said as such, not a failure.
    if (size?.rows.find((r) => r.id === 'max-whole')?.tcp.value !== true) expect(size?.sentence).toContain('the echo peer stopped echoing part way');
    else expect(size.rows.find((r) => r.id === 'bytes-back')?.tcp.value).toBe(1024 * 1024);
    // socat echoes the count query like any datagram: the loss cannot be split, and the report says why.
    const boundaries = report.scenarios.find((s) => s.name === 'boundaries');
    expect(boundaries?.rows.find((r) => r.id === 'lost-there')?.udp).toEqual({ value: null, reason: 'the echo server is not a udpkit echo listener: it cannot say what it received' });
  });

  it('latency against an echo that drops some pings (udp-listen --echo-rate 50): lost pings are counted, exit 0', async () => {
    const udp = startBin('udp-listen', ['--host', '127.0.0.1', '--echo', '--echo-rate', '50', '-f', 'raw', '0']);
    const port = String(await listening(udp));
    const tcp = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '--echo', '-f', 'raw', port]);
    await tcp.stderr.waitFor(/listening on tcp /);
    const run = await runBin('udp-compare', ['--format', 'json', '-s', 'latency', '--messages', '120', '127.0.0.1', port], undefined, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(run.stdout));
    const latency = report.scenarios[0];
    const lost = latency?.rows.find((r) => r.id === 'rtt-lost')?.udp.value as number;
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(latency?.sentence).toContain(`${lost} UDP ping${lost === 1 ? '' : 's'} got no echo and counted as lost`);
    expectSentencesFromCells(report);
  });

  it('an IPv6 target is written in brackets', async () => {
    const run = await runBin('udp-compare', ['--format', 'json', '-s', 'setup', '::1', '9'], undefined, 30_000);
    const report = JSON.parse(run.stdout) as CompareReport;
    expect(report.workload.target).toBe('[::1]:9');
  });
});
