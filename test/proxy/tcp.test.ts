/** udp-proxy --tcp end to end, run as nobody: curl to Python's http.server through it, delay, reset, half-close. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listening, startProcess, type Running } from '../helpers.js';
import { startProxy } from './nobody.js';

/** `python3 -m http.server` on loopback port 0 serving a directory with a 2 MiB file; resolves with its port. */
async function httpServer(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'udp-proxy-http-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 7));
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  const server = startProcess('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir]);
  return Number((await server.stdout.waitFor(/port (\d+)/, 10_000))[1]);
}

/** curl with a bounded time; resolves with its exit code, the body size and the time to first byte (s). */
async function curl(url: string): Promise<{ code: number | null; size: number; ttfb: number; stderr: string }> {
  const run = startProcess('curl', ['-sS', '-m', '10', '-o', '/dev/null', '-w', '%{size_download} %{time_starttransfer}', url]);
  const { code } = await run.exit;
  const [size, ttfb] = run.stdout.text.split(' ').map(Number);
  return { code, size: size ?? 0, ttfb: ttfb ?? 0, stderr: run.stderr.text };
}

async function stop(run: Running): Promise<{ code: number | null; stderr: string }> {
  run.child.kill('SIGTERM');
  const { code } = await run.exit;
  return { code, stderr: run.stderr.text };
}

describe('udp-proxy --tcp', () => {
  it('carries a curl download from python http.server whole, and --delay raises the time to first byte', async () => {
    const http = await httpServer();
    const plain = startProxy(['--tcp', '-v', '--host', '127.0.0.1', '0', '127.0.0.1', String(http)]);
    const slow = startProxy(['--tcp', '--delay', '150ms', '--host', '127.0.0.1', '0', '127.0.0.1', String(http)]);
    const [plainPort, slowPort] = await Promise.all([listening(plain, 'tcp'), listening(slow, 'tcp')]);
    const fast = await curl(`http://127.0.0.1:${plainPort}/big.bin`);
    expect(fast.code).toBe(0);
    expect(fast.size).toBe(2 * 1024 * 1024);
    const delayed = await curl(`http://127.0.0.1:${slowPort}/hello.txt`);
    expect(delayed.code).toBe(0);
    expect(delayed.size).toBe(6);
    // The request waits 150 ms on the way up and the answer 150 ms on the way down.
    expect(delayed.ttfb).toBeGreaterThanOrEqual(0.3);
    const summary = await stop(plain);
    expect(summary.code).toBe(0);
    expect(summary.stderr).toMatch(/connection #1 from 127\.0\.0\.1:\d+ closed \(fin\)/);
    expect(summary.stderr).toContain('connections: 1 opened, 0 reset');
    const slowSummary = await stop(slow);
    expect(slowSummary.stderr).toMatch(/summary up \(client → target\): 1 chunks received, 1 forwarded, .* delay p50 150\.0 ms/);
  });

  it('--reset-after 64k ends the client transfer with a reset', async () => {
    const http = await httpServer();
    const relay = startProxy(['--tcp', '-v', '--reset-after', '64k', '--host', '127.0.0.1', '0', '127.0.0.1', String(http)]);
    const port = await listening(relay, 'tcp');
    const result = await curl(`http://127.0.0.1:${port}/big.bin`);
    // curl: (56) Recv failure: Connection reset by peer
    expect(result.code).toBe(56);
    expect(result.stderr).toMatch(/reset by peer/i);
    expect(result.size).toBeLessThan(2 * 1024 * 1024);
    const { stderr } = await stop(relay);
    expect(stderr).toMatch(/closed \(reset-after\)/);
    expect(stderr).toContain('1 reset');
  });

  it('passes a half-close through: the server sees the end of the request, and its answer still comes back', async () => {
    // A server that reads to EOF, then answers with the length it read and closes; a client that half-closes.
    const server = startProcess('python3', [
      '-u',
      '-c',
      'import socket\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(1)\ns.settimeout(10)\nprint(s.getsockname()[1])\nc,_=s.accept()\nc.settimeout(10)\nn=0\nwhile True:\n  d=c.recv(65536)\n  if not d: break\n  n+=len(d)\nc.sendall(b"read %d" % n)\nc.close()',
    ]);
    const serverPort = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
    const relay = startProxy(['--tcp', '--delay', '20ms', '--slice', '100', '--host', '127.0.0.1', '0', '127.0.0.1', String(serverPort)]);
    const port = await listening(relay, 'tcp');
    const client = startProcess('python3', [
      '-u',
      '-c',
      `import socket\nc=socket.create_connection(("127.0.0.1",${port}),timeout=10)\nc.sendall(b"x"*5000)\nc.shutdown(socket.SHUT_WR)\nprint(c.recv(100).decode())`,
    ]);
    await client.exit;
    expect(client.stdout.text.trim()).toBe('read 5000');
    expect((await stop(relay)).stderr).toMatch(/summary up \(client → target\): \d+ chunks received, 50 forwarded/);
  });

  it('refuses a UDP-only flag with a sentence that says why', async () => {
    const run = startProxy(['--tcp', '--duplicate', '1%', '0', '127.0.0.1', '80']);
    const { code } = await run.exit;
    expect(code).toBe(64);
    expect(run.stderr.text).toBe('udp-proxy: --duplicate works with UDP only: a TCP stream has no datagrams to send twice (the kernel drops duplicate segments)\n');
  });
});
