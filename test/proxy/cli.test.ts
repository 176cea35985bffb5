/** udp-proxy end to end: the built bin between Python peers, as an unprivileged user; records, pcap, control API, errors. */
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { binPath, boundSocket, fixturePath, listening, runBin, startProcess, waitFor, type Running } from '../helpers.js';
import { startProxy } from './nobody.js';

/** Stops a proxy with SIGTERM; resolves with its exit code and summary (stderr). */
async function stop(run: Running): Promise<{ code: number | null; stderr: string; stdout: string }> {
  run.child.kill('SIGTERM');
  const { code } = await run.exit;
  return { code, stderr: run.stderr.text, stdout: run.stdout.text };
}

/** A temporary directory the unprivileged proxy can write into. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'udp-proxy-'));
  chmodSync(dir, 0o777);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('udp-proxy between Python peers', () => {
  it('two tutorial clients at once: each gets only its own answers, the server sees two peers', async () => {
    const server = startProcess('python3', [fixturePath('proxy-peers.py'), 'server', '10']);
    const serverPort = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
    const relay = startProxy(['-v', '--host', '127.0.0.1', '0', '127.0.0.1', String(serverPort)]);
    const port = await listening(relay);
    expect(relay.stderr.text).toMatch(/relaying to 127\.0\.0\.1:\d+ \(seed \d+\)/);
    const a = startProcess('python3', [fixturePath('proxy-peers.py'), 'client', String(port), 'alice', '5']);
    const b = startProcess('python3', [fixturePath('proxy-peers.py'), 'client', String(port), 'bob', '5']);
    await Promise.all([a.exit, b.exit]);
    expect(a.stdout.text.trim().split('\n')).toEqual([0, 1, 2, 3, 4].map((i) => `echo alice-${i}`));
    expect(b.stdout.text.trim().split('\n')).toEqual([0, 1, 2, 3, 4].map((i) => `echo bob-${i}`));
    await server.exit;
    const peers = new Set(server.stdout.text.trim().split('\n').slice(1).map((line) => line.split(' ')[0]));
    expect(peers.size).toBe(2);
    const { code, stderr } = await stop(relay);
    expect(code).toBe(0);
    expect(stderr).toMatch(/session #1 opened for 127\.0\.0\.1:\d+/);
    expect(stderr).toContain('summary up (client → target): 10 received, 10 forwarded, 0 dropped');
    expect(stderr).toContain('summary down (target → client): 10 received, 10 forwarded, 0 dropped');
    expect(stderr).toMatch(/sessions: 2 opened \(seed \d+\)/);
  });
});

describe('udp-proxy records and captures', () => {
  /** One run: 200 numbered datagrams through `--loss 20% --seed 5 -f json`; the fates in order. */
  async function fates(): Promise<string[]> {
    const server = await boundSocket();
    const relay = startProxy(['-f', 'json', '--seed', '5', '--loss', '20%', '--host', '127.0.0.1', '0', '127.0.0.1', String(server.address().port)]);
    const port = await listening(relay);
    const client = await boundSocket();
    for (let i = 0; i < 200; i++) client.send(String(i), port, '127.0.0.1');
    await waitFor(() => relay.stdout.lines >= 200, { what: '200 records' });
    const { code, stdout } = await stop(relay);
    expect(code).toBe(0);
    return stdout.trim().split('\n').map((line) => {
      const record = JSON.parse(line) as { direction: string; size: number; fate: string; cause?: string; delayMs: number; client: string; time: string };
      expect(record.direction).toBe('up');
      expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT/);
      return `${record.fate}${record.cause ?? ''}`;
    });
  }

  it('-f json: a record per datagram, and --seed gives the same fates in two runs', async () => {
    const first = await fates();
    const second = await fates();
    expect(first).toEqual(second);
    const lost = first.filter((f) => f === 'droppedloss').length;
    expect(lost).toBeGreaterThan(20);
    expect(lost).toBeLessThan(60);
  });

  it('--pcap writes both legs, which tshark reads with the right ports', async () => {
    const dir = tempDir();
    const file = join(dir, 'legs.pcap');
    const server = await boundSocket();
    server.on('message', (payload, rinfo) => server.send(payload, rinfo.port, rinfo.address));
    const relay = startProxy(['--pcap', file, '--host', '127.0.0.1', '0', '127.0.0.1', String(server.address().port)]);
    const port = await listening(relay);
    const client = await boundSocket();
    const answered = new Promise((resolve) => client.once('message', resolve));
    client.send('ping', port, '127.0.0.1');
    await answered;
    expect((await stop(relay)).code).toBe(0);
    const read = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'data.text', '-o', 'data.show_as_text:TRUE'], { encoding: 'utf8', timeout: 20_000 });
    const rows = read.stdout.trim().split('\n').map((line) => line.split('\t'));
    const c = String(client.address().port);
    const s = String(server.address().port);
    expect(rows).toHaveLength(4);
    expect(rows[0]?.slice(0, 2)).toEqual([c, String(port)]);
    expect(rows[1]?.[1]).toBe(s);
    expect(rows[2]?.[0]).toBe(s);
    expect(rows[3]?.slice(0, 2)).toEqual([String(port), c]);
  });
});

describe('udp-proxy impairments through the bin, as nobody', () => {
  /** Sends `n` numbered 64-byte datagrams (and `big` of 200 bytes) through a proxy started with `flags`; the receiver's view and the summary. */
  async function through(flags: string[], n: number, big = 0) {
    const server = await boundSocket();
    const got: { n: number; bytes: Buffer; at: number }[] = [];
    server.on('message', (payload) => got.push({ n: payload.readUInt32BE(0), bytes: payload, at: performance.now() }));
    const relay = startProxy([...flags, '--host', '127.0.0.1', '0', '127.0.0.1', String(server.address().port)]);
    const port = await listening(relay);
    const client = await boundSocket();
    const sentAt: number[] = [];
    for (let i = 0; i < n; i++) {
      const payload = Buffer.alloc(64);
      payload.writeUInt32BE(i, 0);
      sentAt.push(performance.now());
      client.send(payload, port, '127.0.0.1');
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (let i = 0; i < big; i++) client.send(Buffer.alloc(200), port, '127.0.0.1');
    // A quiet spell after the last send: what is delayed arrives, nothing more does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { code, stderr } = await stop(relay);
    expect(code).toBe(0);
    const up = /summary up \(client → target\): (\d+) received, (\d+) forwarded, (\d+) dropped[^,]*(?:, |\) )?.*?(\d+) duplicated, (\d+) corrupted, (\d+) reordered/.exec(stderr);
    expect(up, stderr).not.toBeNull();
    const [received, forwarded, dropped, duplicated, corrupted, reordered] = (up as RegExpExecArray).slice(1).map(Number) as [number, number, number, number, number, number];
    return { got, sentAt, stderr, received, forwarded, dropped, duplicated, corrupted, reordered };
  }

  it('--delay up:30ms adds about 30 ms one way only', async () => {
    const r = await through(['--delay', 'up:30ms'], 20);
    const oneWay = r.got.map((g) => g.at - (r.sentAt[g.n] as number)).sort((a, b) => a - b);
    expect(oneWay[10]).toBeGreaterThanOrEqual(29.5);
    expect(oneWay[10]).toBeLessThan(60);
    expect(r.stderr).toContain('impairments: up: delay 30ms; down: none');
    expect(r.stderr).toMatch(/summary up .*delay p50 30\.0 ms/);
  });

  it('--jitter reorders, --keep-order does not', async () => {
    const loose = await through(['--seed', '3', '--delay', '20ms', '--jitter', '10ms'], 200);
    const kept = await through(['--seed', '3', '--delay', '20ms', '--jitter', '10ms', '--keep-order'], 200);
    const overtaken = (got: { n: number }[]) => got.filter((g, i) => i > 0 && g.n < (got[i - 1] as { n: number }).n).length;
    expect(overtaken(loose.got)).toBeGreaterThan(5);
    expect(loose.reordered).toBeGreaterThan(5);
    expect(overtaken(kept.got)).toBe(0);
    expect(kept.reordered).toBe(0);
  });

  it('--duplicate, --corrupt, --mtu and --outage: each counted in the summary and seen by the receiver', async () => {
    const r = await through(['--seed', '9', '--duplicate', 'up:10%', '--corrupt', 'up:10%', '--mtu', '100'], 300, 5);
    expect(r.received).toBe(305);
    expect(r.stderr).toMatch(/dropped \(mtu 5\)/);
    expect(r.got.every((g) => g.bytes.length === 64)).toBe(true);
    expect(r.got.length).toBe(r.forwarded);
    expect(r.duplicated).toBeGreaterThan(10);
    const copies = new Map<string, number>();
    for (const g of r.got) copies.set(g.bytes.toString('hex'), (copies.get(g.bytes.toString('hex')) ?? 0) + 1);
    expect([...copies.values()].filter((c) => c === 2).length).toBe(r.duplicated);
    expect(r.corrupted).toBeGreaterThan(10);
    const damaged = r.got.filter((g) => g.n >= 300 || g.bytes.subarray(4).some((b) => b !== 0));
    expect(damaged.length).toBeGreaterThan(0);
    const dark = await through(['--outage', '100ms/99ms'], 100);
    expect(dark.stderr).toMatch(/dropped \(outage \d+\)/);
    expect(dark.got.length).toBe(dark.forwarded);
    expect(dark.forwarded).toBeLessThan(20);
  });
});

describe('the control API', () => {
  it('changes loss from 0 to 100% and back while traffic flows; bad JSON and values get 400', async () => {
    const server = await boundSocket();
    const got: string[] = [];
    server.on('message', (payload) => got.push(payload.toString()));
    const relay = startProxy(['--control', '0', '--host', '127.0.0.1', '0', '127.0.0.1', String(server.address().port)]);
    const port = await listening(relay);
    const api = `http://127.0.0.1:${(await relay.stderr.waitFor(/control API on http:\/\/127\.0\.0\.1:(\d+)\//))[1]}`;
    const client = createSocket('udp4');
    onTestFinished(() => {
      client.close();
    });
    let n = 0;
    const timer = setInterval(() => client.send(String(n++), port, '127.0.0.1'), 2);
    onTestFinished(() => clearInterval(timer));
    await waitFor(() => got.length > 20, { what: 'traffic before' });
    const put = (path: string, body: string) => fetch(`${api}${path}`, { method: 'PUT', body });
    expect((await put('/up', '{"loss": "100%"}')).status).toBe(200);
    const during = got.length;
    const mark = n;
    await waitFor(() => n > mark + 50, { what: '50 sent during the blackout' });
    expect(got.length - during).toBeLessThanOrEqual(2);
    const state = (await (await fetch(api)).json()) as { up: Record<string, unknown>; summary: { up: { dropped: { loss: number } } } };
    expect(state.up).toEqual({ loss: '100%' });
    expect(state.summary.up.dropped.loss).toBeGreaterThan(40);
    expect((await put('/up', '{}')).status).toBe(200);
    const after = got.length;
    await waitFor(() => got.length > after + 20, { what: 'traffic after loss is back to 0' });
    const bad = await put('/down', '{"loss": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^invalid JSON/);
    const badValue = await put('/down', '{"loss": "150%"}');
    expect(badValue.status).toBe(400);
    expect(await badValue.json()).toEqual({ error: 'invalid --loss "150%": expected a percentage from 0 to 100 (2%, 0.5%)' });
    const reset = await fetch(`${api}/reset`, { method: 'POST' });
    expect(((await reset.json()) as { summary: { up: { dropped: { loss: number } } } }).summary.up.dropped.loss).toBe(0);
    clearInterval(timer);
    expect((await stop(relay)).code).toBe(0);
  });
});

describe('udp-proxy bad input', () => {
  it.each([
    [['--loss', '150%', '0', '127.0.0.1', '9'], 64, 'udp-proxy: invalid --loss "150%": expected a percentage from 0 to 100 (2%, 0.5%)'],
    [['--delay', '-1ms', '0', '127.0.0.1', '9'], 64, 'udp-proxy: invalid --delay "-1ms": expected a duration of 0 or more'],
    [['--rate', 'fast', '0', '127.0.0.1', '9'], 64, 'udp-proxy: invalid --rate "fast": expected a rate in tc\'s units'],
    [['--seed', 'up:3', '0', '127.0.0.1', '9'], 64, 'udp-proxy: invalid --seed "up:3": --seed has no direction'],
    [['--delay', 'up:1ms', '--delay', '2ms', '0', '127.0.0.1', '9'], 64, 'udp-proxy: --delay is given twice for up ("up:1ms" and "2ms")'],
    [['--tcp', '--loss', '1%', '0', '127.0.0.1', '9'], 64, 'udp-proxy: --loss works with UDP only: TCP cannot lose data in a relay'],
    [['--loss-burst', '3', '0', '127.0.0.1', '9'], 64, 'udp-proxy: --loss-burst works with --loss only'],
    [['0', 'no-such-host.invalid', '9'], 68, 'udp-proxy: host "no-such-host.invalid" does not resolve'],
  ])('%j: exit %i with one line', async (args, exit, line) => {
    const { code, stderr } = await runBin('udp-proxy', args);
    expect(code).toBe(exit);
    expect(stderr.startsWith(line)).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('udp-proxy as an installed bin runs it', () => {
  it('runs through its shebang with 4 MB semi-spaces (the delay line holds datagrams past the young generation)', () => {
    const bin = binPath('udp-proxy');
    const first = spawnSync('head', ['-1', bin], { encoding: 'utf8' }).stdout;
    expect(first).toBe('#!/usr/bin/env -S node --max-semi-space-size=4\n');
    // Executed as a file (as npm's link runs it), the line must work: env -S splits it, node takes the option.
    const run = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
