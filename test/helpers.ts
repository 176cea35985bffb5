/** Test helpers: in-memory CLI streams, loopback sockets on port 0 closed in teardown, and the built bins as subprocesses. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable, Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import type { CliIO } from '../src/cli/io.js';

/** A writable that keeps everything written to it. */
export class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  private waiters: { test: (text: string) => boolean; resolve: (text: string) => void }[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const text = this.text;
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(text)) return true;
      w.resolve(text);
      return false;
    });
    callback();
  }

  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.buffer.toString('utf8');
  }

  /** Resolves with the text once it matches `pattern`; rejects after `ms`. */
  waitFor(pattern: RegExp, ms = 5000): Promise<RegExpExecArray> {
    const match = pattern.exec(this.text);
    if (match) return Promise.resolve(match);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in ${JSON.stringify(this.text)}`)), ms);
      this.waiters.push({
        test: (text) => pattern.test(text),
        resolve: (text) => {
          clearTimeout(timer);
          resolve(pattern.exec(text) as RegExpExecArray);
        },
      });
    });
  }
}

/** An in-memory {@link CliIO}: stdout/stderr captured, stdin from `input` (or a terminal when undefined). */
export function memoryIO(input?: string | Buffer, signal?: AbortSignal) {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin: Readable & { isTTY?: boolean } =
    input === undefined ? Object.assign(new PassThrough(), { isTTY: true }) : Readable.from([Buffer.from(input)]);
  const io: CliIO = { stdout, stderr, stdin, env: {}, signal };
  return { io, stdout, stderr };
}

/** A UDP socket bound on loopback port 0, closed when the test ends. */
export async function boundSocket(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const socket = createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  }));
  return socket;
}

/** A loopback UDP port where nothing listens: bound, read, and closed again. */
export async function deadPort(type: 'udp4' | 'udp6' = 'udp4'): Promise<number> {
  const socket = createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Sends one datagram and waits for the send to complete. */
export function sendFrom(socket: Socket, payload: Buffer | string, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(payload, port, host, (error) => (error ? reject(error) : resolve())));
}

/** Whether IPv6 loopback works on this machine. */
export async function hasIPv6(): Promise<boolean> {
  const socket = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

/** Path of a built bin in dist/. */
export function binPath(name: string): string {
  return fileURLToPath(new URL(`../dist/bin/${name}.cjs`, import.meta.url));
}

/** Whether `npm run build` has produced the bins (the e2e tests need them). */
export function binsBuilt(): boolean {
  return existsSync(binPath('udp-listen')) && existsSync(binPath('udp-send'));
}

/** A running bin with its output captured; killed in teardown if still alive. */
export interface RunningBin {
  child: ChildProcess;
  stdout: Capture;
  stderr: Capture;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a built bin as a subprocess. */
export function startBin(name: string, args: string[], input?: string): RunningBin {
  const child = spawn(process.execPath, [binPath(name), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout?.pipe(stdout);
  child.stderr?.pipe(stderr);
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, stdout, stderr, exit };
}

/** Runs a built bin to completion (bounded by `ms`). */
export async function runBin(name: string, args: string[], input?: string, ms = 15_000) {
  const running = startBin(name, args, input);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), ms);
  const { code } = await running.exit;
  clearTimeout(timer);
  return { code, stdout: running.stdout.text, stderr: running.stderr.text, raw: running.stdout.buffer };
}

/** A TCP client connected to loopback, destroyed when the test ends. */
export async function tcpClient(port: number, host = '127.0.0.1'): Promise<TcpSocket & { clientPort: number }> {
  const socket = tcpConnect({ port, host, noDelay: true });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  onTestFinished(() => {
    socket.destroy();
  });
  return Object.assign(socket, { clientPort: socket.localPort ?? 0 });
}

/** Resolves when the socket has closed. */
export function closed(socket: TcpSocket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Polls `check` every 10 ms until it is true; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 10_000 && !check(); i++) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Peak resident memory of a live process in MB (VmHWM from /proc), or undefined when it cannot be read. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Why a test that needs root (raw sockets, namespaces) cannot run here, or undefined when it can. */
export function needsRoot(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root';
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Path of a file under fixtures/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}
