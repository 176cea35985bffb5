/**
 * udp-probe's memory with many targets: 100 targets at 10 ms (10,000 probes a second) for 1,000 probes each, its
 * /metrics scraped meanwhile. Peak RSS (VmHWM) under a ceiling; and the same run with V8's old space capped at
 * 24 MB runs to the end, which it could not if each probe left anything behind.
 */
import { describe, expect, it } from 'vitest';
import { binPath, peakRssMb, startBin, startProcess, waitFor } from '../helpers.js';

const TARGETS = 100;
const COUNT = 1000;

/** One udp-listen --echo on 100 loopback ports; resolves with the targets `127.0.0.1:PORT`. */
async function echoTargets(): Promise<string[]> {
  const args = ['--echo', '--echo-rate', '0', '--host', '127.0.0.1', ...Array<string>(TARGETS).fill('0')];
  const echo = startBin('udp-listen', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const match = await echo.stderr.waitFor(/listening on udp 127\.0\.0\.1:(\d+), and ports ([\d, -]+) \(/);
  const ports = [Number(match[1])];
  for (const part of (match[2] ?? '').split(', ')) {
    const [a = 0, b = a] = part.split('-').map(Number);
    for (let p = a; p <= b; p++) ports.push(p);
  }
  expect(ports).toHaveLength(TARGETS);
  return ports.map((port) => `127.0.0.1:${port}`);
}

/** Runs udp-probe (with node flags `v8`) over the targets; scrapes /metrics every 250 ms; returns peak RSS and stderr. */
async function probeRun(targets: string[], v8: string[]): Promise<{ peakMb: number; code: number | null; stderr: string; scrapes: number }> {
  const args = [...v8, binPath('udp-probe'), '--interval', '10ms', '--timeout', '1s', '--report', '1h', '--count', String(COUNT), '--metrics', '0', ...targets];
  const prober = startProcess(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], timeoutMs: 90_000 });
  const url = (await prober.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
  let peakMb = 0;
  let scrapes = 0;
  // VmHWM is readable only while the process lives: read at every scrape until the run ends (10 s at 10 ms; bounded).
  await waitFor(
    async () => {
      peakMb = Math.max(peakMb, peakRssMb(prober.child.pid) ?? 0);
      if (prober.child.exitCode !== null) return true;
      const body = await fetch(url).then((r) => r.text(), () => '');
      if (body.includes('udpkit_probe_sent_total')) scrapes += 1;
      return false;
    },
    { timeoutMs: 80_000, intervalMs: 250, what: 'udp-probe to send 1,000 probes to each of 100 targets' },
  );
  const { code } = await prober.exit;
  return { peakMb, code, stderr: prober.stderr.text, scrapes };
}

describe('udp-probe memory with 100 targets at 10 ms', () => {
  it('peak RSS stays under 150 MB; with the old space capped at 24 MB it runs to the end all the same', { timeout: 200_000 }, async () => {
    const targets = await echoTargets();
    const free = await probeRun(targets, []);
    console.log(`udp-probe, ${TARGETS} targets × ${COUNT} probes at 10 ms, ${free.scrapes} scrapes: VmHWM ${free.peakMb.toFixed(1)} MB`);
    expect(free.code, free.stderr.slice(-2000)).toBe(0);
    expect(free.stderr.match(new RegExp(`: ${COUNT} sent, `, 'g'))).toHaveLength(TARGETS);
    expect(free.scrapes).toBeGreaterThan(5);
    // The ceiling: the bundled prober starts at about 60 MB; its state per target is fixed (a ring of 1,024 probes,
    // 17 bytes each, and fixed histograms: under 2 MB for 100); V8 lets its heap grow under 10,000 probes a second
    // of short-lived garbage (measured 95-105 MB on a loaded 2-CPU machine). 150 MB is what the other long-running
    // commands are held to (test/hardening.test.ts), half as much again as measured.
    expect(free.peakMb).toBeLessThan(150);

    // The growth above is the garbage collector's leisure, not something kept: with 24 MB of old space (and a young
    // generation of 2 MB semi-spaces instead of 16), 100,000 probes (each at least a 64-byte buffer and its
    // callback) would not fit if any were kept, and the peak comes down to the process's own size.
    const capped = await probeRun(targets, ['--max-old-space-size=24', '--max-semi-space-size=2']);
    console.log(`the same, --max-old-space-size=24 --max-semi-space-size=2: VmHWM ${capped.peakMb.toFixed(1)} MB, exit ${capped.code}`);
    expect(capped.code, capped.stderr.slice(-2000)).toBe(0);
    expect(capped.stderr.match(new RegExp(`: ${COUNT} sent, `, 'g'))).toHaveLength(TARGETS);
    expect(capped.peakMb).toBeLessThan(100);
  });
});
