/** Talking to an echo peer: one datagram and its reply, one TCP exchange, and ping-pong round trips. */
import type { Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { formatEndpoint } from '../format/endpoint.js';
import { UdpkitError, fromSystemError } from '../errors.js';
import type { EchoTarget } from './types.js';
import { openUdpSocket, type LocalBind } from './udp-socket.js';

/** A UDP socket bound for talking to the target, with a way to await the next reply. */
export interface UdpEchoClient {
  socket: UdpSocket;
  /** Sends and resolves with the reply, or rejects after `timeoutMs`. */
  exchange(payload: Buffer, timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens a UDP socket towards the target's UDP echo port, bound to `local` (default: any address, any free port).
 * @throws UdpkitError when the socket cannot be bound (see {@link openUdpSocket})
 */
export async function udpEchoClient(target: EchoTarget, local?: LocalBind): Promise<UdpEchoClient> {
  const socket = await openUdpSocket(target.family, local);
  let waiter: ((message: Buffer) => void) | undefined;
  socket.on('message', (message) => waiter?.(message));
  return {
    socket,
    exchange(payload, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new UdpkitError('E_TIMEOUT', `no echo from ${formatEndpoint({ address: target.host, port: target.udpPort })} over udp within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = (message) => {
          clearTimeout(timer);
          waiter = undefined;
          resolve(message);
        };
        socket.send(payload, target.udpPort, target.host);
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** A TCP connection to the target's echo port, reading replies as a byte stream. */
export interface TcpEchoClient {
  socket: Socket;
  connectMs: number;
  /**
   * Writes and resolves once `expect` bytes have come back (default: as many as were written). After `timeoutMs`
   * it rejects, or with `partial` resolves with what came back by then.
   */
  exchange(payload: Buffer, expect?: number, timeoutMs?: number, partial?: boolean): Promise<{ bytes: number; chunks: number[] }>;
  close(): void;
}

/** Connects to the target's TCP echo port. */
export async function tcpEchoClient(target: EchoTarget, timeoutMs = 5000): Promise<TcpEchoClient> {
  const c0 = performance.now();
  const where = formatEndpoint({ address: target.host, port: target.tcpPort });
  const socket = connect({ host: target.host, port: target.tcpPort, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UdpkitError('E_TIMEOUT', `connect to ${where} over tcp timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(fromSystemError(error, `cannot connect to ${where} over tcp`));
    });
  });
  const connectMs = performance.now() - c0;
  socket.on('error', () => undefined);
  let got = 0;
  let chunks: number[] = [];
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    got += chunk.length;
    chunks.push(chunk.length);
    waiter?.();
  });
  return {
    socket,
    connectMs,
    exchange(payload, expect = payload.length, ms = 5000, partial = false) {
      got = 0;
      chunks = [];
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          if (partial) {
            resolve({ bytes: got, chunks });
            return;
          }
          reject(new UdpkitError('E_TIMEOUT', `echo of ${expect} bytes over tcp incomplete after ${ms} ms (${got} back)`));
        }, ms);
        waiter = () => {
          if (got < expect) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve({ bytes: got, chunks });
        };
        socket.write(payload);
      });
    },
    close: () => socket.destroy(),
  };
}
