/**
 * udp-proxy --tcp --blackhole-after, run as nobody between Python peers: after the bytes or the time given nothing
 * more is forwarded either way, and the connection stays open (no FIN, no reset reaches either side).
 */
import { describe, expect, it } from 'vitest';
import { fixturePath, listening, startProcess } from '../helpers.js';
import { startProxy } from './nobody.js';

/** The server sends `count` pieces of `piece` bytes `gapMs` apart through a proxy started with `flags`. */
async function through(flags: string[], piece: number, count: number, gapMs: number) {
  const server = startProcess('python3', [fixturePath('blackhole-peers.py'), 'server', String(piece), String(count), String(gapMs)]);
  const serverPort = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
  const relay = startProxy(['--tcp', '-v', ...flags, '--host', '127.0.0.1', '0', '127.0.0.1', String(serverPort)]);
  const port = await listening(relay, 'tcp');
  const client = startProcess('python3', [fixturePath('blackhole-peers.py'), 'client', String(port)]);
  await Promise.all([client.exit, server.exit]);
  const sent = Number(/sent (\d+)/.exec(server.stdout.text)?.[1]);
  const got = Number(/got (\d+)/.exec(client.stdout.text)?.[1]);
  relay.child.kill('SIGTERM');
  expect((await relay.exit).code).toBe(0);
  return { sent, got, client: client.stdout.text, server: server.stdout.text, proxy: relay.stderr.text };
}

describe('udp-proxy --tcp --blackhole-after', () => {
  it('64k: the bytes up to the chunk that crosses 64 KiB arrive, then nothing either way; the connection stays open', async () => {
    const run = await through(['--blackhole-after', '64k'], 4096, 100, 5);
    // Chunks are forwarded whole: at least 64 KiB arrived, and far less than the 400 KiB the server sent.
    expect(run.got).toBeGreaterThanOrEqual(64 * 1024);
    expect(run.got).toBeLessThan(200 * 1024);
    expect(run.sent).toBeGreaterThan(run.got);
    // The client's read timed out (no FIN, no reset), and what it wrote after never reached the server.
    expect(run.client).toContain('open');
    expect(run.server).toContain('heard nothing');
    // Closed only by the shutdown, not by a reset or a FIN passed through.
    expect(run.proxy).toMatch(/connection #1 from 127\.0\.0\.1:\d+ closed \(shutdown\)/);
    expect(run.proxy).toContain('0 reset');
  });

  it('400ms: what the server sent in the first 400 ms arrives, then nothing either way; the connection stays open', async () => {
    // 30 pieces of 1,000 bytes, 50 ms apart: about 8 before the blackhole, 22 after.
    const run = await through(['--blackhole-after', '400ms'], 1000, 30, 50);
    expect(run.sent).toBe(30_000);
    expect(run.got).toBeGreaterThan(0);
    expect(run.got).toBeLessThan(run.sent);
    expect(run.client).toContain('open');
    expect(run.server).toContain('heard nothing');
    expect(run.proxy).toMatch(/closed \(shutdown\)/);
  });

  it('without it, the same peers get everything and hear each other (the test can tell)', async () => {
    const run = await through([], 1000, 30, 10);
    expect(run.got).toBe(run.sent);
    expect(run.server).toContain('heard 5 bytes');
  });
});
