/**
 * udp-listen writing to a regular file (`> file`), the path the listener takes without a stream in between: every
 * record reaches the file before exit, and a file that cannot grow ends the run with exit 74 and one line.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { binPath, Capture, sleep } from './helpers.js';

/** Starts udp-listen under bash with stdout on `file`, after `setup` (shell commands, e.g. a file size limit). */
function listenToFile(args: string[], file: string, setup = '') {
  const command = `${setup} exec "${process.execPath}" "${binPath('udp-listen')}" ${args.join(' ')} > "${file}"`;
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = new Capture();
  child.stderr.pipe(stderr);
  // Bounded: a listener that failed to notice its output failing is killed, and the exit code shows it.
  const limit = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  onTestFinished(async () => {
    clearTimeout(limit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, stderr, exit };
}

/** Sends `count` datagrams to `port`, a few per millisecond, while `running()` holds. */
async function send(port: number, count: number, running: () => boolean): Promise<void> {
  const socket = createSocket('udp4');
  onTestFinished(() => void socket.close());
  for (let i = 0; i < count && running(); i++) {
    socket.send(`datagram ${i} \u0007 é`, port, '127.0.0.1');
    if (i % 20 === 19) await sleep(1);
  }
}

describe('udp-listen > file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'udpkit-listen-output-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['text', 'json'])('-f %s: every datagram sent is in the file when Ctrl+C has ended the run', async (format) => {
    const file = join(dir, `out.${format}`);
    const run = listenToFile(['--host', '127.0.0.1', '-f', format, '0'], file);
    const port = Number((await run.stderr.waitFor(/listening on udp \S+:(\d+)/))[1]);
    await send(port, 2000, () => true);
    // Ctrl+C reads what is queued in the socket before closing (2000 small datagrams fit its buffer many times).
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const summary = /summary: (\d+) datagrams/.exec(run.stderr.text);
    const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    expect(Number(summary?.[1])).toBe(2000);
    expect(lines.length).toBe(2000);
    if (format === 'text') expect(lines[0]).toMatch(/ udp 127\.0\.0\.1:\d+ \d+ bytes: datagram 0 \\x07 é$/);
    else expect(JSON.parse(lines[0] ?? '')).toMatchObject({ event: 'datagram', encoding: 'utf8', payload: 'datagram 0 \u0007 é' });
  });

  it('a file that cannot grow (its size limit reached, EFBIG): exit 74 and one line', async () => {
    const file = join(dir, 'limited.txt');
    // 8 KiB at most, and SIGXFSZ ignored, so that the write fails with EFBIG instead of killing the process.
    const run = listenToFile(['--host', '127.0.0.1', '0'], file, "trap '' XFSZ; ulimit -f 8;");
    const port = Number((await run.stderr.waitFor(/listening on udp \S+:(\d+)/))[1]);
    await send(port, 5000, () => run.child.exitCode === null);
    expect(await run.exit).toBe(74);
    expect(run.stderr.text.split('\n').filter((line) => line.startsWith('udp-listen:'))).toEqual([expect.stringMatching(/^udp-listen: cannot write output: EFBIG/)]);
    expect(readFileSync(file).length).toBeLessThanOrEqual(8 * 1024);
  });
});
