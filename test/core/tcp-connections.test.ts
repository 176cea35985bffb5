/**
 * The TCP listener's connections under churn, on the built bin: clients that reset before they were accepted are
 * still named (never `"":0`), and nothing is kept per closed connection (peak RSS flat from 50,000 to 200,000).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { binPath, fixturePath, listening, peakRssMb, startBin, waitFor } from '../helpers.js';

/** Connects `n` clients (each from its own port) that send half a frame and reset; resolves with their ports. */
async function halfFrameResets(port: number, n: number): Promise<Set<number>> {
  const ports = new Set<number>();
  for (let start = 0; start < n; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - start) }, () => {
        return new Promise<void>((resolve, reject) => {
          const socket = connect({ port, host: '127.0.0.1' });
          socket.once('error', reject);
          socket.once('connect', () => {
            ports.add(socket.localPort ?? 0);
            // Half a frame: a line without its newline, then an RST.
            socket.write('half a fra', () => {
              socket.resetAndDestroy();
              resolve();
            });
          });
        });
      }),
    );
  }
  return ports;
}

describe('TCP connections under churn', () => {
  it('500 clients that send half a frame and reset before accept: every record names its real peer', { timeout: 120_000 }, async () => {
    const listen = startBin('udp-listen', ['--tcp', '--frame', 'line', '--host', '127.0.0.1', '-f', 'json', '0']);
    const port = await listening(listen, 'tcp');
    // SIGSTOP: the kernel completes the handshakes and takes the data and the RSTs while nothing accepts.
    listen.child.kill('SIGSTOP');
    const ports = await halfFrameResets(port, 500);
    listen.child.kill('SIGCONT');
    await waitFor(() => listen.stdout.text.split('"event":"close"').length === 501, { timeoutMs: 60_000, what: '500 close records' });
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    const records = listen.stdout.text.trim().split('\n').map((line) => JSON.parse(line) as { event: string; from: { address: string; port: number } });
    const opens = records.filter((r) => r.event === 'open');
    expect(opens).toHaveLength(500);
    expect(opens.filter((r) => r.from.address === '' || r.from.port === 0)).toEqual([]);
    expect(new Set(opens.map((r) => r.from.port))).toEqual(ports);
  });

  it('peak RSS stays flat from 50,000 to 200,000 short connections (FIN and RST alike)', { timeout: 900_000 }, async () => {
    const child = spawn(process.execPath, [binPath('udp-listen'), '--tcp', '--host', '127.0.0.1', '-f', 'json', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    onTestFinished(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exit;
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /listening on tcp \S+:\d+\n/.test(stderr), { timeoutMs: 10_000, what: 'the listener' });
    const port = Number(/listening on tcp \S+:(\d+)\n/.exec(stderr)?.[1]);
    const churn = (n: number) =>
      new Promise<string>((resolve, reject) => {
        const client = spawn(process.execPath, [fixturePath('tcp-churn.mjs'), String(port), String(n), '128'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        client.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        client.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tcp-churn exited ${code}`))));
      });
    expect(await churn(50_000)).toMatch(/^done 50000 failed 0/);
    const at50k = peakRssMb(child.pid);
    expect(await churn(150_000)).toMatch(/^done 150000 failed 0/);
    const at200k = peakRssMb(child.pid);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(stderr).toMatch(/summary: /);
    console.log(`udp-listen --tcp peak RSS: ${at50k?.toFixed(1)} MB after 50,000 connections, ${at200k?.toFixed(1)} MB after 200,000`);
    // 900 bytes kept per closed connection would add 135 MB over the 150,000 more; allow 16 MB of heap growth.
    expect(at200k).toBeDefined();
    expect((at200k as number) - (at50k as number)).toBeLessThan(16);
  });
});
