/**
 * Test helpers: in-memory CLI streams, loopback sockets and servers on port 0 closed in teardown, the built bins and
 * other programs as subprocesses killed in teardown, and a bounded wait on a condition.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect, createServer, type Socket as TcpSocket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable, Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import type { CliIO } from '../src/cli/io.js';
import { stopOnSignal } from './namespaces.js';

/** A writable that keeps everything written to it. */
export class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  private newlines = 0;
  private waiters: { test: (text: string) => boolean; resolve: (text: string) => void }[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(bytes);
    for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) this.newlines += 1;
    if (this.waiters.length === 0) return callback();
    const text = this.text;
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(text)) return true;
      w.resolve(text);
      return false;
    });
    callback();
  }

  /** How many newlines have been written: the records so far, in a stream of one record a line. */
  get lines(): number {
    return this.newlines;
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

/**
 * Path of a built bin in dist/. The global setup (test/global-setup.ts) builds dist/ from the sources before any
 * test when it is missing or older than they are, so a bin missing here is an error, not a reason to skip.
 */
export function binPath(name: string): string {
  const path = fileURLToPath(new URL(`../dist/bin/${name}.cjs`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: test/global-setup.ts builds dist/ before the tests; was it left out of the run?`);
  return path;
}

/** A running child process with its output captured; killed in teardown if still alive. */
export interface Running {
  child: ChildProcess;
  stdout: Capture;
  stderr: Capture;
  /** Resolves once the process has ended and its output is all in `stdout` and `stderr`. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How {@link startProcess} runs a program. */
export interface StartOptions {
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  input?: string | Buffer;
  /** Other stdio than three pipes (a file descriptor, 'ignore'). */
  stdio?: StdioOptions;
  /** False: stdout is a pipe nobody reads (a reader that has stopped reading). */
  readStdout?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long, if still running. */
  timeoutMs?: number;
}

/** Starts a program with its output captured, killed (SIGKILL) when the test ends if it still runs. */
export function startProcess(command: string, args: string[], options: StartOptions = {}): Running {
  const child = spawn(command, args, { stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'], env: options.env });
  stopOnSignal(child);
  const stdout = new Capture();
  const stderr = new Capture();
  if (options.readStdout === false) child.once('exit', () => child.stdout?.destroy());
  else child.stdout?.pipe(stdout);
  child.stderr?.pipe(stderr);
  // A program that ends without reading its stdin breaks the pipe: that is its business, not the test's failure.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input);
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, stdout, stderr, exit };
}

/** Starts a built bin as a subprocess. */
export function startBin(name: string, args: string[], options: StartOptions = {}): Running {
  return startProcess(process.execPath, [binPath(name), ...args], options);
}

/** Starts a built bin inside network namespace `ns` (root), stdin closed. */
export function startBinIn(ns: string, name: string, args: string[]): Running {
  return startProcess('ip', ['netns', 'exec', ns, process.execPath, binPath(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a built bin to completion (bounded by `ms`). */
export async function runBin(name: string, args: string[], input?: string, ms = 15_000) {
  const running = startBin(name, args, { input, timeoutMs: ms });
  const { code } = await running.exit;
  return { code, stdout: running.stdout.text, stderr: running.stderr.text, raw: running.stdout.buffer };
}

/** The port a listener (a bin, or udp-listen in-process) names in its `listening on PROTOCOL HOST:PORT` line. */
export async function listening(run: { stderr: Capture }, protocol: 'udp' | 'tcp' = 'udp'): Promise<number> {
  // The non-digit after the port: the number is whole, not cut where a chunk of output ended.
  const match = await run.stderr.waitFor(new RegExp(`listening on ${protocol} \\S+:(\\d+)\\D`));
  return Number(match[1]);
}

/** Starts `udp-listen ARGS` in-process; resolves with its address and port once the listening line is printed. */
export async function startListen(args: string[], protocol: 'udp' | 'tcp' = 'udp') {
  const { listenMain } = await import('../src/cli/listen.js');
  const controller = new AbortController();
  const { io, stdout, stderr } = memoryIO(undefined, controller.signal);
  const exit = listenMain(args, io);
  const match = await stderr.waitFor(new RegExp(`listening on ${protocol} (\\S+):(\\d+)\\n`));
  return { address: match[1], port: Number(match[2]), stdout, stderr, exit, stop: () => controller.abort() };
}

/** A TCP server on loopback port 0 that hands each connection to `onConnection`; every connection and the server closed in teardown. */
export async function tcpServer(onConnection: (socket: TcpSocket) => void = () => undefined): Promise<number> {
  const open = new Set<TcpSocket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    open.forEach((socket) => socket.destroy());
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
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

/** How long {@link waitFor} waits, and what for. */
export interface WaitOptions {
  /** What is awaited, for the error: `timed out after 5000 ms waiting for three close records`. */
  what: string | (() => string);
  /** 5000 unless given. */
  timeoutMs?: number;
  /** Between two checks; 10 unless given. */
  intervalMs?: number;
}

/**
 * Checks `condition` until it holds, then resolves; rejects with an error naming `what` once `timeoutMs` have
 * passed. For readiness: a test waits on the thing it needs, never a fixed time that guesses how long it takes.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  // Bounded twice: by the clock, and by a count of turns that the clock reaches first (each turn sleeps).
  for (let turn = 0, turns = Math.ceil(timeoutMs / intervalMs) + 1; turn <= turns; turn++) {
    if (await condition()) return;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const what = typeof options.what === 'string' ? options.what : options.what();
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
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

/** The pids of udp-compare's peer processes (peer.js, peer.mjs) that process `pid` has started and are running now. */
export function peerPids(pid: number | undefined): number[] {
  const found = spawnSync('pgrep', ['-P', String(pid), '-f', 'peer\\.m?js'], { encoding: 'utf8', timeout: 5000 });
  return found.stdout.split('\n').filter(Boolean).map(Number);
}

/** How many of udp-compare's peer processes process `pid` has started and are running now. */
export function peersOf(pid: number | undefined): number {
  return peerPids(pid).length;
}

/** Why a test that needs root (raw sockets, namespaces) cannot run here, or undefined when it can. */
export function needsRoot(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root';
}

/**
 * Resolves after `ms`. Not for readiness (use {@link waitFor}): only where time passing is the point, as a quiet
 * spell that proves nothing (more) arrives, or pacing; each use says why.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Path of a file under fixtures/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}
