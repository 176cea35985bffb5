/**
 * `udp-send --lines`: each line of stdin is its own datagram (TCP: its own framed message), sent as soon as the line
 * is read. The writer is a separate Python process that writes a line and then waits until the receiver has said
 * (an acknowledgement datagram to the writer's own socket) that this line arrived, before it writes the next: a
 * sender that held lines back until more came, or until the end of stdin, leaves the writer waiting, and the writer
 * then fails the pipeline. Nothing depends on how fast the machine is.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { readLines } from '../src/cli/lines.js';
import { Readable } from 'node:stream';
import { binPath, boundSocket, runBin, startProcess, tcpServer, waitFor } from './helpers.js';

/** Writes `line N` five times, each after the last one's acknowledgement; exit 3 when one is not acknowledged in 10 s. */
const WRITER = `
import socket, sys
acks = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
acks.bind(('127.0.0.1', 0))
acks.settimeout(10)
print(f'ack-port {acks.getsockname()[1]}', file=sys.stderr, flush=True)
for i in range(5):
    print(f'line {i}', flush=True)
    try:
        while acks.recv(100) != f'line {i}'.encode():
            pass
    except socket.timeout:
        print(f'line {i} was not received within 10 s of being written', file=sys.stderr, flush=True)
        sys.exit(3)
`;

/**
 * Runs `python3 -c WRITER | udp-send ARGS` through bash (pipefail: the writer's failure fails it); returns the run
 * and `arrived(text)`, which the receiver calls for each line it gets: it acknowledges that line to the writer.
 */
function pipeline(args: string[]) {
  const quoted = [process.execPath, binPath('udp-send'), ...args].map((a) => `'${a}'`).join(' ');
  const run = startProcess('bash', ['-o', 'pipefail', '-c', `python3 -c "$WRITER" | ${quoted}`], {
    env: { ...process.env, WRITER },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeoutMs: 60_000,
  });
  const acks = createSocket('udp4');
  const portOf = (): number | undefined => {
    const match = /ack-port (\d+)/.exec(run.stderr.text);
    return match ? Number(match[1]) : undefined;
  };
  // A writer that never says its port fails the pipeline by itself: no acknowledgement is then sent.
  const ackPort = waitFor(() => portOf() !== undefined, { timeoutMs: 15_000, what: "the writer's ack port" }).then(portOf, () => undefined);
  const arrived = (text: string): void => {
    void ackPort.then((port) => {
      if (port !== undefined) acks.send(text, port, '127.0.0.1');
    });
  };
  const exit = run.exit.then(({ code }) => {
    acks.close();
    return { code, stderr: run.stderr.text.replace(/^ack-port \d+\n/, '') };
  });
  return { exit, arrived };
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
  it('a Python writer that waits for each line to arrive before it writes the next: every line is sent as it is read', async () => {
    const receiver = await boundSocket();
    const arrivals: string[] = [];
    const { exit, arrived } = pipeline(['--lines', '127.0.0.1', String(receiver.address().port)]);
    receiver.on('message', (payload: Buffer) => {
      arrivals.push(payload.toString());
      arrived(payload.toString());
    });
    const run = await exit;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^sent 5 lines \(\d+ bytes\), a datagram each, to 127\.0\.0\.1:\d+ over udp in [\d.]+ ms/);
    expect(arrivals).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  });

  it('--tcp --frame line: each line reaches the server as it is written, on one connection', async () => {
    const arrivals: string[] = [];
    let connections = 0;
    let arrived: (text: string) => void = () => undefined;
    const port = await tcpServer((socket) => {
      connections += 1;
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
          const line = pending.slice(0, at);
          arrivals.push(line);
          arrived(line);
          pending = pending.slice(at + 1);
        }
      });
    });
    const started = pipeline(['--lines', '--tcp', '--frame', 'line', '127.0.0.1', String(port)]);
    arrived = started.arrived;
    const run = await started.exit;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^sent 5 lines \(\d+ bytes\) to 127\.0\.0\.1:\d+ over tcp/);
    expect(connections).toBe(1);
    expect(arrivals).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
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
