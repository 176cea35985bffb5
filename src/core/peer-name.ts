/**
 * The address of a TCP client that reset its connection before it was accepted.
 *
 * libuv accepts without asking for the peer's address, and once an RST has moved the socket to CLOSE the kernel
 * refuses `getpeername()` (ENOTCONN). It still answers `getsockopt(SO_PEERNAME)`, which skips that check, but
 * Node.js has no getsockopt. So a tiny Python helper is handed a duplicate of the socket as its fd 3 and asks.
 * Lookups are rare (only connections reset before accept), bounded in number and in time; without Python,
 * or past the bounds, the address stays unknown and the caller says so.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { unmapEndpoint } from './endpoint.js';
import type { Endpoint } from '../types.js';

/** How long one lookup may take before its address is given up as unknown. */
export const PEER_NAME_TIMEOUT_MS = 2000;
/** Helpers running at once. */
const MAX_RUNNING = 2;
/** Sockets one helper asks about: a burst of resets costs a few helpers, not one each. */
const BATCH = 64;
/**
 * Sockets waiting for a helper; past this, a reset client's address is reported unknown at once. Each one held
 * keeps its file descriptor, so the bound is a quarter of the open-files limit (at most 4,096): a burst of resets
 * never starves the accepts of healthy clients.
 */
const MAX_WAITING = Math.min(4096, Math.floor(openFilesLimit() / 4));

/** The soft limit on open files (Linux: /proc/self/limits), or 1024 where it cannot be read. */
function openFilesLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined ? 1024 : soft === 'unlimited' ? 1 << 20 : Number(soft);
  } catch {
    return 1024;
  }
}

// The kernel refuses (EINVAL) an SO_PEERNAME buffer longer than the address, so ask for exactly its size.
// Each socket is one of fds 3 … 3+N-1; one line per socket, in order, `-` where the kernel would not say.
const HELPER = `
import socket, struct, sys
out = []
for fd in range(3, 3 + int(sys.argv[1])):
    try:
        s = socket.socket(fileno=fd)
        try:
            six = s.family == socket.AF_INET6
            raw = s.getsockopt(socket.SOL_SOCKET, getattr(socket, "SO_PEERNAME", 28), 28 if six else 16)
            port = struct.unpack("!H", raw[2:4])[0]
            ip = socket.inet_ntop(socket.AF_INET6, raw[8:24]) if six else socket.inet_ntop(socket.AF_INET, raw[4:8])
            out.append("%s %d %s" % (ip, port, "IPv6" if six else "IPv4"))
        finally:
            s.detach()
    except Exception:
        out.append("-")
sys.stdout.write("\\n".join(out) + "\\n")
`;

/** Parses one of the helper's `address port family` lines; undefined for `-` or anything else. */
export function parsePeerLine(line: string): Endpoint | undefined {
  const match = /^([0-9A-Fa-f:.]+) (\d{1,5}) (IPv4|IPv6)\n?$/.exec(line);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return unmapEndpoint(match[1] as string, port, match[3] as string);
}

interface Lookup {
  socket: Socket;
  resolve: (endpoint: Endpoint | undefined) => void;
}

let running = 0;
const waiting: Lookup[] = [];

/** Starts helpers for what waits, as long as fewer than MAX_RUNNING run. */
function pump(): void {
  while (running < MAX_RUNNING && waiting.length > 0) {
    const batch = waiting.splice(0, BATCH).filter((lookup) => {
      if (!lookup.socket.destroyed) return true;
      lookup.resolve(undefined);
      return false;
    });
    if (batch.length === 0) continue;
    running += 1;
    void runHelper(batch)
      .catch(() => undefined)
      .finally(() => {
        running -= 1;
        pump();
      });
  }
}

/** Asks one helper about every socket of `batch`, resolving each lookup with its answer (undefined on failure). */
function runHelper(batch: Lookup[]): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    // eslint-disable-next-line prefer-const -- finish() may run before the timer is set (when spawn throws)
    let timer: NodeJS.Timeout | undefined;
    const finish = (answers: string[]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      batch.forEach((lookup, index) => lookup.resolve(parsePeerLine(answers[index] ?? '')));
      resolve();
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('python3', ['-c', HELPER, String(batch.length)], { stdio: ['ignore', 'pipe', 'ignore', ...batch.map((lookup) => lookup.socket)] });
    } catch {
      // Node throws at once for some spawn failures (a socket closed meanwhile): every lookup still ends.
      finish([]);
      return;
    }
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish([]);
    }, PEER_NAME_TIMEOUT_MS);
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', (text: string) => {
      if (out.length < 100 * BATCH) out += text;
    });
    child.on('error', () => finish([]));
    child.on('close', (code) => finish(code === 0 ? out.split('\n') : []));
  });
}

/**
 * Asks the kernel for the peer address of `socket` through SO_PEERNAME (Linux only). Resolves to `undefined`
 * when it cannot be learnt: not Linux, no `python3`, too many lookups waiting, or no answer within
 * {@link PEER_NAME_TIMEOUT_MS}. Never rejects. The socket should be paused meanwhile.
 */
export function peerNameOf(socket: Socket): Promise<Endpoint | undefined> {
  if (process.platform !== 'linux' || socket.destroyed || waiting.length >= MAX_WAITING) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    waiting.push({ socket, resolve });
    pump();
  });
}

/** The part of libuv's TCP handle that Node.js keeps on a socket, used to ask for the peer afresh. */
interface PeerHandle {
  getpeername(out: object): number;
}

function handleOf(socket: Socket): PeerHandle | undefined {
  const handle: unknown = (socket as unknown as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  return typeof (handle as Partial<PeerHandle>).getpeername === 'function' ? (handle as PeerHandle) : undefined;
}

/**
 * Whether the kernel still has the connection: after a FIN it is in CLOSE_WAIT and still has its peer; after an
 * RST it is CLOSE and `getpeername()` fails. Node.js reports an RST that follows data as a plain end of stream, so
 * this is how a close is told apart from a reset. Call it from `'end'`, before the socket is ended.
 */
export function stillConnected(socket: Socket): boolean {
  const handle = handleOf(socket);
  if (handle === undefined) return false;
  return handle.getpeername({}) === 0;
}
