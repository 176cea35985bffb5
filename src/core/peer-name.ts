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
import type { Socket } from 'node:net';
import { unmapEndpoint } from './endpoint.js';
import type { Endpoint } from '../types.js';

/** How long one lookup may take before its address is given up as unknown. */
export const PEER_NAME_TIMEOUT_MS = 2000;
/** Helpers running at once. */
const MAX_RUNNING = 4;
/** Sockets waiting for a helper; past this, a reset client's address is reported unknown at once. */
const MAX_WAITING = 256;

// The kernel refuses (EINVAL) an SO_PEERNAME buffer longer than the address, so ask for exactly its size.
const HELPER = `
import socket, struct, sys
s = socket.socket(fileno=3)
try:
    six = s.family == socket.AF_INET6
    raw = s.getsockopt(socket.SOL_SOCKET, getattr(socket, "SO_PEERNAME", 28), 28 if six else 16)
    port = struct.unpack("!H", raw[2:4])[0]
    ip = socket.inet_ntop(socket.AF_INET6, raw[8:24]) if six else socket.inet_ntop(socket.AF_INET, raw[4:8])
    sys.stdout.write("%s %d %s\\n" % (ip, port, "IPv6" if six else "IPv4"))
finally:
    s.detach()
`;

/** Parses the helper's `address port family` line. */
export function parsePeerLine(line: string): Endpoint | undefined {
  const match = /^([0-9A-Fa-f:.]+) (\d{1,5}) (IPv4|IPv6)\n?$/.exec(line);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return unmapEndpoint(match[1] as string, port, match[3] as string);
}

let running = 0;
const waiting: Array<() => void> = [];

function runHelper(socket: Socket): Promise<Endpoint | undefined> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const finish = (endpoint: Endpoint | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(endpoint);
    };
    const child = spawn('python3', ['-c', HELPER], { stdio: ['ignore', 'pipe', 'ignore', socket] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(undefined);
    }, PEER_NAME_TIMEOUT_MS);
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', (text: string) => {
      if (out.length < 200) out += text;
    });
    child.on('error', () => finish(undefined));
    child.on('close', (code) => finish(code === 0 ? parsePeerLine(out) : undefined));
  });
}

/**
 * Asks the kernel for the peer address of `socket` through SO_PEERNAME (Linux only). Resolves to `undefined`
 * when it cannot be learnt: not Linux, no `python3`, too many lookups waiting, or no answer within
 * {@link PEER_NAME_TIMEOUT_MS}. Never rejects. The socket should be paused meanwhile.
 */
export async function peerNameOf(socket: Socket): Promise<Endpoint | undefined> {
  if (process.platform !== 'linux' || socket.destroyed) return undefined;
  if (running < MAX_RUNNING) running += 1;
  else if (waiting.length >= MAX_WAITING) return undefined;
  // A waiter is handed the finishing lookup's slot, so no more than MAX_RUNNING helpers ever run.
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return socket.destroyed ? undefined : await runHelper(socket);
  } finally {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
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
