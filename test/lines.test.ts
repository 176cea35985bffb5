/**
 * `udp-send --lines`: each line of stdin is its own datagram (TCP: its own framed message), sent as soon as the line
 * is read. The writer is a separate Python process that stamps each line with the wall-clock time it wrote it; the
 * receiver notes when each arrived, and every line must arrive before the next one was written.
 */
import { describe, expect, it } from 'vitest';
import { readLines } from '../src/cli/lines.js';
import { Readable } from 'node:stream';
import { binPath, boundSocket, runBin, startProcess, tcpServer, waitFor } from './helpers.js';

const WRITER = `
import sys, time
for i in range(5):
    print(f'line {i} {time.time():.6f}', flush=True)
    time.sleep(0.1)
`;

/** Runs `python3 -c WRITER | udp-send ARGS` through bash; resolves with the exit code and stderr. */
function pipeline(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const quoted = [process.execPath, binPath('udp-send'), ...args].map((a) => `'${a}'`).join(' ');
  const run = startProcess('bash', ['-c', `python3 -c "$WRITER" | ${quoted}`], { env: { ...process.env, WRITER }, stdio: ['ignore', 'ignore', 'pipe'], timeoutMs: 15_000 });
  return run.exit.then(({ code }) => ({ code, stderr: run.stderr.text }));
}

/** Each line's write time (from its text) against its arrival time: every line arrived before the next was written. */
function expectStreamed(arrivals: { text: string; at: number }[]): void {
  expect(arrivals.map((a) => a.text.split(' ').slice(0, 2).join(' '))).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  for (let i = 0; i < arrivals.length - 1; i++) {
    const nextWritten = Number((arrivals[i + 1] as { text: string }).text.split(' ')[2]) * 1000;
    expect((arrivals[i] as { at: number }).at, `line ${i} arrived after line ${i + 1} was written`).toBeLessThan(nextWritten);
  }
}

describe('readLines', () => {
  it('cuts at \\n across chunks, drops a \\r before it, keeps empty lines and a last line without a newline', async () => {
    const chunks = ['on', 'e\r\ntw', 'o\n\nthr', 'ee'].map((c) => Buffer.from(c));
    const got: string[] = [];
    for await (const line of readLines(Readable.from(chunks), { bytes: 10, why: 'test' })) got.push(`${line.number}:${line.bytes.toString()}`);
    expect(got).toEqual(['1:one', '2:two', '3:', '4:three']);
  });

  it('refuses the first line over the limit by its number, without reading it whole', async () => {
    const lines = readLines(Readable.from([Buffer.from('short\n'), Buffer.from('x'.repeat(50))]), { bytes: 10, why: 'the limit' });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const line of lines) got.push(line.bytes.toString());
      })(),
    ).rejects.toThrow('line 2 of stdin is longer than 10 bytes: the limit');
    expect(got).toEqual(['short']);
  });
});

describe('udp-send --lines', () => {
  it('a Python writer, a line every 100 ms: each datagram arrives before the next line is written', async () => {
    const receiver = await boundSocket();
    const arrivals: { text: string; at: number }[] = [];
    receiver.on('message', (payload: Buffer) => arrivals.push({ text: payload.toString(), at: Date.now() }));
    const run = await pipeline(['--lines', '127.0.0.1', String(receiver.address().port)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^sent 5 lines \(\d+ bytes\), a datagram each, to 127\.0\.0\.1:\d+ over udp in [\d.]+ ms/);
    await waitFor(() => arrivals.length === 5, { timeoutMs: 3000, what: 'five datagrams' });
    expectStreamed(arrivals);
  });

  it('--tcp --frame line: each line reaches the server as it is written, on one connection', async () => {
    const arrivals: { text: string; at: number }[] = [];
    let connections = 0;
    const port = await tcpServer((socket) => {
      connections += 1;
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
          arrivals.push({ text: pending.slice(0, at), at: Date.now() });
          pending = pending.slice(at + 1);
        }
      });
    });
    const run = await pipeline(['--lines', '--tcp', '--frame', 'line', '127.0.0.1', String(port)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^sent 5 lines \(\d+ bytes\) to 127\.0\.0\.1:\d+ over tcp/);
    await waitFor(() => arrivals.length === 5, { timeoutMs: 3000, what: 'five lines' });
    expect(connections).toBe(1);
    expectStreamed(arrivals);
  });

  it('-c 2 stops after two lines; a line too long is refused by number with exit 65, the lines before it sent', async () => {
    const receiver = await boundSocket();
    const got: string[] = [];
    receiver.on('message', (payload: Buffer) => got.push(payload.toString()));
    const port = String(receiver.address().port);
    const two = await runBin('udp-send', ['--lines', '-c', '2', '127.0.0.1', port], 'a\nb\nc\n');
    expect(two.code, two.stderr).toBe(0);
    const long = await runBin('udp-send', ['--lines', '127.0.0.1', port], `ok\n${'x'.repeat(65_510)}\nnever\n`);
    expect(long.code).toBe(65);
    expect(long.stderr).toBe('udp-send: line 2 of 65510 bytes is too large for one UDP datagram over IPv4 (limit 65507 bytes)\n');
    await waitFor(() => got.length === 3, { timeoutMs: 3000, what: 'three datagrams' });
    expect(got).toEqual(['a', 'b', 'ok']);
  });

  it.each([
    [['--lines', '127.0.0.1', '9', 'msg'], '--lines sends the lines of stdin or --file, not a MESSAGE argument (got "msg")'],
    [['--lines', '--tcp', '127.0.0.1', '9'], '--lines with --tcp needs --frame line or --frame length: without a frame the lines would run together'],
  ])('udp-send %j: exit 64, one line', async (args, message) => {
    const run = await runBin('udp-send', args, '');
    expect(run.code).toBe(64);
    expect(run.stderr).toBe(`udp-send: ${message}\n`);
  });
});
