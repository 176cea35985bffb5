/**
 * `udp-listen --time`: ISO to the millisecond (default) or microsecond, epoch seconds, seconds since the first record.
 * The default JSON carries `timeSeconds`, which jq's fromdateiso8601 reads (jq 1.6 and 1.7 refuse a fraction).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeFormat, isoMicros } from '../src/format/time.js';
import { formatRecord, recordToJson } from '../src/format/records.js';
import { preciseWallMs } from '../src/clock.js';
import type { DatagramRecord } from '../src/types.js';
import { listening, startBin } from './helpers.js';

const jqMissing = spawnSync('jq', ['--version']).status === 0 ? undefined : 'jq is not installed (.ci/run installs it)';
if (jqMissing) console.log(`jq test skipped: ${jqMissing}`);

const AT = Date.UTC(2026, 10, 23, 22, 1, 30, 394) + 0.123;

function datagram(time: number): DatagramRecord {
  const endpoint = { address: '127.0.0.1', port: 5005, family: 'IPv4' as const };
  return { event: 'datagram', protocol: 'udp', time, from: endpoint, local: endpoint, payload: Buffer.from('x') };
}

describe('TimeFormat', () => {
  it('writes each style from a time with microseconds', () => {
    expect(new TimeFormat('iso').text(AT)).toBe('2026-11-23T22:01:30.394Z');
    expect(new TimeFormat('iso-us').text(AT)).toBe('2026-11-23T22:01:30.394123Z');
    expect(new TimeFormat('epoch').text(AT)).toBe(`${Math.floor(AT / 1000)}.394`);
    expect(new TimeFormat('epoch-us').text(AT)).toBe(`${Math.floor(AT / 1000)}.394123`);
    const relative = new TimeFormat('relative');
    expect([relative.text(AT), relative.text(AT + 1500.25), relative.text(AT + 2)]).toEqual(['0.000000', '1.500250', '0.002000']);
  });

  it('in JSON: ISO strings with timeSeconds by default, numbers for epoch and relative; the fast line equals the object', () => {
    expect(recordToJson(datagram(AT))).toMatchObject({ time: '2026-11-23T22:01:30.394Z', timeSeconds: '2026-11-23T22:01:30Z' });
    expect(recordToJson(datagram(AT), { time: new TimeFormat('iso-us') })).toMatchObject({ time: '2026-11-23T22:01:30.394123Z' });
    expect((recordToJson(datagram(AT), { time: new TimeFormat('epoch-us') }) as { time: number }).time).toBeCloseTo(AT / 1000, 6);
    for (const style of ['iso', 'iso-us', 'epoch', 'epoch-us'] as const) {
      expect(JSON.parse(formatRecord(datagram(AT), 'json', { time: new TimeFormat(style) }) as string)).toEqual(recordToJson(datagram(AT), { time: new TimeFormat(style) }));
    }
  });

  it('isoMicros round-trips: Date.parse gives the millisecond, the last three digits the microseconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000_000 }), (micros) => {
        const text = isoMicros(micros / 1000);
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        expect(Date.parse(text)).toBe(Math.floor(micros / 1000));
        expect(Number(text.slice(-4, -1))).toBe(micros % 1000);
      }),
      { seed: 20261123, numRuns: 300 },
    );
  });

  it('preciseWallMs stays within a few milliseconds of Date.now and has a fraction', () => {
    const samples = Array.from({ length: 50 }, () => preciseWallMs());
    expect(Math.abs((samples[0] as number) - Date.now())).toBeLessThan(50);
    expect(samples.some((s) => !Number.isInteger(s))).toBe(true);
  });
});

describe('udp-listen --time', () => {
  it('--time epoch-us and relative: six decimals, in order, against a Python sender', async () => {
    for (const style of ['epoch-us', 'relative']) {
      const listener = startBin('udp-listen', ['--time', style, '--host', '127.0.0.1', '-c', '3', '0']);
      const port = String(await listening(listener));
      const sent = spawnSync('python3', ['-c', `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(3):\n    s.sendto(b'x',('127.0.0.1',${port}))\n    time.sleep(0.05)`], { timeout: 10_000 });
      expect(sent.status).toBe(0);
      expect((await listener.exit).code).toBe(0);
      const times = listener.stdout.text.trim().split('\n').map((line) => line.split(' ')[0] as string);
      for (const t of times) expect(t).toMatch(/^\d+\.\d{6}$/);
      const values = times.map(Number);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      if (style === 'relative') expect(values[0]).toBe(0);
      else expect(Math.abs((values[0] as number) - Date.now() / 1000)).toBeLessThan(30);
    }
  });

  it.skipIf(jqMissing !== undefined)('default JSON: jq fromdateiso8601 reads timeSeconds, and it is the record time to the second', async () => {
    const listener = startBin('udp-listen', ['-f', 'json', '--host', '127.0.0.1', '-c', '1', '0']);
    const port = String(await listening(listener));
    spawnSync('python3', ['-c', `import socket\nsocket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'x',('127.0.0.1',${port}))`]);
    expect((await listener.exit).code).toBe(0);
    const jq = spawnSync('jq', ['-r', '[(.timeSeconds | fromdateiso8601), .time] | @tsv'], { input: listener.stdout.text, encoding: 'utf8' });
    expect(jq.status, jq.stderr).toBe(0);
    const [seconds, iso] = jq.stdout.trim().split('\t') as [string, string];
    expect(Number(seconds)).toBe(Math.floor(Date.parse(iso) / 1000));
  });

  it('refuses an unknown style, naming the choices', async () => {
    const run = startBin('udp-listen', ['--time', 'unix', '0']);
    expect((await run.exit).code).toBe(64);
    expect(run.stderr.text).toBe('udp-listen: invalid --time "unix": expected one of iso, iso-us, epoch, epoch-us, relative\n');
  });
});
