/**
 * Names that resolve to several addresses: `localhost` as Debian's stock /etc/hosts has it (`::1`, then
 * `127.0.0.1`), put in place by a private mount namespace around each bin (root; unshare from util-linux).
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, boundSocket, hasIPv6, startProcess, tcpClient, tcpServer, waitFor } from './helpers.js';

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private /etc/hosts needs root (unshare --mount)';
  const probe = spawnSync('unshare', ['--mount', 'true'], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0 ? undefined : 'unshare --mount does not work here';
}
const skip = whyNot() ?? ((await hasIPv6()) ? undefined : 'no IPv6 loopback');
if (skip) console.log(`tests of names with two addresses skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'udpkit-hosts-'));
const hosts = join(dir, 'hosts');
writeFileSync(hosts, '::1 localhost\n127.0.0.1 localhost\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a bin with `hosts` bound over /etc/hosts, in a mount namespace of its own; killed when the test ends. */
function withHosts(name: string, args: string[]) {
  const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
  const unshare = ['--mount', '--propagation', 'private', 'sh', '-c', script, hosts];
  return startProcess('unshare', [...unshare, process.execPath, binPath(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(skip !== undefined)('localhost resolving to ::1 and 127.0.0.1', () => {
  it('udp-send --tcp localhost connects on 127.0.0.1 when [::1] refuses, and says which answered', async () => {
    const port = await tcpServer((socket) => socket.resume().on('end', () => socket.end()));
    const sent = withHosts('udp-send', ['--tcp', 'localhost', String(port), 'hi']);
    expect((await sent.exit).code).toBe(0);
    expect(sent.stderr.text).toMatch(new RegExp(`^sent 2 bytes to 127\\.0\\.0\\.1:${port} over tcp \\(connected in [\\d.]+ ms, after \\[::1\\]:${port} refused\\)\\n$`));
  });

  it('udp-send --tcp localhost with nothing on either address: refused, naming both', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const sent = withHosts('udp-send', ['--tcp', 'localhost', String(port), 'hi']);
    expect((await sent.exit).code).toBe(69);
    expect(sent.stderr.text).toBe(`udp-send: connection refused by [::1]:${port} and 127.0.0.1:${port} over tcp (every address of localhost)\n`);
  });

  it('udp-listen --host localhost binds both, says so, and hears a client of each', async () => {
    const listen = withHosts('udp-listen', ['--host', 'localhost', '-f', 'json', '0']);
    const match = await listen.stderr.waitFor(/^listening on udp \[::1\]:(\d+) and 127\.0\.0\.1:(\d+) \(every address of localhost\)\n/);
    expect(match[1]).toBe(match[2]);
    const port = Number(match[1]);
    for (const [type, address] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
      const socket = createSocket(type);
      await new Promise<void>((resolve) => socket.send(`to ${address}`, port, address, () => resolve()));
      socket.close();
    }
    await waitFor(() => listen.stdout.text.split('\n').length > 2, { timeoutMs: 5000, what: 'two records' });
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    const records = listen.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { payload: string; local: { address: string } });
    expect(records.map((r) => [r.payload, r.local.address]).sort()).toEqual([
      ['to 127.0.0.1', '127.0.0.1'],
      ['to ::1', '::1'],
    ]);
  });

  it('udp-listen --tcp --host localhost accepts on both addresses', async () => {
    const listen = withHosts('udp-listen', ['--tcp', '--host', 'localhost', '-f', 'json', '0']);
    const match = await listen.stderr.waitFor(/^listening on tcp \[::1\]:(\d+) and 127\.0\.0\.1:\d+ \(every address of localhost\)\n/);
    const port = Number(match[1]);
    for (const host of ['127.0.0.1', '::1']) (await tcpClient(port, host)).end(`via ${host}`);
    await waitFor(() => listen.stdout.text.split('"event":"close"').length === 3, { timeoutMs: 5000, what: 'two closes' });
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    const data = listen.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { event: string; payload?: string; local: { address: string } });
    expect(data.filter((r) => r.event === 'data').map((r) => [r.payload, r.local.address]).sort()).toEqual([
      ['via 127.0.0.1', '127.0.0.1'],
      ['via ::1', '::1'],
    ]);
  });

  it('udp-send localhost over UDP goes to the first address, [::1]', async () => {
    const v6 = await boundSocket('udp6');
    const got = new Promise<string>((resolve) => v6.once('message', (m) => resolve(m.toString())));
    const sent = withHosts('udp-send', ['localhost', String(v6.address().port), 'first']);
    expect((await sent.exit).code).toBe(0);
    expect(sent.stderr.text).toBe(`sent 5 bytes to [::1]:${v6.address().port} over udp\n`);
    expect(await got).toBe('first');
  });
});
