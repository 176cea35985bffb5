/** TCP mode on loopback: many clients, coalescing made visible, framing, resets, limits, echo, and the sender's failures. */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sendMain } from '../src/cli/send.js';
import { listenTcp, type TcpListenOptions } from '../src/core/tcp-listener.js';
import { sendTcp } from '../src/core/tcp-sender.js';
import { encodeFrame } from '../src/core/framing.js';
import type { CloseRecord, DataRecord, TrafficRecord } from '../src/types.js';
import { closed, memoryIO, sleep, tcpClient, waitFor } from './helpers.js';

async function startTcp(options: Partial<TcpListenOptions> = {}) {
  const records: TrafficRecord[] = [];
  const listener = await listenTcp({ port: 0, host: '127.0.0.1', ...options }, (r) => records.push(r));
  onTestFinished(async () => {
    await listener.close();
  });
  const of = <E extends TrafficRecord['event']>(event: E, conn?: number) =>
    records.filter((r): r is Extract<TrafficRecord, { event: E }> => r.event === event && (conn === undefined || (r as { conn: number }).conn === conn));
  return { listener, records, of, port: listener.local.port };
}

function connOf(records: TrafficRecord[], localPort: number): number {
  const open = records.find((r) => r.event === 'open' && r.from.port === localPort);
  if (!open || open.protocol !== 'tcp') throw new Error(`no open record for client port ${localPort}`);
  return open.conn;
}

describe('many clients', () => {
  it('serves 100 concurrent clients, every byte accounted for per connection', async () => {
    const { records, of, port, listener } = await startTcp();
    const clients: { socket: Socket & { clientPort: number }; data: Buffer }[] = [];
    for (let i = 0; i < 100; i++) {
      const socket = await tcpClient(port);
      clients.push({ socket, data: Buffer.from(`client ${i}: ${'x'.repeat(i * 97)}|end ${i}`) });
    }
    await waitFor(() => listener.connections === 100, { timeoutMs: 5000, what: '100 open connections' });
    for (const { socket, data } of clients) socket.end(data);
    await waitFor(() => of('close').length === 100, { timeoutMs: 10_000, what: '100 close records' });
    for (const { socket, data } of clients) {
      const conn = connOf(records, socket.clientPort);
      const got = Buffer.concat(of('data', conn).map((r) => r.payload));
      expect(got.equals(data), `connection ${conn}`).toBe(true);
      const close = of('close', conn)[0] as CloseRecord;
      expect(close).toMatchObject({ reason: 'fin', received: { bytes: data.length } });
    }
    expect(listener.summary()).toMatchObject({ senders: 100 });
  });
});

describe('coalescing', () => {
  const messages = Array.from({ length: 50 }, (_, i) => Buffer.from(`msg-${i}`));

  it('50 messages written back to back arrive as fewer data records with --frame none', async () => {
    const { of, port } = await startTcp({ frame: 'none' });
    const socket = await tcpClient(port);
    for (const m of messages) socket.write(m);
    socket.end();
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    const chunks = of('data');
    expect(chunks.length).toBeLessThan(50);
    expect(Buffer.concat(chunks.map((c) => c.payload)).toString()).toBe(messages.join(''));
  });

  it.each(['line', 'length'] as const)('and as exactly 50 frames with --frame %s', async (frame) => {
    const { of, port } = await startTcp({ frame });
    const socket = await tcpClient(port);
    for (const m of messages) socket.write(encodeFrame(m, frame));
    socket.end();
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    const frames = of('data');
    expect(frames.map((f) => f.payload.toString())).toEqual(messages.map(String));
    expect(frames.every((f) => f.unit === 'frame')).toBe(true);
  });
});

describe('how connections end', () => {
  it('a half-close is "fin", a reset is "reset", and the listener keeps serving others', async () => {
    const { records, of, port } = await startTcp();
    const polite = await tcpClient(port);
    const rude = await tcpClient(port);
    polite.end('bye');
    await closed(polite);
    rude.write('hello');
    await waitFor(() => of('data').length === 2, { what: '2 data records' });
    rude.resetAndDestroy();
    await waitFor(() => of('close').length === 2, { what: '2 close records' });
    expect(of('close', connOf(records, polite.clientPort))[0]?.reason).toBe('fin');
    expect(of('close', connOf(records, rude.clientPort))[0]?.reason).toBe('reset');
    const third = await tcpClient(port);
    third.end('still here');
    await waitFor(() => of('close').length === 3, { what: '3 close records' });
    expect(of('data', connOf(records, third.clientPort)).map((r) => r.payload.toString())).toEqual(['still here']);
  });

  it('an oversize frame closes that connection with an error record, others go on', async () => {
    const { records, of, port } = await startTcp({ frame: 'line', maxFrame: 16 });
    const big = await tcpClient(port);
    big.write(`${'y'.repeat(100)}\n`);
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    const conn = connOf(records, big.clientPort);
    expect(of('error', conn)[0]).toMatchObject({ code: 'EMAXFRAME', message: 'frame of 100 bytes or more exceeds --max-frame 16' });
    expect(of('close', conn)[0]?.reason).toBe('max-frame');
    const ok = await tcpClient(port);
    ok.end('short\n');
    await waitFor(() => of('close').length === 2, { what: '2 close records' });
    expect(of('data', connOf(records, ok.clientPort))[0]?.payload.toString()).toBe('short');
  });

  it('a partial frame at close is reported, not dropped', async () => {
    const { of, port } = await startTcp({ frame: 'line' });
    const socket = await tcpClient(port);
    socket.end('one\ntwo-without-newline');
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    expect(of('data').map((r: DataRecord) => [r.unit, r.payload.toString()])).toEqual([
      ['frame', 'one'],
      ['partial', 'two-without-newline'],
    ]);
  });

  it('--max-conns closes connections beyond N with a record saying so', async () => {
    const { of, port, listener } = await startTcp({ maxConns: 2 });
    await tcpClient(port);
    await tcpClient(port);
    await waitFor(() => listener.connections === 2, { what: '2 open connections' });
    const third = await tcpClient(port);
    await closed(third);
    expect(of('close').map((r) => r.reason)).toEqual(['max-conns']);
    expect(of('open')).toHaveLength(3);
  });

  it('--idle-timeout closes a silent connection with a record', async () => {
    const { of, port } = await startTcp({ connIdleTimeoutMs: 200 });
    const socket = await tcpClient(port);
    socket.write('then silence');
    await closed(socket);
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    expect(of('close')[0]).toMatchObject({ reason: 'idle-timeout', received: { bytes: 12, chunks: 1 } });
  });

  it('closing the listener closes open connections as "shutdown"', async () => {
    const { of, port, listener } = await startTcp();
    await tcpClient(port);
    await waitFor(() => listener.connections === 1, { what: '1 open connection' });
    await listener.close();
    expect(of('close')[0]?.reason).toBe('shutdown');
  });
});

describe('echo and the sender', () => {
  it('--echo over TCP returns each frame, read back by sendTcp --wait', async () => {
    const { port } = await startTcp({ echo: true, frame: 'line' });
    const result = await sendTcp({ host: '127.0.0.1', port, payload: Buffer.from('ping'), count: 3, frame: 'line', waitMs: 2000 });
    expect(result.replies?.map((r) => r.payload.toString())).toEqual(['ping', 'ping', 'ping']);
    expect(result).toMatchObject({ messages: 3, totalBytes: 15, closedBy: 'peer', replyBytes: 15 });
    expect(result.connectMs).toBeGreaterThan(0);
  });

  it('ping mode over one connection: --count 4 --wait gives a round trip per message', async () => {
    const { port, of } = await startTcp({ echo: true, frame: 'line' });
    const result = await sendTcp({ host: '127.0.0.1', port, payload: Buffer.from('ping'), count: 4, frame: 'line', waitMs: 1000 });
    expect(result.rttMs).toHaveLength(4);
    for (const rtt of result.rttMs ?? []) expect(rtt).toBeGreaterThan(0);
    expect(result.replies?.map((r) => r.payload.toString())).toEqual(['ping', 'ping', 'ping', 'ping']);
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    expect(of('open')).toHaveLength(1);
  });

  it('sends a 1 MiB message whole: no datagram limit over TCP', async () => {
    const { of, port } = await startTcp();
    const payload = Buffer.alloc(1024 * 1024, 0x5a);
    const result = await sendTcp({ host: '127.0.0.1', port, payload });
    expect(result.totalBytes).toBe(payload.length);
    await waitFor(() => of('close').length === 1, { what: '1 close record' });
    expect(of('close')[0]?.received.bytes).toBe(payload.length);
  });

  it('nothing listening: "connection refused" and exit 69', async () => {
    const { port, listener } = await startTcp();
    await listener.close();
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--tcp', '127.0.0.1', String(port), 'x'], io)).toBe(69);
    expect(stderr.text).toBe(`udp-send: connection refused by 127.0.0.1:${port} over tcp\n`);
  });

  it('a connect that gets no answer times out: exit 75', async () => {
    // A listener whose process never accepts: once its backlog is full, the kernel drops further SYNs.
    const child = spawn(process.execPath, [
      '-e',
      `const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');` +
        `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,20000)})`,
    ]);
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const fillers: Socket[] = [];
    onTestFinished(() => fillers.forEach((s) => s.destroy()));
    // Fill the accept queue: connect until one does not complete within 200 ms (bounded to 16 tries).
    for (let i = 0; i < 16; i++) {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      fillers.push(socket);
      const connected = await Promise.race([
        new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))),
        sleep(200).then(() => false),
      ]);
      if (!connected) break;
    }
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--tcp', '--connect-timeout', '300', '127.0.0.1', String(port), 'x'], io)).toBe(75);
    expect(stderr.text).toBe(`udp-send: connect to 127.0.0.1:${port} over tcp timed out after 300 ms\n`);
  });

  it('a reset mid-send is E_RESET with its own message', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const sending = sendTcp({ host: '127.0.0.1', port, payload: Buffer.alloc(8 * 1024 * 1024), count: 4 });
    await expect(sending).rejects.toMatchObject({ code: 'E_RESET', exitCode: 69 });
    await expect(sending).rejects.toThrow(
      new RegExp(`^connection reset by 127\\.0\\.0\\.1:${port} over tcp while sending: \\d+ of \\d+ bytes had been handed to the kernel$`),
    );
  });

  it('--wait with no reply from a silent peer exits 75', async () => {
    const { createServer } = await import('node:net');
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      server.close();
    });
    const { port } = server.address() as { port: number };
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--tcp', '--wait', '200', '127.0.0.1', String(port), 'hello?'], io)).toBe(75);
    expect(stderr.text).toMatch(/udp-send: no reply from 127\.0\.0\.1:\d+ over tcp within 200 ms\n$/);
  });
});

describe('TCP flags that need --tcp', () => {
  it.each([
    [['--frame', 'line', '127.0.0.1', '5005', 'x'], '--frame works with --tcp only'],
    [['--connect-timeout', '100', '127.0.0.1', '5005', 'x'], '--connect-timeout works with --tcp only'],
    [['--tcp', '--connect', '127.0.0.1', '5005', 'x'], '--connect is for UDP: a TCP socket is always connected'],
    [['--tcp', '--frame', 'json', '127.0.0.1', '5005', 'x'], 'invalid --frame "json": expected one of none, line, length'],
  ])('udp-send %j exits 64', async (args, message) => {
    const { io, stderr } = memoryIO();
    expect(await sendMain(args, io)).toBe(64);
    expect(stderr.text).toBe(`udp-send: ${message}\n`);
  });
});
