/** udp-compare as a user runs it: against a remote echo pair made of the built udp-listen bins. */
import { describe, expect, it } from 'vitest';
import { compareReportSchema } from '../src/compare/schema.js';
import { listening, runBin, startBin } from './helpers.js';

describe('udp-compare HOST PORT', () => {
  it('measures against udp-listen --echo and udp-listen --tcp --echo on one port; local-only scenarios are skipped with a reason', async () => {
    const udp = startBin('udp-listen', ['--host', '127.0.0.1', '--echo', '--echo-rate', '0', '--format', 'raw', '0']);
    const port = await listening(udp);
    const tcp = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '--echo', '--format', 'raw', String(port)]);
    await tcp.stderr.waitFor(/listening on tcp /);
    const result = await runBin('udp-compare', ['--format', 'json', '--messages', '200', '127.0.0.1', String(port)], undefined, 60_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(result.stdout));
    expect(report.workload.target).toBe(`127.0.0.1:${port}`);
    const status = Object.fromEntries(report.scenarios.map((s) => [s.name, s.status]));
    expect(status).toEqual({
      setup: 'ok',
      'no-listener': 'skipped',
      boundaries: 'ok',
      'size-limits': 'ok',
      overload: 'skipped',
      order: 'skipped',
      latency: 'ok',
      'lossy-link': 'skipped',
      bottleneck: 'skipped',
      jitter: 'skipped',
    });
    expect(report.scenarios.find((s) => s.name === 'overload')?.reason).toBe('local only: needs control of the far side');
    const boundaries = report.scenarios.find((s) => s.name === 'boundaries');
    expect(boundaries?.rows.find((r) => r.id === 'sizes-kept')?.udp.value).toBe(true);
    // udp-listen --echo answers udp-compare's count query: the loss split is measured, not n/a.
    expect(typeof boundaries?.rows.find((r) => r.id === 'lost-there')?.udp.value).toBe('number');
    expect(typeof boundaries?.rows.find((r) => r.id === 'lost-back')?.udp.value).toBe('number');
    udp.child.kill('SIGINT');
    tcp.child.kill('SIGINT');
    expect((await udp.exit).code).toBe(0);
    expect((await tcp.exit).code).toBe(0);
  });

  it('a remote that does not answer: the scenarios fail with a reason and the exit code is 75', async () => {
    const quiet = startBin('udp-listen', ['--host', '127.0.0.1', '--format', 'raw', '0']);
    const port = await listening(quiet);
    const result = await runBin('udp-compare', ['-s', 'setup', '127.0.0.1', String(port)], undefined, 30_000);
    expect(result.code).toBe(75);
    expect(result.stdout).toContain('== Setup: time to the first reply: failed (no echo from 127.0.0.1:');
    expect(result.stderr).toMatch(/^udp-compare: 1 scenario\(s\) failed: setup \(no echo from 127\.0\.0\.1:\d+ over udp within 2000 ms\)\n$/);
    quiet.child.kill('SIGTERM');
  });
});
