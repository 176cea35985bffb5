/** Hostile peers and faults: echo loops, peers that never read or never stop, blocked readers, endless files, broken output. */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listen } from '../src/core/udp-listener.js';
import { DistinctCounter } from '../src/core/distinct.js';
import { binPath, boundSocket, fixturePath, listening, needsRoot, peakRssMb, sleep, startBin, startProcess, tcpClient, tcpServer, waitFor } from './helpers.js';

function spoof(src: string, sport: number, dst: string, dport: number): void {
  execFileSync('python3', [fixturePath('spoof-udp.py'), src, String(sport), dst, String(dport), 'spoofed'], { timeout: 5000 });
}

/** Bytes that must never reach a terminal raw: C0 controls but newline, DEL, C1, bidi and invisible format characters. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

describe('echo loops', () => {
  const skip = needsRoot();
  if (skip) console.log(`echo-loop tests skipped: ${skip} (raw sockets to forge a source address)`);

  it.skipIf(skip)('a datagram spoofed from the listener itself is recorded once and never echoed', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
    onTestFinished(async () => {
      await listener.close();
    });
    const port = listener.local.port;
    spoof('127.0.0.1', port, '127.0.0.1', port);
    await waitFor(() => listener.summary().records >= 1, { timeoutMs: 2000, what: 'the spoofed datagram' });
    // On purpose: a quiet spell in which an echo (to itself, so recorded again) would have come back.
    await sleep(2000);
    expect(listener.summary()).toMatchObject({ records: 1, echoed: 0, echoSuppressed: 1 });
  });

  it.skipIf(skip)('two echo listeners spoofed at each other stop ping-ponging at the rate bound', async () => {
    const a = await listen({ port: 0, host: '127.0.0.1', echo: true, echoRate: 500 }, () => undefined);
    const b = await listen({ port: 0, host: '127.0.0.1', echo: true, echoRate: 500 }, () => undefined);
    onTestFinished(async () => {
      await Promise.all([a.close(), b.close()]);
    });
    spoof('127.0.0.1', b.local.port, '127.0.0.1', a.local.port);
    const suppressed = (): number => a.summary().echoSuppressed + b.summary().echoSuppressed;
    await waitFor(() => suppressed() >= 1, { timeoutMs: 10_000, what: () => `an echo held back by the rate bound (${a.summary().records + b.summary().records} records so far)` });
    const first = a.summary().records + b.summary().records;
    // On purpose: a quiet spell that would show the loop going on after the bound stopped it.
    await sleep(1000);
    const second = a.summary().records + b.summary().records;
    // The loop ran through its burst at wire speed, then met the bound once and died: nothing more after that.
    expect(second).toBe(first);
    expect(first).toBeGreaterThan(500);
    expect(first).toBeLessThan(3000);
    expect(suppressed()).toBeGreaterThanOrEqual(1);
    // A reflection never sends more bytes than it received.
    expect(a.summary().echoed).toBeLessThanOrEqual(a.summary().records);
  });
});

describe('memory stays bounded', () => {
  it('a TCP client that sends and never reads does not grow udp-listen --tcp --echo', async () => {
    const listener = startBin('udp-listen', ['--tcp', '--echo', '--host', '127.0.0.1', '-f', 'raw', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await listening(listener, 'tcp');
    const client = await tcpClient(port);
    client.pause();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    const deadline = Date.now() + 6000;
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      if (!client.write(chunk)) {
        await Promise.race([new Promise((resolve) => client.once('drain', resolve)), sleep(Math.max(1, deadline - Date.now()))]);
      }
      sent += chunk.length;
    }
    const peak = peakRssMb(listener.child.pid);
    console.log(`tcp echo, client never reads: queued ${sent / 2 ** 20} MiB, listener VmHWM ${peak?.toFixed(1)} MB`);
    expect(peak).toBeLessThan(150);
  });

  it('udp-send --tcp --wait against a peer that streams keeps at most --max-reply and exits cleanly', async () => {
    const block = Buffer.alloc(64 * 1024, 0x62);
    const port = await tcpServer((socket) => {
      let written = 0;
      const pump = (): void => {
        // Up to 1.5 GB, as fast as the client takes it.
        while (written < 1.5e9 && !socket.destroyed) {
          written += block.length;
          if (!socket.write(block)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    });
    const sender = startBin('udp-send', ['--tcp', '--wait', '3000', '--max-reply', '100000', '127.0.0.1', String(port), 'hi'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // VmHWM can be read only while the process lives: sampled until it ends.
    let peak = 0;
    await waitFor(() => {
      peak = Math.max(peak, peakRssMb(sender.child.pid) ?? 0);
      return sender.child.exitCode !== null;
    }, { timeoutMs: 10_000, intervalMs: 100, what: 'udp-send to end' });
    console.log(`streaming peer: udp-send VmHWM ${peak.toFixed(1)} MB; stderr ${JSON.stringify(sender.stderr.text)}`);
    expect((await sender.exit).code).toBe(0);
    expect(peak).toBeLessThan(150);
    expect(sender.stdout.buffer.length).toBeLessThan(200_000);
    expect(sender.stderr.text).toMatch(/^replies over --max-reply 100000 bytes: \d+ bytes not kept or printed$/m);
  });

  it('a stdout nobody reads: udp-listen stays bounded, counts what it dropped, and Ctrl+C ends it at once with the summary', async () => {
    const listener = startBin('udp-listen', ['--host', '127.0.0.1', '0'], { stdio: ['ignore', 'pipe', 'pipe'], readStdout: false });
    const port = await listening(listener);
    const sender = createSocket('udp4');
    onTestFinished(() => void sender.close());
    const payload = Buffer.alloc(1200, 0x63);
    // Paced on purpose (the sleep is the pacing): 40 datagrams per millisecond turn for 3 s, ~140 MB of records that
    // nobody reads.
    const end = Date.now() + 3000;
    for (let turn = 0; turn < 10_000 && Date.now() < end; turn++) {
      for (let k = 0; k < 40; k++) sender.send(payload, port, '127.0.0.1');
      await sleep(1);
    }
    const peak = peakRssMb(listener.child.pid);
    const t0 = Date.now();
    listener.child.kill('SIGINT');
    const { code } = await listener.exit;
    const tookMs = Date.now() - t0;
    console.log(`blocked stdout: listener VmHWM ${peak?.toFixed(1)} MB; exited ${code} ${tookMs} ms after SIGINT`);
    expect(peak).toBeLessThan(150);
    expect(code).toBe(0);
    // The bound is a second; the margin is for a loaded CI machine. The figure is printed above.
    expect(tookMs).toBeLessThan(2000);
    expect(listener.stderr.text).toMatch(/summary: \d+ datagrams.*records? dropped \(output blocked: the reader fell behind\)/);
  });
});

describe('endless and odd inputs', () => {
  it.each([[['--file', '/dev/zero']], [['--tcp', '--file', '/dev/zero']]])('udp-send %j is refused with exit 65 naming the limit', async (flags) => {
    const sender = startBin('udp-send', [...flags, '127.0.0.1', '9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect((await sender.exit).code).toBe(65);
    expect(sender.stderr.text).toMatch(/^udp-send: --file "\/dev\/zero" holds more than \d+ bytes: .*\n$/);
  });

  it('a directory as stdin is refused with 66, stdin open for writing only is 74', async () => {
    const dir = startBin('udp-send', ['127.0.0.1', '9'], { stdio: [openSync('/tmp', 'r'), 'pipe', 'pipe'] });
    expect((await dir.exit).code).toBe(66);
    expect(dir.stderr.text).toBe('udp-send: cannot read stdin: it is a directory (give a file with --file or < FILE)\n');
    const fd = openSync('/dev/null', 'w');
    onTestFinished(() => closeSync(fd));
    const writeOnly = startBin('udp-send', ['127.0.0.1', '9'], { stdio: [fd, 'pipe', 'pipe'] });
    expect((await writeOnly.exit).code).toBe(74);
    expect(writeOnly.stderr.text).toBe('udp-send: cannot read stdin: EBADF (stdin is not open for reading)\n');
  });

  it('udp-send --tcp to a peer that accepts and never reads ends after --send-timeout with the bytes written', async () => {
    // Accepts and never reads.
    const port = await tcpServer((socket) => socket.pause());
    const sender = startBin('udp-send', ['--tcp', '-c', '64', '--send-timeout', '500', '127.0.0.1', String(port), '-'], { input: Buffer.alloc(1024 * 1024, 0x64) });
    expect((await sender.exit).code).toBe(75);
    expect(sender.stderr.text).toMatch(
      /^udp-send: sending to 127\.0\.0\.1:\d+ over tcp made no progress for 500 ms: the peer is not reading \(\d+ of \d+ bytes handed to the kernel\)\n$/,
    );
  });
});

describe('output that cannot be written', () => {
  const full = (): number => {
    const fd = openSync('/dev/full', 'w');
    onTestFinished(() => closeSync(fd));
    return fd;
  };

  it('udp-send --json > /dev/full: exit 74 and one line', async () => {
    const sink = await boundSocket();
    const run = startBin('udp-send', ['--json', '127.0.0.1', String(sink.address().port), 'hi'], { stdio: ['ignore', full(), 'pipe'] });
    expect((await run.exit).code).toBe(74);
    expect(run.stderr.text).toMatch(/^sent 2 bytes to .*\nudp-send: cannot write output: ENOSPC \(no space left on the device\)\n$/);
  });

  it.each([
    ['udp-send', ['127.0.0.1', '99999', 'hi'], 64],
    ['udp-listen', ['--format', 'xml', '0'], 64],
    ['udp-compare', ['--size', '0'], 64],
  ] as const)('%s %j with stderr on /dev/full keeps its exit code %d', async (name, args, code) => {
    const run = startBin(name, [...args], { stdio: ['ignore', 'pipe', full()] });
    expect((await run.exit).code).toBe(code);
  });

  it('udp-listen -f json > /dev/full: exit 74 and one line', async () => {
    const run = startBin('udp-listen', ['-c', '1', '-f', 'json', '--host', '127.0.0.1', '0'], { stdio: ['ignore', full(), 'pipe'] });
    const port = await listening(run);
    const s = createSocket('udp4');
    onTestFinished(() => void s.close());
    s.send('x', port, '127.0.0.1');
    expect((await run.exit).code).toBe(74);
    expect(run.stderr.text.split('\n').filter((l) => l.startsWith('udp-listen:'))).toEqual(['udp-listen: cannot write output: ENOSPC (no space left on the device)']);
  });

  it('udp-compare into a closed pipe: a reader gone is a quiet end (as for `| head`), no stack trace', async () => {
    const run = startBin('udp-compare', ['-s', 'boundaries', '-n', '50'], { stdio: ['ignore', 'pipe', 'pipe'], readStdout: false });
    run.child.stdout?.destroy();
    expect((await run.exit).code).toBe(0);
    expect(run.stderr.text).not.toMatch(/EPIPE|Error|\n\s+at /);
  });
});

describe('hostile argument values never put control bytes on the terminal', () => {
  const hostile = ['\u001b]0;pwned\u0007', 'a\rb', 'x\bx', 'del\u007f', 'c1\u0085\u009b2J', 'bidi\u202eevil', 'zero\u200bwidth', 'nul\u0000'];
  const places = (v: string): string[][] => [
    ['127.0.0.1', '5005', 'hi', v],
    [v, '5005', 'hi'],
    ['127.0.0.1', v, 'hi'],
    ['--format', v, '127.0.0.1', '5005', 'hi'],
    [`--${v}`, '127.0.0.1', '5005', 'hi'],
    ['--file', v, '127.0.0.1', '5005'],
    ['--encoding', 'hex', '127.0.0.1', '5005', v],
    ['-e', '127.0.0.1', '5005', `\\q${v}`],
  ];
  const cases = hostile.flatMap((v) => places(v).map((args) => [args] as const));

  it.each(cases)('udp-send %j', async (args) => {
    const { sendMain } = await import('../src/cli/send.js');
    const { memoryIO } = await import('./helpers.js');
    const { io, stderr } = memoryIO();
    const code = await sendMain([...args], io);
    // Some values are valid where they stand (`a\rb` is hex `ab`): then nothing is quoted at all.
    if (code !== 0) expect(stderr.text).toMatch(/^udp-send: [^\n]*\n$/);
    expect(stderr.text).not.toMatch(RAW_CONTROL);
  });

  it('a long value is cut, with its full size', async () => {
    const { sendMain } = await import('../src/cli/send.js');
    const { memoryIO } = await import('./helpers.js');
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--format', 'x'.repeat(130_000), '127.0.0.1', '5005', 'hi'], io)).toBe(64);
    expect(stderr.text).toMatch(/^udp-send: invalid --format "x{120}"…\(130000 bytes\): expected one of text, json, hex, raw\n$/);
  });
});

describe('distinct senders in fixed memory', () => {
  it('counts exactly up to 10,000 and estimates within 3% past it', () => {
    const counter = new DistinctCounter();
    for (let i = 0; i < 10_000; i++) counter.add(`10.0.${i >> 8}.${i & 255}|${i}`);
    expect(counter).toMatchObject({ isExact: true, count: 10_000 });
    for (let i = 10_000; i < 1_000_000; i++) counter.add(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}|${i % 60_000}`);
    // Repeats do not count again.
    for (let i = 0; i < 100_000; i++) counter.add(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}|${i % 60_000}`);
    expect(counter.isExact).toBe(false);
    expect(Math.abs(counter.count - 1_000_000) / 1_000_000).toBeLessThan(0.03);
  });
});

describe('an unexpected error in a bin', () => {
  it('a throw in an event handler ends udp-listen with exit 70 and the stack, not exit 1', async () => {
    const inject = ['--import', pathToFileURL(fixturePath('throw-in-message.mjs')).href];
    const { stderr, exit } = startProcess(process.execPath, [...inject, binPath('udp-listen'), '--host', '127.0.0.1', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await listening({ stderr });
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send('boom', port, '127.0.0.1', () => resolve()));
    socket.close();
    expect((await exit).code).toBe(70);
    expect(stderr.text).toMatch(/^udp-listen: internal error \(please report it\): TypeError: injected bug in a message handler\n\s+at /m);
  });
});
