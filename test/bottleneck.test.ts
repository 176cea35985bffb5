/**
 * The bottleneck scenario, as root in CI: sender → router → receiver namespaces with tbf on the router. UDP offered
 * twice the link rate loses about half; TCP delivers everything near the link rate; both delays show the queue.
 * The namespaces (and with them the qdisc) are gone afterwards, also after Ctrl+C.
 */
import { describe, expect, it } from 'vitest';
import { slices } from '../src/compare/scenarios/bottleneck.js';
import { bottleneckUnavailable, namespacesWithPrefix, NETNS_PREFIX } from '../src/compare/netns.js';
import { peerUnavailable } from '../src/compare/peer-process.js';
import { compareReportSchema } from '../src/compare/schema.js';
import { peersOf, runBin, startBin, waitFor } from './helpers.js';

const reason = bottleneckUnavailable() ?? peerUnavailable();
if (reason) console.log(`bottleneck tests skipped: ${reason}`);

describe('slices', () => {
  it('bins arrivals by 100 ms: megabits per second and the median delay, null where nothing came', () => {
    // 1250 bytes each: 10 per slice is 1 Mbit/s.
    const times = [...Array.from({ length: 10 }, (_, i) => i * 10), 250];
    const delays = [...Array.from({ length: 10 }, (_, i) => i), 7];
    expect(slices(times, delays, 1250)).toEqual([
      { t: 0, mbps: 1, delayMs: 4 },
      { t: 0.1, mbps: 0, delayMs: null },
      { t: 0.2, mbps: 0.1, delayMs: 7 },
    ]);
    expect(slices([], [], 1250)).toEqual([]);
  });
});

/** Whether a process with this PID runs (signal 0 asks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(reason !== undefined)('udp-compare -s bottleneck', () => {
  it('UDP loses 30-70% at twice the link rate, TCP none at >= 80% of it; both delays above the unloaded path; nothing left', async () => {
    const run = await runBin('udp-compare', ['--format', 'json', '-s', 'bottleneck', '--link-rate', '20mbit', '--link-buffer', '50ms'], undefined, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(run.stdout));
    const result = report.scenarios[0];
    expect(result?.status, result?.reason).toBe('ok');
    const value = (id: string, side: 'udp' | 'tcp') => result?.rows.find((r) => r.id === id)?.[side].value as number;
    console.log(`bottleneck: UDP delivered ${value('delivered', 'udp').toFixed(1)}%, TCP ${value('goodput', 'tcp').toFixed(1)} Mbit/s; p50 delay UDP ${value('delay-p50', 'udp').toFixed(1)} ms, TCP ${value('delay-p50', 'tcp').toFixed(1)} ms, unloaded ${value('unloaded-delay', 'udp').toFixed(2)} ms`);
    expect(value('delivered', 'udp')).toBeGreaterThanOrEqual(30);
    expect(value('delivered', 'udp')).toBeLessThanOrEqual(70);
    expect(value('delivered', 'tcp')).toBe(100);
    expect(value('lost', 'tcp')).toBe(0);
    expect(value('goodput', 'tcp')).toBeGreaterThanOrEqual(0.8 * 20);
    const unloaded = value('unloaded-delay', 'udp');
    for (const side of ['udp', 'tcp'] as const) {
      const series = result?.series?.[side] ?? [];
      expect(series.length).toBeGreaterThan(10);
      const delays = series.map((s) => s.delayMs).filter((d): d is number => d !== null).sort((a, b) => a - b);
      expect(delays[Math.floor(delays.length / 2)]).toBeGreaterThan(unloaded);
      expect(series.some((s) => s.mbps > 0)).toBe(true);
    }
    // Left behind: a bottleneck namespace whose owner (the PID in its name) is gone. A live owner is another run.
    expect(namespacesWithPrefix(NETNS_PREFIX).filter((ns) => /-[srd]$/.test(ns) && !alive(Number(/^udpkit-(\d+)-/.exec(ns)?.[1])))).toEqual([]);
  });

  it('Ctrl+C mid-run: exit 130, the three namespaces removed', async () => {
    const { child, exit } = startBin('udp-compare', ['-s', 'bottleneck'], { stdio: 'ignore' });
    // Mid-run: the namespaces are made and the peers measure across them.
    const running = (): boolean => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 3 && peersOf(child.pid) > 0;
    await waitFor(running, { timeoutMs: 15_000, intervalMs: 50, what: 'the three namespaces and a peer in them' });
    child.kill('SIGINT');
    expect((await exit).code).toBe(130);
    expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
  });
});
