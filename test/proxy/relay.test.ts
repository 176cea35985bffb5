/** The relay as a library, on real loopback sockets: sessions, answers to the right client, each impairment counted and seen. */
import type { Socket } from 'node:dgram';
import { describe, expect, it, onTestFinished } from 'vitest';
import { proxy, type ProxyOptions, type UdpProxy } from '../../src/proxy/proxy.js';
import { boundSocket, waitFor } from '../helpers.js';

/** A UDP echo server on loopback that remembers every sender and every payload, with its receive time. */
async function echoServer(echo = true) {
  const socket = await boundSocket();
  const got: { from: string; payload: Buffer; at: number }[] = [];
  socket.on('message', (payload, rinfo) => {
    got.push({ from: `${rinfo.address}:${rinfo.port}`, payload, at: performance.now() });
    if (echo) socket.send(payload, rinfo.port, rinfo.address);
  });
  return { socket, port: socket.address().port, got };
}

async function start(options: Omit<ProxyOptions, 'port'> & { port?: number }): Promise<UdpProxy> {
  const relay = await proxy({ port: 0, host: '127.0.0.1', ...options });
  onTestFinished(() => relay.close().then(() => undefined));
  return relay;
}

/** A client that records what comes back, with arrival times. */
async function client(): Promise<{ socket: Socket; got: { payload: Buffer; at: number }[] }> {
  const socket = await boundSocket();
  const got: { payload: Buffer; at: number }[] = [];
  socket.on('message', (payload) => got.push({ payload, at: performance.now() }));
  return { socket, got };
}

/** Sends `n` numbered datagrams, `perTurn` at a time with a pause between, so that loopback buffers never overflow. */
async function sendNumbered(socket: Socket, port: number, n: number, perTurn = 50, size = 16): Promise<void> {
  for (let i = 0; i < n; i++) {
    const payload = Buffer.alloc(size);
    payload.writeUInt32BE(i, 0);
    socket.send(payload, port, '127.0.0.1');
    if (i % perTurn === perTurn - 1) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('udp relay', () => {
  it('gives each client its own session: the server sees two peers, each client only its own answers', async () => {
    const server = await echoServer();
    const relay = await start({ target: { host: '127.0.0.1', port: server.port } });
    const a = await client();
    const b = await client();
    for (let i = 0; i < 5; i++) {
      a.socket.send(`a${i}`, relay.local.port, '127.0.0.1');
      b.socket.send(`b${i}`, relay.local.port, '127.0.0.1');
    }
    await waitFor(() => a.got.length === 5 && b.got.length === 5, { what: 'five answers each' });
    expect(a.got.map((g) => g.payload.toString()).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(b.got.map((g) => g.payload.toString()).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(new Set(server.got.map((g) => g.from)).size).toBe(2);
    const summary = relay.summary();
    expect(summary.sessions).toEqual({ open: 2, opened: 2 });
    expect(summary.up.forwarded).toBe(10);
    expect(summary.down.forwarded).toBe(10);
  });

  it('refuses clients beyond maxSessions and counts them; idle sessions end', async () => {
    const server = await echoServer();
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, maxSessions: 1, sessionTimeoutMs: 200 });
    const a = await client();
    const b = await client();
    a.socket.send('a', relay.local.port, '127.0.0.1');
    await waitFor(() => a.got.length === 1, { what: "a's answer" });
    b.socket.send('b', relay.local.port, '127.0.0.1');
    await waitFor(() => relay.summary().up.dropped.sessions === 1, { what: 'b refused' });
    expect(b.got).toHaveLength(0);
    await waitFor(() => relay.summary().sessions.open === 0, { what: 'the idle session to end' });
    b.socket.send('b', relay.local.port, '127.0.0.1');
    await waitFor(() => b.got.length === 1, { what: "b's answer once a's session ended" });
  });

  it('rejects a target that does not resolve, and bad impairments, with one line', async () => {
    await expect(proxy({ port: 0, target: { host: 'no-such-host.invalid', port: 9 } })).rejects.toThrow(/does not resolve/);
    await expect(proxy({ port: 0, target: { host: '127.0.0.1', port: 9 }, up: { loss: 150 } })).rejects.toThrow(
      'up: invalid loss 150: expected a percentage from 0 to 100',
    );
    await expect(proxy({ port: 0, target: { host: '127.0.0.1', port: 9 }, down: { delayMs: -1 } })).rejects.toThrow('down: invalid delayMs -1: expected a duration of 0 or more');
  });
});

describe('impairments', () => {
  it('loses the same datagrams with the same seed, near the share asked', async () => {
    const lostSets: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await echoServer(false);
      const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { loss: 10 }, seed: 42 });
      const c = await client();
      await sendNumbered(c.socket, relay.local.port, 2000);
      await waitFor(() => relay.summary().up.received === 2000, { what: '2000 datagrams at the relay' });
      await waitFor(() => server.got.length === relay.summary().up.forwarded, { what: 'every forwarded datagram at the server' });
      const seen = new Set(server.got.map((g) => g.payload.readUInt32BE(0)));
      lostSets.push([...Array(2000).keys()].filter((i) => !seen.has(i)));
      const up = relay.summary().up;
      expect(up.dropped.loss).toBe(lostSets[run]?.length);
      expect(up.lossAchieved).toBeGreaterThan(8);
      expect(up.lossAchieved).toBeLessThan(12);
    }
    expect(lostSets[1]).toEqual(lostSets[0]);
  });

  it('--loss-burst gives runs of losses of the asked mean length, long-run loss near the share asked', async () => {
    const server = await echoServer(false);
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { loss: 10, lossBurst: 4 }, seed: 7 });
    const c = await client();
    await sendNumbered(c.socket, relay.local.port, 4000);
    await waitFor(() => relay.summary().up.received === 4000, { what: '4000 at the relay' });
    await waitFor(() => server.got.length === relay.summary().up.forwarded, { what: 'every forwarded datagram' });
    const seen = new Set(server.got.map((g) => g.payload.readUInt32BE(0)));
    const runs: number[] = [];
    let run = 0;
    for (let i = 0; i < 4000; i++) {
      if (!seen.has(i)) run += 1;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    const mean = runs.reduce((s, r) => s + r, 0) / runs.length;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(5);
    expect(relay.summary().up.lossAchieved).toBeGreaterThan(6);
    expect(relay.summary().up.lossAchieved).toBeLessThan(14);
  });
});

describe('delay, jitter, and the rest', () => {
  it('--delay up:30ms adds about 30 ms one way only', async () => {
    const server = await echoServer();
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { delayMs: 30 } });
    const c = await client();
    const sentAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      sentAt.push(performance.now());
      c.socket.send(String(i), relay.local.port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(() => c.got.length === 20, { what: '20 answers' });
    const oneWay = server.got.map((g) => g.at - (sentAt[Number(g.payload.toString())] as number)).sort((x, y) => x - y);
    const back = c.got.map((g) => g.at - (server.got.find((s) => s.payload.equals(g.payload))?.at ?? 0)).sort((x, y) => x - y);
    expect(oneWay[10]).toBeGreaterThanOrEqual(29.5);
    expect(oneWay[10]).toBeLessThan(45);
    expect(back[10]).toBeLessThan(10);
    expect(relay.summary().up.delayP50Ms).toBeCloseTo(30, 0);
    expect(relay.summary().down.delayP50Ms).toBeUndefined();
  });

  it('--jitter reorders datagrams; with keepOrder none overtakes another', async () => {
    for (const keepOrder of [false, true]) {
      const server = await echoServer(false);
      const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { delayMs: 20, jitterMs: 10, keepOrder }, seed: 3 });
      const c = await client();
      await sendNumbered(c.socket, relay.local.port, 300, 10);
      await waitFor(() => server.got.length === 300, { what: '300 at the server' });
      const order = server.got.map((g) => g.payload.readUInt32BE(0));
      const overtaken = order.filter((n, i) => i > 0 && n < (order[i - 1] as number)).length;
      if (keepOrder) expect(overtaken).toBe(0);
      else expect(overtaken).toBeGreaterThan(10);
      expect(relay.summary().up.reordered > 0).toBe(!keepOrder);
    }
  });

  it('duplicate, corrupt, mtu and outage are each counted and seen by the receiver', async () => {
    const server = await echoServer(false);
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { duplicate: 20, corrupt: 20, mtu: 100 }, seed: 11 });
    const c = await client();
    await sendNumbered(c.socket, relay.local.port, 500, 50, 64);
    for (let i = 0; i < 10; i++) c.socket.send(Buffer.alloc(200), relay.local.port, '127.0.0.1');
    await waitFor(() => relay.summary().up.received === 510, { what: '510 at the relay' });
    const up = relay.summary().up;
    await waitFor(() => server.got.length === up.forwarded, { what: 'every copy at the server' });
    expect(up.dropped.mtu).toBe(10);
    expect(server.got.every((g) => g.payload.length === 64)).toBe(true);
    const counts = new Map<string, number>();
    for (const g of server.got) counts.set(g.payload.toString('hex'), (counts.get(g.payload.toString('hex')) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n === 2).length;
    expect(twice).toBe(up.duplicated);
    expect(up.duplicated).toBeGreaterThan(60);
    // A corrupted datagram has one bit flipped: its number field or its zero padding is no longer as sent.
    const damaged = server.got.filter((g) => g.payload.readUInt32BE(0) >= 500 || g.payload.subarray(4).some((b) => b !== 0));
    expect(new Set(damaged.map((g) => g.payload.toString('hex'))).size).toBeGreaterThanOrEqual(up.corrupted - 15);
    expect(up.corrupted).toBeGreaterThan(60);
  });

  it('--outage 200ms/100ms drops about half, counted as outage', async () => {
    const server = await echoServer(false);
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { outage: { everyMs: 200, forMs: 100 } } });
    const c = await client();
    for (let i = 0; i < 100; i++) {
      c.socket.send(String(i), relay.local.port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await waitFor(() => relay.summary().up.received === 100, { what: '100 at the relay' });
    const up = relay.summary().up;
    expect(up.dropped.outage).toBeGreaterThan(25);
    expect(up.dropped.outage).toBeLessThan(75);
    await waitFor(() => server.got.length === up.forwarded, { what: 'the rest at the server' });
  });

  it('--rate 1mbit carries about 1 Mbit/s of 2 offered and drops the rest at the queue', async () => {
    const server = await echoServer(false);
    const relay = await start({ target: { host: '127.0.0.1', port: server.port }, up: { rate: 125_000 } });
    const c = await client();
    // 2 Mbit/s offered for 1 s: 250 datagrams of 1000 bytes, one every 4 ms (paced by the clock, in bursts of 5).
    const t0 = performance.now();
    for (let i = 0; i < 250; i++) {
      while (performance.now() - t0 < i * 4) await new Promise((resolve) => setTimeout(resolve, 1));
      c.socket.send(Buffer.alloc(1000), relay.local.port, '127.0.0.1');
    }
    await waitFor(() => relay.summary().up.received === 250, { what: '250 at the relay' });
    await waitFor(() => server.got.length === relay.summary().up.forwarded, { what: 'the queue to empty', timeoutMs: 2000 });
    const up = relay.summary().up;
    const first = server.got[0]?.at ?? 0;
    const last = server.got.at(-1)?.at ?? 0;
    const mbit = ((server.got.length - 1) * 8000) / ((last - first) * 1000);
    expect(mbit).toBeGreaterThan(0.85);
    expect(mbit).toBeLessThan(1.15);
    expect(up.dropped.queue).toBeGreaterThan(90);
    expect(up.dropped.queue).toBeLessThan(150);
  });
});
