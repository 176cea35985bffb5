/** End to end: the built udp-listen and udp-send run as subprocesses, as a user runs them. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { binPath, boundSocket, deadPort, listening, runBin, sendFrom, startBin, startProcess, waitFor } from './helpers.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

describe('built bins', () => {
  it('udp-send reaches udp-listen: one record with the sender, on stdout', async () => {
    const listen = startBin('udp-listen', ['--count', '1', '0']);
    const port = await listening(listen);
    const send = await runBin('udp-send', ['127.0.0.1', String(port), 'Hello, World!']);
    expect(send).toMatchObject({ code: 0, stdout: '', stderr: `sent 13 bytes to 127.0.0.1:${port} over udp\n` });
    expect((await listen.exit).code).toBe(0);
    expect(listen.stdout.text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z udp 127\.0\.0\.1:\d+ 13 bytes: Hello, World!\n$/);
  });

  it('udp-send reads the message from stdin', async () => {
    const listen = startBin('udp-listen', ['--format', 'raw', '--count', '1', '0']);
    const port = await listening(listen);
    const send = await runBin('udp-send', ['127.0.0.1', String(port)], 'piped\n');
    expect(send.code).toBe(0);
    await listen.exit;
    expect(listen.stdout.text).toBe('piped\n');
  });

  it('a hostile payload from a file (--file) prints as one escaped line', async () => {
    const file = new URL('../fixtures/hostile-payload.bin', import.meta.url).pathname;
    const bytes = readFileSync(file);
    const listen = startBin('udp-listen', ['--count', '1', '0']);
    const port = await listening(listen);
    const send = await runBin('udp-send', ['--file', file, '127.0.0.1', String(port)]);
    expect(send.stderr).toBe(`sent ${bytes.length} bytes to 127.0.0.1:${port} over udp\n`);
    await listen.exit;
    const out = listen.stdout.text;
    expect(out.split('\n')).toHaveLength(2);
    expect(out).not.toContain('\x1b');
    expect(out).toContain(`${bytes.length} bytes: \\x1b[2J\\x1b[31mFAKE LOG LINE\\n2026-01-01T00:00:00Z`);
    expect(out.endsWith('owned\\0\\xff\n')).toBe(true);
  });

  it('SIGINT after 10,000 datagrams: all 10,000 records, then the summary, exit 0', async () => {
    const listen = startBin('udp-listen', ['--host', '127.0.0.1', '--format', 'json', '0']);
    const port = await listening(listen);
    const sender = await boundSocket();
    // Never more than 1,000 ahead of what the listener has written, so its receive buffer cannot overflow; the last
    // 1,000 are still in flight when SIGINT comes, and the point is that they are flushed.
    for (let i = 0; i < 10_000; i++) {
      await sendFrom(sender, `datagram ${i}`, port, '127.0.0.1');
      if (i % 200 === 199) await waitFor(() => listen.stdout.lines >= i - 1000, { what: `the listener to write record ${i - 1000}` });
    }
    listen.child.kill('SIGINT');
    const { code } = await listen.exit;
    expect(code).toBe(0);
    const lines = listen.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(10_000);
    const seen = new Set(lines.map((line) => (JSON.parse(line) as { payload: string }).payload));
    expect(seen.size).toBe(10_000);
    expect(seen.has('datagram 9999')).toBe(true);
    expect(listen.stderr.text).toMatch(/summary: 10000 datagrams, \d+ bytes from 1 sender in [\d.]+ s \(\d+ datagrams\/s\), kernel drops 0\n$/);
  });

  it('bad input: one line naming the value, the documented exit code, no stack trace', async () => {
    const result = await runBin('udp-send', ['127.0.0.1', '99999', 'x']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe('udp-send: invalid port "99999": expected an integer from 1 to 65535\n');
  });

  it('udp-send --connect to a dead port exits 69', async () => {
    const port = await deadPort();
    const result = await runBin('udp-send', ['--connect', '127.0.0.1', String(port), 'x']);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/^udp-send: connection refused by 127\.0\.0\.1:\d+ over udp/);
  });

  it('a privileged port without permission: exit 77 and a clear message', (context) => {
    const unprivilegedStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (unprivilegedStart <= 7) {
      console.log('skipped: net.ipv4.ip_unprivileged_port_start lets anyone bind port 7 here');
      context.skip();
    }
    // As root, run the bin as nobody (uid 65534) so that the bind really lacks permission. The clone may sit
    // where nobody cannot read, so the self-contained bin (loader and bundle) is copied to a readable folder.
    const asRoot = process.getuid?.() === 0;
    let bin = binPath('udp-listen');
    if (asRoot) {
      const dir = mkdtempSync(join(tmpdir(), 'udpkit-nobody-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      chmodSync(dir, 0o755);
      for (const file of ['udp-listen.cjs', 'udp-listen.bundle.cjs']) copyFileSync(join(dirname(bin), file), join(dir, file));
      bin = join(dir, 'udp-listen.cjs');
    }
    const result = spawnSync(process.execPath, [bin, '--host', '127.0.0.1', '7'], {
      encoding: 'utf8',
      timeout: 10_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(result.status).toBe(77);
    expect(result.stderr).toBe(
      'udp-listen: cannot bind udp 127.0.0.1:7: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE) (EACCES)\n',
    );
  });
});

describe('built bins, output side', () => {
  it('--stats prints a rate and kernel-drop line on stderr every second', async () => {
    const listen = startBin('udp-listen', ['--host', '127.0.0.1', '--stats', '--format', 'raw', '0']);
    const port = await listening(listen);
    const sender = await boundSocket();
    for (let i = 0; i < 50; i++) await sendFrom(sender, 'x', port, '127.0.0.1');
    // A line comes every second; within a few, one shows all 50 datagrams and no kernel drops.
    await listen.stderr.waitFor(/stats: \d+\/s, total 50 \(50 bytes\), kernel drops 0\n/, 5000);
    expect(listen.stderr.text).toMatch(/^listening on udp 127\.0\.0\.1:\d+\n(receive buffer: .* \(net\.core\.rmem_max caps it; .*\n)?(stats: \d+\/s, total \d+ \(\d+ bytes\), kernel drops 0\n)+$/);
    listen.child.kill('SIGTERM');
    expect((await listen.exit).code).toBe(0);
  });

  it('udp-listen | head -3: ends quietly once the reader is gone, with the summary and exit 0', async () => {
    const script = `"${process.execPath}" "${binPath('udp-listen')}" --host 127.0.0.1 0 | head -3; echo "udp-listen exited \${PIPESTATUS[0]}" >&2`;
    const { stdout, stderr } = startProcess('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await listening({ stderr });
    const sender = await boundSocket();
    // The listener learns the reader is gone on its next write after head exits: keep sending until it has.
    let sent = 0;
    await waitFor(async () => {
      if (/udp-listen exited \d+\n/.test(stderr.text)) return true;
      await sendFrom(sender, `line ${sent++}`, port, '127.0.0.1');
      return false;
    }, { timeoutMs: 5000, what: () => `udp-listen to exit after head, ${sent} lines sent` });
    expect(stdout.text.trim().split('\n')).toHaveLength(3);
    expect(stderr.text).toMatch(/^listening on udp 127\.0\.0\.1:\d+\n(receive buffer: .* \(net\.core\.rmem_max caps it; .*\n)?summary: \d+ datagrams?, .*\nudp-listen exited 0\n$/);
  });
});
