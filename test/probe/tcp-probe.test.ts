/**
 * `udp-probe --tcp` (and `probe({ tcp: true })`): the connect timed, a round trip per probe over a kept connection,
 * against echo servers udpkit did not write (socat, Python) and `udp-listen --tcp --echo`; a server that closes,
 * resets, refuses or stops answering is counted by cause and reconnected.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/prober.js';
import { fixturePath, listening, runBin, startBin, startProcess, tcpServer } from '../helpers.js';

/** The NDJSON lines of a run, parsed. */
function records(text: string): Record<string, unknown>[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A free TCP port on loopback (bound by Python and released): nothing listens there. */
function deadTcpPort(): number {
  const run = spawnSync('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'], { encoding: 'utf8', timeout: 5000 });
  return Number(run.stdout.trim());
}

const hasSocat = spawnSync('socat', ['-V'], { encoding: 'utf8' }).status === 0;
if (!hasSocat) console.log('skipping the socat TCP echo test: socat is not installed (apt-get install socat; .ci/run installs it)');

describe('probe({ tcp: true })', () => {
  it.skipIf(!hasSocat)('against socat as a TCP echo server: one connection, its connect timed, every probe a round trip', async () => {
    // socat echoes each connection's bytes back (a child per connection, `fork`).
    const port = deadTcpPort();
    const socat = startProcess('socat', ['-d', '-d', `TCP4-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, 'PIPE']);
    await socat.stderr.waitFor(/listening on/);
    const target = `127.0.0.1:${port}`;
    const prober = await probe({ targets: [target], tcp: true, intervalMs: 5, count: 40, timeoutMs: 1000, size: 100 });
    expect(await prober.done).toBe('count');
    const [s] = prober.summary();
    expect(s).toMatchObject({ target, protocol: 'tcp', address: '127.0.0.1', sent: 40, received: 40, lost: 0, late: 0, duplicated: 0, reordered: 0, direction: 'unknown', errors: 0, failures: {}, connects: 1 });
    expect(s?.connect?.count).toBe(1);
    expect(s?.rtt.count).toBe(40);
    expect(s?.ipdv.count).toBe(39);
  });

  it('a server that accepts and never echoes: probes lost, the connection given up after twice the timeout (timeout) and opened anew', async () => {
    const port = await tcpServer(() => undefined);
    const prober = await probe({ targets: [`127.0.0.1:${port}`], tcp: true, intervalMs: 20, durationMs: 1800, timeoutMs: 100 });
    await prober.done;
    const [s] = prober.summary();
    expect(s?.received).toBe(0);
    expect(s?.lost).toBe(s?.sent);
    expect(s?.failures.timeout).toBeGreaterThanOrEqual(1);
    expect(s?.connects).toBeGreaterThanOrEqual(2);
    expect(s?.lastError).toBe('no echo for 200 ms: connection given up');
  });
});

describe('probe({ tcp: true }) against what is not an echo server', () => {
  it('a server that answers something else (as an HTTP server would): counted mismatch, the connection opened anew', async () => {
    const port = await tcpServer((socket) => socket.on('data', (chunk: Buffer) => socket.write(Buffer.alloc(chunk.length, 0x41))));
    const prober = await probe({ targets: [`127.0.0.1:${port}`], tcp: true, intervalMs: 20, durationMs: 1500, timeoutMs: 200 });
    await prober.done;
    const [s] = prober.summary();
    expect(s?.received).toBe(0);
    expect(s?.failures.mismatch).toBeGreaterThanOrEqual(1);
    expect(s?.connects).toBeGreaterThanOrEqual(s?.failures.mismatch ?? 0);
    expect(s?.lastError).toBe('what came back is not an echo of the probes');
  });
});

describe('udp-probe --tcp', () => {
  it('against udp-listen --tcp --echo: every probe answered; -f json summary with connects and the mean connect time', async () => {
    const echo = startBin('udp-listen', ['--tcp', '--echo', '--host', '127.0.0.1', '0']);
    const target = `127.0.0.1:${await listening(echo, 'tcp')}`;
    const run = await runBin('udp-probe', ['--tcp', '-f', 'json', '--count', '30', '--interval', '10ms', '--report', '1h', target]);
    expect(run.code, run.stderr).toBe(0);
    const [summary] = records(run.stdout).filter((r) => r.event === 'summary');
    expect(summary).toMatchObject({ target, protocol: 'tcp', sent: 30, received: 30, lost: 0, direction: 'unknown', errors: 0, connects: 1 });
    expect(summary?.meanConnectMs).toBeGreaterThan(0);
    expect(run.stderr).toMatch(new RegExp(`^${target}: 30 sent, 30 received, 0 lost \\(0\\.0 %, direction unknown\\), 0 late, 0 duplicated, 0 reordered; mean rtt [\\d.]+ ms; 1 connect, mean connect [\\d.]+ ms$`, 'm'));
  });

  it('a server that closes, then resets, mid-run: each counted by cause, the connection opened anew, probing goes on', async () => {
    // 64-byte probes; the Python server ends its first connection (FIN) after 10 echoes, its second (RST) after 10 more.
    const server = startProcess('python3', [fixturePath('tcp-breaking-echo.py'), '64', '10']);
    const port = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
    const target = `127.0.0.1:${port}`;
    const run = await runBin('udp-probe', ['--tcp', '-f', 'json', '--count', '150', '--interval', '20ms', '--timeout', '300ms', '--report', '1h', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(server.stdout.text).toContain('closed 1\nreset 2\n');
    const [summary] = records(run.stdout).filter((r) => r.event === 'summary');
    expect(summary).toMatchObject({ target, protocol: 'tcp', sent: 150, connects: 3, errors: 2, failures: { closed: 1, reset: 1 } });
    // The third connection answers to the end: the probes after the reconnects (150 at 20 ms, 3 s) came back.
    expect(summary?.received).toBeGreaterThan(60);
    expect((summary?.received as number) + (summary?.lost as number)).toBe(150);
    expect(run.stderr).toMatch(/; 2 errors \((closed 1, reset 1|reset 1, closed 1)\), last: /);
  });

  it('a refused target keeps the prober running beside a good one; its loss is 100 %, the cause refused', async () => {
    const echo = startBin('udp-listen', ['--tcp', '--echo', '--host', '127.0.0.1', '0']);
    const good = `127.0.0.1:${await listening(echo, 'tcp')}`;
    const dead = `127.0.0.1:${deadTcpPort()}`;
    const run = await runBin('udp-probe', ['--tcp', '-f', 'json', '--duration', '2500ms', '--interval', '20ms', '--timeout', '200ms', '--report', '1h', good, dead]);
    expect(run.code, run.stderr).toBe(0);
    const summaries = records(run.stdout).filter((r) => r.event === 'summary');
    const ok = summaries.find((s) => s.target === good);
    const down = summaries.find((s) => s.target === dead);
    expect(ok).toMatchObject({ lost: 0, errors: 0, connects: 1 });
    expect(ok?.received).toBe(ok?.sent);
    expect(down).toMatchObject({ received: 0, connects: 0, lastError: 'ECONNREFUSED: nothing listens there (connection refused)' });
    expect(down?.lost).toBe(down?.sent);
    // Tried again at most once a second: the first attempt and two or three more in 2.5 s, never once per probe.
    expect((down?.failures as { refused: number }).refused).toBeGreaterThanOrEqual(2);
    expect((down?.failures as { refused: number }).refused).toBeLessThanOrEqual(4);
  });

  it('--metrics: the same names labelled protocol="tcp", failures by cause, connects and the connect histogram', async () => {
    const echo = startBin('udp-listen', ['--tcp', '--echo', '--host', '127.0.0.1', '0']);
    const good = `127.0.0.1:${await listening(echo, 'tcp')}`;
    const dead = `127.0.0.1:${deadTcpPort()}`;
    const prober = startBin('udp-probe', ['--tcp', '--interval', '20ms', '--timeout', '200ms', '--metrics', '0', good, dead]);
    const url = (await prober.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
    // Until both targets have something to show: echoes from the good one, a refusal from the dead one.
    let body = '';
    for (let i = 0; i < 50 && !(body.includes(`udpkit_probe_failures_total{target="${dead}"`) && /udpkit_probe_received_total\{[^}]*\} [1-9]/.test(body)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      body = await (await fetch(url)).text();
    }
    const g = `target="${good}",protocol="tcp"`;
    expect(body).toMatch(new RegExp(`^udpkit_probe_sent_total\\{${g}\\} [1-9]\\d*$`, 'm'));
    expect(body).toMatch(new RegExp(`^udpkit_probe_received_total\\{${g}\\} [1-9]\\d*$`, 'm'));
    expect(body).toContain(`udpkit_probe_connects_total{${g}} 1\n`);
    expect(body).toContain(`udpkit_probe_connect_seconds_count{${g}} 1\n`);
    expect(body).toContain(`udpkit_probe_connect_seconds_bucket{${g},le="+Inf"} 1\n`);
    expect(body).toMatch(new RegExp(`^udpkit_probe_lost_total\\{${g},direction="unknown"\\} 0$`, 'm'));
    expect(body).toMatch(new RegExp(`^udpkit_probe_failures_total\\{target="${dead}",protocol="tcp",cause="refused"\\} [1-9]$`, 'm'));
    expect(body).toMatch(/^# TYPE udpkit_probe_connect_seconds histogram$/m);
    // udpkit's own families (prom-client's default ones are its business: promtool lints some of their names).
    const ours = body.split('\n').filter((line) => /^(# (HELP|TYPE) )?udpkit_/.test(line)).join('\n');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: `${ours}\n`, encoding: 'utf8', timeout: 30_000 });
    if (check.error === undefined) expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    else console.log('promtool is not installed: the exposition is not checked by it');
    prober.child.kill('SIGINT');
    expect((await prober.exit).code).toBe(0);
  });
});
