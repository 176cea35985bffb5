/** The UDP receiver: binds a dgram socket, reads every datagram whole with its sender, optionally echoes it. */
import { createSocket, type Socket } from 'node:dgram';
import { formatEndpoint } from '../format/endpoint.js';
import { unmapEndpoint } from './endpoint.js';
import type { DatagramRecord, Endpoint } from '../types.js';
import { Completion, guardHandler, type StopConditions, type StopReason } from './completion.js';
import { kernelDrops, rmemMax, socketInode } from './kernel.js';
import { bindListener, bindPorts, interfaceAddresses, type BindPlan } from './bind-plan.js';
import { DRAIN_MAX_MS, untilQuiet } from './waiter.js';
import { Counters, type ListenerSummary } from './stats.js';
import { EchoGuard } from './echo-guard.js';
import { EchoCounts } from './echo-counts.js';
import { checkListenOptions, watchSignal } from './options.js';
import { monotonicMs, preciseWallMs } from '../clock.js';
import { isIP } from 'node:net';
import { UdpkitError, fromSystemError } from '../errors.js';
import { isMulticastAddress, joinGroup, type GroupJoin } from './multicast.js';

/** The receive buffer asked for when none is given: 8 MiB, or less where the kernel caps it. */
export const DEFAULT_RCVBUF = 8 * 1024 * 1024;

/** Options of {@link listenUdp}. */
export interface UdpListenOptions extends StopConditions {
  /** Aborting it closes the listener (reading what is queued first), as close({ drain: true }) does. */
  signal?: AbortSignal | undefined;
  /** Port to bind (0 for one the system picks), or several ports, all into one record stream. */
  port: number | readonly number[];
  /** Address (or name) to bind; all interfaces when omitted. */
  host?: string | undefined;
  /** 4 or 6 to bind one family only; 0 (default) for dual-stack `::` falling back to `0.0.0.0`. */
  family?: 0 | 4 | 6 | undefined;
  /** SO_RCVBUF to ask for, in bytes; default {@link DEFAULT_RCVBUF} capped at `net.core.rmem_max`. */
  rcvbuf?: number | undefined;
  /** Send each datagram back to its sender (never to the listener's own address and port). */
  echo?: boolean | undefined;
  /**
   * Multicast groups to join. The listener then binds each group's address on the port (one socket per group, so a
   * record's `local` names the group it was sent to) and hears those groups only, not unicast to the port.
   */
  join?: readonly GroupJoin[] | undefined;
  /** Record times with microsecond resolution (the wall clock advanced by the monotonic one) instead of `Date.now()`. */
  preciseTime?: boolean | undefined;
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
  /** The address and port really bound (the real port when 0 was asked); the first of `locals`. */
  readonly local: Endpoint;
  /**
   * Every address and port bound: per port asked, all the addresses of a host name, or with `echo` on the wildcard,
   * the wildcard and then each interface address (so that echoes leave from the address asked).
   */
  readonly locals: readonly Endpoint[];
  /** With `echo` on the wildcard: interface addresses that could not be bound (their requests get the wildcard's reply). */
  readonly echoSkipped: readonly string[];
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
  /** `await using listener = await listen(…)`: closes it (with drain) when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>;
}

function bindOnce(plan: BindPlan, port: number, reuseAddr = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: plan.family === 6 ? 'udp6' : 'udp4', ipv6Only: plan.ipv6Only, reuseAddr });
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

function endpointOf(socket: Socket): Endpoint {
  const bound = socket.address();
  return { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/**
 * The sockets of a listener. With `echo` on the wildcard, every address configured on an interface gets a socket
 * of its own beside the wildcard one (as dnsmasq's bind-interfaces does): Node.js has no IP_PKTINFO, so replying
 * from the socket that received is the only way to answer from the address the request was sent to. Those sockets
 * share the port through SO_REUSEADDR, so a plain bind probes first that the port is free for us alone.
 */
/** One socket per group, bound to the group's address on `asked` (all on the port the first one got), joined. */
async function bindGroups(joins: readonly GroupJoin[], asked: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let port = asked;
  try {
    for (const join of joins) {
      if (!isMulticastAddress(join.group)) {
        throw new UdpkitError('E_USAGE', `${join.group} is not a multicast group (224.0.0.0/4 or ff00::/8): join takes a group address`);
      }
      if (join.source !== undefined && (isIP(join.source) === 0 || isMulticastAddress(join.source))) {
        throw new UdpkitError('E_USAGE', `source filter ${join.source} must be a unicast IP address`);
      }
      const v6 = isIP(join.group) === 6;
      const socket = await bindOnce({ family: v6 ? 6 : 4, address: join.group, ipv6Only: v6 }, port, true).catch((error: unknown) => {
        throw fromSystemError(error, `cannot bind udp ${formatEndpoint({ address: join.group, port })}`);
      });
      sockets.push(socket);
      port = socket.address().port;
      joinGroup(socket, join);
    }
  } catch (error) {
    for (const socket of sockets) socket.close();
    throw error;
  }
  return sockets;
}

async function bindSockets(options: Omit<UdpListenOptions, 'port'>, asked: number): Promise<{ sockets: Socket[]; skipped: string[] }> {
  if (options.join !== undefined && options.join.length > 0) return { sockets: await bindGroups(options.join, asked), skipped: [] };
  const family = options.family ?? 0;
  const bind = (reuse: boolean) =>
    bindListener(
      options.host,
      family,
      asked,
      'cannot bind udp',
      (plan, port) => bindOnce(plan, port, reuse),
      (socket) => socket.address().port,
      (socket) => socket.close(),
    );
  if (options.echo !== true || options.host !== undefined) return { sockets: await bind(false), skipped: [] };
  const probe = await bind(false);
  const port = probe[0]?.address().port ?? asked;
  await Promise.all(probe.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  const sockets = await bindListener(
    undefined,
    family,
    port,
    'cannot bind udp',
    (plan) => bindOnce(plan, port, true),
    (socket) => socket.address().port,
    (socket) => socket.close(),
  );
  const wildcard = endpointOf(sockets[0] as Socket);
  const skipped: string[] = [];
  for (const plan of interfaceAddresses(wildcard.family === 'IPv6' ? 6 : 4, wildcard.family === 'IPv6' && family === 0)) {
    try {
      sockets.push(await bindOnce(plan, port, true));
    } catch (error) {
      // e.g. an IPv6 address still in duplicate address detection: its requests get the wildcard's answer.
      skipped.push(`${plan.address} (${(error as { code?: string }).code ?? 'error'})`);
    }
  }
  return { sockets, skipped };
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
export async function listenUdp(given: UdpListenOptions, handler: DatagramHandler): Promise<UdpListener> {
  const options = await checkListenOptions(given);
  const skipped: string[] = [];
  const sockets = await bindPorts(
    options.port,
    async (port) => {
      const bound = await bindSockets(options, port);
      skipped.push(...bound.skipped);
      return bound.sockets;
    },
    (socket) => socket.close(),
  );
  const primary = sockets[0] as Socket;
  const recvBuffer = setRecvBuffer(primary, options.rcvbuf);
  for (const other of sockets.slice(1)) setRecvBuffer(other, options.rcvbuf);
  const local = endpointOf(primary);
  const locals = sockets.map(endpointOf);
  const inodes = sockets.map(socketInode);
  const counters = new Counters();
  const precise = options.preciseTime === true;
  const completion = new Completion(options);
  const onDatagram = guardHandler(completion, handler, () => void close());
  const counts = options.echo === true ? new EchoCounts() : undefined;
  const guard = options.echo === true ? new EchoGuard(new Set(locals.map((l) => l.port)), options.echoRate) : undefined;
  let lastDrops: number | undefined;
  let closing: Promise<ListenerSummary> | undefined;
  let arrivals = 0;

  // Under a flood this runs hundreds of thousands of times a second: the sender's endpoint object and its
  // distinct-sender entry are made once per change of sender, not per datagram.
  let lastAddress = '';
  let lastPort = -1;
  let from: Endpoint = local;
  const receive = (socket: Socket, at: Endpoint): void => {
    socket.on('message', (payload, rinfo) => {
      arrivals += 1;
      if (completion.finished) return;
      const time = precise ? preciseWallMs() : Date.now();
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
        // udp-compare's count query is answered with this sender's counts instead of an echo.
        const answer = counts?.received(from.address, from.port, payload);
        // From the socket that received: the reply leaves from the address the request was sent to.
        if (guard.allow(from.address, from.port, monotonicMs())) {
          const sender = from;
          socket.send(answer ?? payload, rinfo.port, rinfo.address, (error) => {
            if (error) counters.echoErrors += 1;
            else {
              counters.echoed += 1;
              if (answer === undefined) counts?.echoed(sender.address, sender.port);
            }
          });
        } else {
          counters.echoSuppressed += 1;
        }
      }
      onDatagram({ event: 'datagram', protocol: 'udp', time, from, local: at, payload });
      if (last) counters.stop();
    });
    // After bind, socket errors (e.g. an ICMP error on an echo) must not crash the listener; they are not fatal for
    // UDP, and are counted for the summary.
    socket.on('error', () => {
      counters.socketErrors += 1;
    });
  };
  for (const [index, socket] of sockets.entries()) receive(socket, locals[index] as Endpoint);
  const drops = (): number | undefined => {
    let total: number | undefined;
    for (const inode of inodes) {
      const n = kernelDrops(inode);
      if (n !== undefined) total = (total ?? 0) + n;
    }
    return total;
  };

  const summary = (): ListenerSummary => {
    if (!closing) lastDrops = drops();
    return counters.summary('udp', local, lastDrops);
  };

  const close = (closeOptions?: { drain?: boolean }): Promise<ListenerSummary> => {
    closing ??= (async () => {
      if (closeOptions?.drain === true && !completion.finished) await untilQuiet(() => arrivals, DRAIN_MAX_MS);
      completion.finish('closed');
      counters.stop();
      lastDrops = drops();
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
      return counters.summary('udp', local, lastDrops);
    })();
    return closing;
  };

  watchSignal(options.signal, close);
  return {
    protocol: 'udp',
    local,
    locals,
    echoSkipped: skipped,
    recvBuffer,
    done: completion.done,
    summary,
    close,
    async [Symbol.asyncDispose]() {
      await close({ drain: true });
    },
  };
}

