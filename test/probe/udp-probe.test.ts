/** `udp-probe` end to end: against udp-listen --echo, a foreign (Python) echo that drops every fifth, dead targets. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { probe } from '../../src/probe/prober.js';
import { listen } from '../../src/core/udp-listener.js';
import { binPath, deadPort, fixturePath, listening, runBin, startBin, startProcess, waitFor } from '../helpers.js';

/** The NDJSON lines of a run, parsed. */
function records(text: string): Record<string, unknown>[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A Python echo server that drops every `n`th datagram; resolves with its port. */
async function lossyEcho(n: number): Promise<number> {
  const server = startProcess('python3', [fixturePath('lossy-echo.py'), String(n)]);
  const match = await server.stdout.waitFor(/^(\d+)\n/);
  return Number(match[1]);
}

describe('probe() (the library)', () => {
  it('against a udpkit echo listener: every probe answered, loss split 0 up / 0 down, RTTs in the histogram', async () => {
    await using listener = await listen({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
    const target = `127.0.0.1:${listener.local.port}`;
    const prober = await probe({ targets: [target], intervalMs: 5, count: 40, timeoutMs: 500 });
    expect(await prober.done).toBe('count');
    const [s] = prober.summary();
    expect(s).toMatchObject({ target, protocol: 'udp', address: '127.0.0.1', sent: 40, received: 40, lost: 0, late: 0, duplicated: 0, direction: 'split', lostUp: 0, lostDown: 0, errors: 0 });
    expect(s?.rtt.count).toBe(40);
    expect(s?.rtt.buckets.reduce((a, b) => a + b, 0)).toBe(40);
    // The echo listener saw the probes and the count question (at the start and the end), from one sender.
    expect(listener.summary()).toMatchObject({ records: 42, senders: 1 });
  });

  it('a malformed target is a usage error before anything is sent', async () => {
    await expect(probe({ targets: ['127.0.0.1'] })).rejects.toThrow('invalid target "127.0.0.1": expected HOST:PORT');
    await expect(probe({ targets: [] })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(probe({ targets: ['127.0.0.1:7'], size: 4 })).rejects.toThrow('invalid size 4: expected 12 to 65507');
  });
});

describe('udp-probe', () => {
  it('a foreign echo server that drops every fifth probe: 20 % lost, direction unknown', async () => {
    const port = await lossyEcho(5);
    // One report at the end only: the count question (an echoed datagram) comes after the 50 probes.
    const run = await runBin('udp-probe', ['-f', 'json', '--count', '50', '--interval', '5ms', '--timeout', '500ms', '--report', '1h', `127.0.0.1:${port}`]);
    expect(run.code, run.stderr).toBe(0);
    const [summary] = records(run.stdout).filter((r) => r.event === 'summary');
    expect(summary).toMatchObject({ target: `127.0.0.1:${port}`, sent: 50, received: 40, lost: 10, late: 0, duplicated: 0, direction: 'unknown' });
    expect(run.stderr).toContain(`127.0.0.1:${port}: 50 sent, 40 received, 10 lost (20.0 %, direction unknown), 0 late, 0 duplicated, 0 reordered`);
  });

  it('an unreachable and an unresolvable target keep the prober reporting while the other target is fine; Ctrl+C exits 0', async () => {
    const echo = startBin('udp-listen', ['--echo', '--host', '127.0.0.1', '0']);
    const good = `127.0.0.1:${await listening(echo)}`;
    const dead = `127.0.0.1:${await deadPort()}`;
    const prober = startBin('udp-probe', ['--interval', '20ms', '--timeout', '100ms', '--report', '300ms', good, dead, 'no-such-host.invalid:7']);
    // Three rounds of reports: the prober did not stop at the first refusal or failed lookup.
    await waitFor(() => prober.stderr.text.split('\n').filter((l) => l.startsWith(`${dead}: loss 100.0 %`)).length >= 3, { what: 'three reports of the dead target', timeoutMs: 10_000 });
    prober.child.kill('SIGINT');
    const { code } = await prober.exit;
    expect(code, prober.stderr.text).toBe(0);
    const lines = prober.stderr.text.split('\n');
    expect(lines.filter((l) => l.startsWith(`${good}: loss 0.0 %`)).length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.startsWith(`${dead}: loss 100.0 %`) && l.includes('last: ECONNREFUSED: nothing listens there'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('no-such-host.invalid:7: not probed: host "no-such-host.invalid" does not resolve')).length).toBeGreaterThanOrEqual(3);
    // The summary per target, after Ctrl+C.
    expect(lines.some((l) => new RegExp(`^${good}: (\\d+) sent, \\1 received, 0 lost \\(0\\.0 %, 0 up, 0 down\\)`).test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^${dead}: (\\d+) sent, 0 received, \\1 lost \\(100\\.0 %\\)`).test(l))).toBe(true);
    expect(lines).toContain('no-such-host.invalid:7 (never resolved): 0 sent, 0 received, 0 lost (-), 0 late, 0 duplicated, 0 reordered; mean rtt -; ' + lines.find((l) => l.startsWith('no-such-host.invalid:7 (never'))?.split('mean rtt -; ')[1]);
  });

  it('-f json: one NDJSON report per target and interval on stdout, nothing of it on stderr', async () => {
    const echo = startBin('udp-listen', ['--echo', '--host', '127.0.0.1', '0']);
    const target = `127.0.0.1:${await listening(echo)}`;
    const run = await runBin('udp-probe', ['-f', 'json', '--interval', '10ms', '--duration', '1s', '--report', '250ms', target]);
    expect(run.code, run.stderr).toBe(0);
    const reports = records(run.stdout).filter((r) => r.event === 'report');
    expect(reports.length).toBeGreaterThanOrEqual(3);
    for (const r of reports) expect(r).toMatchObject({ target, lost: 0, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string });
    expect(reports.at(-1)).toMatchObject({ direction: 'split', lostUp: 0, lostDown: 0 });
    expect(run.stderr).not.toContain('loss ');
  });

  it.each([
    [['127.0.0.1'], 'udp-probe: invalid target "127.0.0.1": expected HOST:PORT (192.0.2.7:7, db1:5005, [::1]:5005)'],
    [[], 'udp-probe: missing the target: expected HOST:PORT... (udp-probe 127.0.0.1:5005)'],
    [['--interval', 'fast', '127.0.0.1:7'], 'udp-probe: invalid --interval "fast": expected a positive duration'],
    [['--size', '8', '127.0.0.1:7'], 'udp-probe: invalid --size "8": expected an integer from 12 to 65507'],
    [['--metrics', 'here', '127.0.0.1:7'], 'udp-probe: invalid --metrics "here": expected [ADDRESS:]PORT (9464, 0.0.0.0:9464, [::1]:9464)'],
    [['127.0.0.1:7', '127.0.0.1:7'], 'udp-probe: target 127.0.0.1:7 is given twice: give each target once'],
  ])('usage error %j: exit 64, one line', async (args, message) => {
    const run = await runBin('udp-probe', args);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith(message), run.stderr).toBe(true);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('udp-probe completion', () => {
  it('eval-ed in bash, completes --int to --interval and --met to --metrics', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-completion-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'udp-probe'), `#!/bin/sh\nexec "${process.execPath}" "${binPath('udp-probe')}" "$@"\n`, { mode: 0o755 });
    const complete = (word: string): string[] => {
      const script = `eval "$(udp-probe completion)"; COMP_WORDS=(udp-probe ${word}); COMP_CWORD=1; _udp_probe_completions; echo "\${COMPREPLY[@]}"`;
      const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, SHELL: '/bin/bash' } });
      return run.stdout.trim().split(' ').sort();
    };
    expect(complete('--int')).toEqual(['--interval']);
    expect(complete('--met')).toEqual(['--metrics']);
  });
});
