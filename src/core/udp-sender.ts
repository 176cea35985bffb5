/** The UDP sender: sendto (or send on a connected socket) a payload one or more times, and optionally wait for a reply. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint, unmapEndpoint } from '../format/endpoint.js';
import { checkDatagramSize } from '../payload.js';
import type { DatagramRecord, Endpoint, SendBase } from '../types.js';
import { resolveHost } from './resolve.js';
import { monotonicMs } from '../clock.js';

/** How long a connected socket lingers after its last send to hear an ICMP error, when no reply is awaited. */
export const DEFAULT_SETTLE_MS = 50;

/** Options of {@link sendUdp}. */
export interface UdpSendOptions extends SendBase {
  /** Use a connected socket, which learns of ICMP errors such as port unreachable. */
  connect?: boolean | undefined;
  /** Connected sockets only: how long to linger for an ICMP error when not waiting for a reply. */
  settleMs?: number | undefined;
}

/** What {@link sendUdp} did. */
export interface UdpSendResult {
  protocol: 'udp';
  destination: Endpoint;
  local: Endpoint;
  connected: boolean;
  datagrams: number;
  bytesPerDatagram: number;
  totalBytes: number;
  /** When the first datagram was handed to the socket, in milliseconds since the epoch. */
  startedAt: number;
  /** Milliseconds from the first send to the last send's completion. */
  sendMs: number;
  /** Milliseconds from the first send to the reply, when one was awaited and came. */
  replyMs?: number;
  reply?: DatagramRecord;
}

const HIGH_WATER = 512;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function endpointOf(socket: Socket): Endpoint {
  const a = socket.address();
  return { address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/**
 * Sends `payload` to host:port over UDP, `count` times.
 * @throws UdpkitError E_DATA (too large), E_UNKNOWN_HOST, E_REFUSED (connected socket, nothing listening),
 *   E_TIMEOUT (no reply within `waitMs`), E_UNAVAILABLE, E_PERMISSION
 */
export async function sendUdp(options: UdpSendOptions): Promise<UdpSendResult> {
  const destination = await resolveHost(options.host, options.family ?? 0);
  checkDatagramSize(options.payload.length, destination.family);
  const dest: Endpoint = { ...destination, port: options.port };
  const where = `${formatEndpoint(dest)} over udp`;
  const count = options.count ?? 1;
  const connected = options.connect === true;
  const socket = createSocket(destination.family === 'IPv6' ? 'udp6' : 'udp4');

  let failure: unknown;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let reply: { payload: Buffer; rinfo: RemoteInfo; at: number } | undefined;
  socket.on('error', (error) => {
    failure ??= error;
    wakeUp();
  });
  socket.on('message', (payload, rinfo) => {
    reply ??= { payload, rinfo, at: monotonicMs() };
    wakeUp();
  });

  const fail = (error: unknown): UdpkitError => {
    const errno = (error as { code?: string }).code;
    if (errno === 'ECONNREFUSED') {
      return new UdpkitError('E_REFUSED', `connection refused by ${where} (ICMP port unreachable: nothing listens there)`, {
        cause: error,
        errno,
      });
    }
    return fromSystemError(error, `cannot send to ${where}`);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (connected) {
      await new Promise<void>((resolve, reject) => {
        socket.connect(options.port, destination.address, (error?: Error) => (error ? reject(error) : resolve()));
      });
    }
    const local = endpointOf(socket);
    const startedAt = Date.now();
    const t0 = monotonicMs();
    let inflight = 0;
    let sent = 0;
    const onSent = (error: Error | null): void => {
      inflight -= 1;
      if (error) failure ??= error;
      if (inflight < HIGH_WATER / 2 || failure) wakeUp();
    };
    for (let i = 0; i < count; i++) {
      if (failure) throw fail(failure);
      if (i > 0 && (options.intervalMs ?? 0) > 0) await sleep(options.intervalMs ?? 0);
      if (connected) socket.send(options.payload, onSent);
      else socket.send(options.payload, options.port, destination.address, onSent);
      inflight += 1;
      sent += 1;
      if (inflight >= HIGH_WATER) await new Promise<void>((resolve) => (wake = resolve));
    }
    for (let turn = 0; inflight > 0 && !failure && turn < 1_000_000; turn++) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const sendMs = monotonicMs() - t0;
    if (failure) throw fail(failure);

    const linger = options.waitMs ?? (connected ? (options.settleMs ?? DEFAULT_SETTLE_MS) : 0);
    if (linger > 0 && !reply) {
      const timer = setTimeout(wakeUp, linger);
      await new Promise<void>((resolve) => (wake = resolve));
      clearTimeout(timer);
    }
    if (failure) throw fail(failure);
    const result: UdpSendResult = {
      protocol: 'udp',
      destination: dest,
      local,
      connected,
      datagrams: sent,
      bytesPerDatagram: options.payload.length,
      totalBytes: sent * options.payload.length,
      startedAt,
      sendMs,
    };
    if (options.waitMs !== undefined) {
      if (!reply) {
        throw new UdpkitError('E_TIMEOUT', `no reply from ${where} within ${options.waitMs} ms`, { errno: 'ETIMEDOUT' });
      }
      result.replyMs = reply.at - t0;
      result.reply = {
        event: 'datagram',
        protocol: 'udp',
        time: Date.now(),
        from: unmapEndpoint(reply.rinfo.address, reply.rinfo.port, reply.rinfo.family),
        local,
        payload: reply.payload,
      };
    }
    return result;
  } catch (error) {
    throw error instanceof UdpkitError ? error : fail(error);
  } finally {
    socket.removeAllListeners('message');
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
