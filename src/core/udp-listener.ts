/** The UDP receiver: binds a dgram socket, reads every datagram whole with its sender, optionally echoes it. */
import { createSocket, type Socket } from 'node:dgram';
import { unmapEndpoint } from '../format/endpoint.js';
import type { DatagramRecord, Endpoint } from '../types.js';
import { Completion, guardHandler, type StopConditions, type StopReason } from './completion.js';
import { kernelDrops, rmemMax, socketInode } from './kernel.js';
import { bindFirst, bindPlans, type BindPlan } from './bind-plan.js';
import { DRAIN_MAX_MS, waitUntilQuiet } from './quiet.js';
import { Counters, type ListenerSummary } from './stats.js';
import { EchoGuard } from './echo-guard.js';
import { monotonicMs } from '../clock.js';

/** The receive buffer asked for when none is given: 8 MiB, or less where the kernel caps it. */
export const DEFAULT_RCVBUF = 8 * 1024 * 1024;

/** Options of {@link listenUdp}. */
export interface UdpListenOptions extends StopConditions {
  /** Port to bind; 0 for one the system picks. */
  port: number;
  /** Address (or name) to bind; all interfaces when omitted. */
  host?: string | undefined;
  /** 4 or 6 to bind one family only; 0 (default) for dual-stack `::` falling back to `0.0.0.0`. */
  family?: 0 | 4 | 6 | undefined;
  /** SO_RCVBUF to ask for, in bytes; default {@link DEFAULT_RCVBUF} capped at `net.core.rmem_max`. */
  rcvbuf?: number | undefined;
  /** Send each datagram back to its sender (never to the listener's own address and port). */
  echo?: boolean | undefined;
  /** With echo: echoes per second per sender, the excess counted and not sent (default 1000; 0: no bound). */
  echoRate?: number | undefined;
}

/** The receive buffer asked for and the one the kernel granted. */
export interface RecvBuffer {
  requested: number;
  /** What the kernel reports (Linux doubles the request for its own bookkeeping). */
  granted: number;
  /** True when the kernel gave less than was asked. */
  capped: boolean;
}

/** Called for each datagram, in arrival order. */
export type DatagramHandler = (record: DatagramRecord) => void;

/** A bound UDP receiver. */
export interface UdpListener {
  readonly protocol: 'udp';
  /** The address and port really bound (the real port when 0 was asked). */
  readonly local: Endpoint;
  readonly recvBuffer: RecvBuffer;
  /**
   * Resolves when a stop condition is met or the listener is closed. Rejects with the error when the record handler
   * throws: that record and every later one are not delivered, and the listener closes itself.
   */
  readonly done: Promise<StopReason>;
  /** Counters so far, with the kernel's drop count for this socket. */
  summary(): ListenerSummary;
  /**
   * Stops receiving and closes the socket; idempotent, the same promise every time.
   * With `drain`, first reads what is already queued in the kernel, so nothing that reached the host is lost.
   */
  close(options?: { drain?: boolean }): Promise<ListenerSummary>;
}

function bindOnce(plan: BindPlan, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: plan.family === 6 ? 'udp6' : 'udp4', ipv6Only: plan.ipv6Only });
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind(port, plan.address, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function setRecvBuffer(socket: Socket, requested: number | undefined): RecvBuffer {
  const ceiling = rmemMax();
  const asked = requested ?? Math.min(DEFAULT_RCVBUF, ceiling ?? DEFAULT_RCVBUF);
  try {
    socket.setRecvBufferSize(asked);
  } catch {
    // the kernel refused the size outright; keep its default and report it below
  }
  const granted = socket.getRecvBufferSize();
  // Linux doubles the value it stores; what the request became is granted / 2 there.
  const effective = process.platform === 'linux' ? granted / 2 : granted;
  return { requested: asked, granted, capped: effective < asked };
}

/**
 * Binds a UDP socket and calls `onDatagram` for every datagram, whole, with its sender.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE, E_UNKNOWN_HOST when it cannot bind
 */
export async function listenUdp(options: UdpListenOptions, handler: DatagramHandler): Promise<UdpListener> {
  const plans = await bindPlans(options.host, options.family ?? 0);
  const socket = await bindFirst(plans, options.port, 'cannot bind udp', (plan) => bindOnce(plan, options.port));
  const recvBuffer = setRecvBuffer(socket, options.rcvbuf);
  const bound = socket.address();
  const local: Endpoint = { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  const inode = socketInode(socket);
  const counters = new Counters();
  const completion = new Completion(options);
  const onDatagram = guardHandler(completion, handler, () => void close());
  const guard = options.echo === true ? new EchoGuard(local.port, options.echoRate) : undefined;
  let lastDrops: number | undefined;
  let closing: Promise<ListenerSummary> | undefined;
  let arrivals = 0;

  // Under a flood this runs hundreds of thousands of times a second: the sender's endpoint object and its
  // distinct-sender entry are made once per change of sender, not per datagram.
  let lastAddress = '';
  let lastPort = -1;
  let from: Endpoint = local;
  socket.on('message', (payload, rinfo) => {
    arrivals += 1;
    if (completion.finished) return;
    const time = Date.now();
    if (rinfo.port !== lastPort || rinfo.address !== lastAddress) {
      lastAddress = rinfo.address;
      lastPort = rinfo.port;
      from = unmapEndpoint(rinfo.address, rinfo.port, rinfo.family);
      counters.senders.add(`${from.address}|${from.port}`);
    }
    counters.records += 1;
    counters.bytes += payload.length;
    const last = completion.record(payload, time);
    if (guard) {
      if (guard.allow(from.address, from.port, monotonicMs())) {
        socket.send(payload, rinfo.port, rinfo.address, (error) => {
          if (error) counters.echoErrors += 1;
          else counters.echoed += 1;
        });
      } else {
        counters.echoSuppressed += 1;
      }
    }
    onDatagram({ event: 'datagram', protocol: 'udp', time, from, local, payload });
    if (last) counters.stop();
  });
  // After bind, socket errors (e.g. an ICMP error on an echo) must not crash the listener; they are not fatal for
  // UDP, and are counted for the summary.
  socket.on('error', () => {
    counters.socketErrors += 1;
  });

  const summary = (): ListenerSummary => {
    if (!closing) lastDrops = kernelDrops(inode);
    return counters.summary('udp', local, lastDrops);
  };

  const close = (closeOptions?: { drain?: boolean }): Promise<ListenerSummary> => {
    closing ??= (async () => {
      if (closeOptions?.drain === true && !completion.finished) await waitUntilQuiet(() => arrivals, DRAIN_MAX_MS);
      completion.finish('closed');
      counters.stop();
      lastDrops = kernelDrops(inode);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      return counters.summary('udp', local, lastDrops);
    })();
    return closing;
  };

  return { protocol: 'udp', local, recvBuffer, done: completion.done, summary, close };
}

