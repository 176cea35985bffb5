/** Loopback integration on port 0, IPv4 and IPv6: the listener and sender on real sockets. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listenMain } from '../src/cli/listen.js';
import { sendMain } from '../src/cli/send.js';
import { listen } from '../src/core/udp-listener.js';
import { send } from '../src/core/udp-sender.js';
import type { DatagramRecord } from '../src/types.js';
import { boundSocket, hasIPv6, memoryIO, sendFrom, sleep, startListen } from './helpers.js';

const ipv6 = await hasIPv6();
if (!ipv6) console.log('IPv6 loopback is not available here: the IPv6 cases are skipped');

const BINARY = Buffer.from([0x41, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x0a, 0xff, 0x42]);

describe.each([
  { family: 'IPv4', host: '127.0.0.1', type: 'udp4', max: 65_507 },
  { family: 'IPv6', host: '::1', type: 'udp6', max: 65_527 },
] as const)('$family loopback', ({ family, host, type, max }) => {
  it.skipIf(family === 'IPv6' && !ipv6)('receives an empty datagram and a maximum-size one whole', async () => {
    const records: DatagramRecord[] = [];
    const listener = await listen({ port: 0, host, count: 2 }, (r) => records.push(r));
    try {
      const big = Buffer.alloc(max, 0x61);
      big[max - 1] = 0x7a;
      const sender = await boundSocket(type);
      await sendFrom(sender, Buffer.alloc(0), listener.local.port, host);
      await sendFrom(sender, big, listener.local.port, host);
      expect(await listener.done).toBe('count');
      expect(records.map((r) => r.payload.length)).toEqual([0, max]);
      expect(records[1]?.payload.equals(big)).toBe(true);
      expect(records[0]?.from).toEqual({ address: host, port: sender.address().port, family });
      expect(listener.summary()).toMatchObject({ records: 2, bytes: max, senders: 1 });
    } finally {
      await listener.close();
    }
  });

  it.skipIf(family === 'IPv6' && !ipv6).each(['text', 'json', 'hex', 'raw'] as const)(
    'renders a payload with ESC, NUL, newline and 0xff safely in %s',
    async (format) => {
      const run = await startListen(['--host', host, '--format', format, '--count', '1', '0']);
      const sender = await boundSocket(type);
      await sendFrom(sender, BINARY, run.port, host);
      expect(await run.exit).toBe(0);
      const from = family === 'IPv6' ? `[::1]:${sender.address().port}` : `127.0.0.1:${sender.address().port}`;
      const out = run.stdout.buffer;
      if (format === 'text') {
        expect(out.toString()).toMatch(new RegExp(`^\\S+Z udp ${from.replace(/[[\]]/g, '\\$&')} 9 bytes: A\\\\x1b\\[2J\\\\0\\\\n\\\\xffB\\n$`));
        expect(out.includes(0x1b)).toBe(false);
      } else if (format === 'json') {
        const parsed = JSON.parse(out.toString()) as { encoding: string; payload: string; size: number };
        expect(parsed).toMatchObject({ size: 9, encoding: 'base64' });
        expect(Buffer.from(parsed.payload, 'base64')).toEqual(BINARY);
      } else if (format === 'hex') {
        expect(out.toString().split('\n')[1]).toBe('00000000: 411b 5b32 4a00 0aff 42                   A.[2J...B');
      } else {
        expect(out).toEqual(BINARY);
      }
    },
  );

  it.skipIf(family === 'IPv6' && !ipv6)('shows three interleaved senders each with its own port', async () => {
    const run = await startListen(['--host', host, '--format', 'json', '--count', '9', '0']);
    const senders = [await boundSocket(type), await boundSocket(type), await boundSocket(type)];
    for (let round = 0; round < 3; round++) {
      for (const [index, sender] of senders.entries()) await sendFrom(sender, `s${index}r${round}`, run.port, host);
    }
    expect(await run.exit).toBe(0);
    const records = run.stdout.text.trim().split('\n').map((line) => JSON.parse(line) as { payload: string; from: { port: number } });
    expect(records).toHaveLength(9);
    for (const record of records) {
      const index = Number(record.payload[1]);
      expect(record.from.port).toBe(senders[index]?.address().port);
    }
    expect(new Set(records.map((r) => r.from.port)).size).toBe(3);
    expect(run.stderr.text).toMatch(/summary: 9 datagrams, 36 bytes from 3 senders/);
  });

  it.skipIf(family === 'IPv6' && !ipv6)('echoes a datagram back to udp-send --wait', async () => {
    const run = await startListen(['--host', host, '--echo', '--count', '1', '0']);
    const { io, stdout, stderr } = memoryIO();
    const code = await sendMain(['--wait', '2000', host, String(run.port), 'ping'], io);
    expect(code).toBe(0);
    expect(stderr.text).toBe(`sent 4 bytes to ${family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${run.port} over udp\n`);
    expect(stdout.text).toMatch(new RegExp(`udp ${family === 'IPv6' ? '\\[::1\\]' : '127\\.0\\.0\\.1'}:${run.port} 4 bytes: ping\\n$`));
    expect(await run.exit).toBe(0);
    expect(run.stderr.text).toMatch(/1 echoed/);
  });
});

describe('dual stack', () => {
  it.skipIf(!ipv6)('binds :: by default and shows IPv4 senders as plain IPv4', async () => {
    const records: DatagramRecord[] = [];
    const listener = await listen({ port: 0, count: 2 }, (r) => records.push(r));
    try {
      expect(listener.local.address).toBe('::');
      const v4 = await boundSocket('udp4');
      const v6 = await boundSocket('udp6');
      await sendFrom(v4, 'four', listener.local.port, '127.0.0.1');
      await sendFrom(v6, 'six', listener.local.port, '::1');
      await listener.done;
      expect(records.map((r) => r.from.address).sort()).toEqual(['127.0.0.1', '::1']);
      expect(records.find((r) => r.from.address === '127.0.0.1')?.from.family).toBe('IPv4');
    } finally {
      await listener.close();
    }
  });

  it('-4 binds 0.0.0.0', async () => {
    const listener = await listen({ port: 0, family: 4 }, () => undefined);
    expect(listener.local).toMatchObject({ address: '0.0.0.0', family: 'IPv4' });
    await listener.close();
  });
});

describe('listener lifecycle', () => {
  it('--count exits 0 after exactly N datagrams, ignoring the rest', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--count', '3', '0']);
    const sender = await boundSocket();
    for (let i = 0; i < 3; i++) await sendFrom(sender, `m${i}`, run.port, '127.0.0.1');
    expect(await run.exit).toBe(0);
    expect(run.stdout.text.trim().split('\n').map((l) => l.split(': ')[1])).toEqual(['m0', 'm1', 'm2']);
  });

  it('--stop-on exits 0 after the datagram that is exactly TEXT', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--stop-on', 'done', '0']);
    const sender = await boundSocket();
    for (const word of ['a', 'done!', 'done']) await sendFrom(sender, word, run.port, '127.0.0.1');
    expect(await run.exit).toBe(0);
    expect(run.stdout.text.trim().split('\n')).toHaveLength(3);
  });

  it('--timeout gives up with exit 75 and a clear message when nothing arrives', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--timeout', '0.3', '0']);
    expect(await run.exit).toBe(75);
    expect(run.stderr.text).toMatch(/summary: 0 datagrams/);
    expect(run.stderr.text).toMatch(/udp-listen: timed out: nothing received for 0\.3 s\n$/);
  });

  it('--timeout counts from the last datagram; a quiet spell after data ends the run with exit 0 (set -e scripts)', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--timeout', '400ms', '0']);
    const sender = await boundSocket();
    for (let i = 0; i < 3; i++) {
      // On purpose: quiet spells of 250 ms, each shorter than the 400 ms timeout, which must not end the run.
      await sleep(250);
      await sendFrom(sender, `m${i}`, run.port, '127.0.0.1');
    }
    expect(await run.exit).toBe(0);
    expect(run.stdout.text.trim().split('\n')).toHaveLength(3);
    expect(run.stderr.text).toMatch(/summary: 3 datagrams/);
    expect(run.stderr.text).not.toMatch(/timed out/);
  });

  it('a stop signal flushes every record and prints the summary, exit 0', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--format', 'json', '0']);
    const sender = await boundSocket();
    for (let i = 0; i < 500; i++) await sendFrom(sender, `n${i}`, run.port, '127.0.0.1');
    run.stop();
    expect(await run.exit).toBe(0);
    expect(run.stdout.text.trim().split('\n')).toHaveLength(500);
    expect(run.stderr.text).toMatch(/summary: 500 datagrams, \d+ bytes from 1 sender in [\d.]+ s \(\d+ datagrams\/s\), kernel drops 0\n$/);
  });

  it('port in use is exit 69 with a clear message', async () => {
    const taken = await boundSocket();
    const { io, stderr } = memoryIO();
    expect(await listenMain(['--host', '127.0.0.1', String(taken.address().port)], io)).toBe(69);
    expect(stderr.text).toBe(`udp-listen: cannot bind udp 127.0.0.1:${taken.address().port}: address already in use (EADDRINUSE)\n`);
  });

  it('close is idempotent and returns the same promise', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1' }, () => undefined);
    const first = listener.close();
    expect(listener.close()).toBe(first);
    await expect(first).resolves.toMatchObject({ records: 0 });
    expect(await listener.done).toBe('closed');
  });

  it('asks for a large receive buffer and reports what the kernel granted', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1' }, () => undefined);
    // The default, 8 MiB, is asked for whole: capped exactly when net.core.rmem_max is below it.
    const ceiling = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    expect(listener.recvBuffer).toMatchObject({ requested: 8 * 2 ** 20, byDefault: true, capped: ceiling < 8 * 2 ** 20 });
    expect(listener.recvBuffer.granted / 2).toBe(Math.min(ceiling, 8 * 2 ** 20));
    await listener.close();
    const capped = await listen({ port: 0, host: '127.0.0.1', rcvbuf: 2 ** 31 - 1 }, () => undefined);
    expect(capped.recvBuffer.capped).toBe(true);
    await capped.close();
  });
});

describe('sender', () => {
  it('--count sends N datagrams and reports them', async () => {
    const records: DatagramRecord[] = [];
    const listener = await listen({ port: 0, host: '127.0.0.1', count: 5 }, (r) => records.push(r));
    try {
      const result = await send({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('abc'), count: 5, intervalMs: 1 });
      expect(result).toMatchObject({ messages: 5, bytesPerMessage: 3, totalBytes: 15, connected: false });
      await listener.done;
      expect(records).toHaveLength(5);
    } finally {
      await listener.close();
    }
  });

  it('--json prints what was sent on stdout and nothing else there', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1', count: 1 }, () => undefined);
    const { io, stdout } = memoryIO();
    expect(await sendMain(['--json', '127.0.0.1', String(listener.local.port), 'hi'], io)).toBe(0);
    const json = JSON.parse(stdout.text) as Record<string, unknown>;
    expect(json).toMatchObject({
      protocol: 'udp',
      destination: { address: '127.0.0.1', port: listener.local.port, family: 'IPv4' },
      messages: 1,
      bytesPerMessage: 2,
      totalBytes: 2,
      startedAt: expect.any(Number) as number,
    });
    await listener.close();
  });

  it('--count N --wait MS is ping mode: N exchanges, each reply printed, round trips reported', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
    const { io, stdout, stderr } = memoryIO();
    expect(await sendMain(['--count', '3', '--wait', '1000', '--json', '127.0.0.1', String(listener.local.port), 'ping'], io)).toBe(0);
    const json = JSON.parse(stdout.text) as { rttMs: (number | null)[]; replies: { payload: string }[]; messages: number };
    expect(json.messages).toBe(3);
    expect(json.replies.map((r) => r.payload)).toEqual(['ping', 'ping', 'ping']);
    expect(json.rttMs).toHaveLength(3);
    for (const rtt of json.rttMs) expect(rtt).toBeGreaterThan(0);
    expect(stderr.text).toMatch(/^sent 3 datagrams of 4 bytes to 127\.0\.0\.1:\d+ over udp: 3 of 3 answered, round trip min\/median\/max [\d.]+\/[\d.]+\/[\d.]+ ms\n$/);
    expect(listener.summary()).toMatchObject({ records: 3, echoed: 3 });
    await listener.close();
  });

  it('--wait with no reply exits 75 with a clear message', async () => {
    const quiet = await boundSocket();
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--wait', '200', '127.0.0.1', String(quiet.address().port), 'hello?'], io)).toBe(75);
    expect(stderr.text).toBe(`udp-send: no reply from 127.0.0.1:${quiet.address().port} over udp within 200 ms\n`);
  });

  it('resolves localhost and sends -e escapes as bytes', async () => {
    const records: DatagramRecord[] = [];
    const listener = await listen({ port: 0, host: '127.0.0.1', count: 1 }, (r) => records.push(r));
    const { io } = memoryIO();
    expect(await sendMain(['-4', '-e', 'localhost', String(listener.local.port), 'a\\r\\n\\x00'], io)).toBe(0);
    await listener.done;
    expect(records[0]?.payload).toEqual(Buffer.from('a\r\n\0'));
    await listener.close();
  });
});
