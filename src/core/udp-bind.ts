/**
 * Binding a UDP listener's sockets: per port asked, per address of a host name, one per multicast group, or with
 * echo on the wildcard, the wildcard and every interface address; and the receive buffer each gets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { formatEndpoint } from '../format/endpoint.js';
import type { Endpoint } from '../types.js';
import { bindListener, bindPorts, interfaceAddresses, type BindPlan } from './bind-plan.js';
import { UdpkitError, fromSystemError } from '../errors.js';
import { isMulticastAddress, joinGroup, type GroupJoin } from './multicast.js';

/** The receive buffer asked for when none is given: 8 MiB, or less where the kernel caps it. */
export const DEFAULT_RCVBUF = 8 * 1024 * 1024;

/** The receive buffer asked for and the one the kernel granted. */
export interface RecvBuffer {
  requested: number;
  /** What the kernel reports (Linux doubles the request for its own bookkeeping). */
  granted: number;
  /** True when the kernel gave less than was asked (net.core.rmem_max is below it). */
  capped: boolean;
  /** True when nothing was asked and the default ({@link DEFAULT_RCVBUF}) was. */
  byDefault: boolean;
}

/** What the binding needs of a listener's options. @internal */
export interface UdpBindOptions {
  host?: string | undefined;
  family?: 0 | 4 | 6 | undefined;
  echo?: boolean | undefined;
  join?: readonly GroupJoin[] | undefined;
  rcvbuf?: number | undefined;
}

/** One dgram socket bound to `plan`'s address on `port`; rejects with the system error. */
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

/** The address and port a socket is bound to. */
function endpointOf(socket: Socket): Endpoint {
  const bound = socket.address();
  return { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

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

/**
 * The sockets of a listener. With `echo` on the wildcard, every address configured on an interface gets a socket
 * of its own beside the wildcard one (as dnsmasq's bind-interfaces does): Node.js has no IP_PKTINFO, so replying
 * from the socket that received is the only way to answer from the address the request was sent to. Those sockets
 * share the port through SO_REUSEADDR, so a plain bind probes first that the port is free for us alone.
 */
async function bindSockets(options: UdpBindOptions, asked: number): Promise<{ sockets: Socket[]; skipped: string[] }> {
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
  // The default is asked for whole, so that a ceiling below it shows as capped (a flood starts losing there).
  const asked = requested ?? DEFAULT_RCVBUF;
  try {
    socket.setRecvBufferSize(asked);
  } catch {
    // the kernel refused the size outright; keep its default and report it below
  }
  const granted = socket.getRecvBufferSize();
  // Linux doubles the value it stores; what the request became is granted / 2 there.
  const effective = process.platform === 'linux' ? granted / 2 : granted;
  return { requested: asked, granted, capped: effective < asked, byDefault: requested === undefined };
}

/** Every socket of a listener, bound, with the receive buffer set. @internal */
export interface BoundSockets {
  sockets: Socket[];
  /** Each socket's address and port, in the same order. */
  locals: Endpoint[];
  /** With echo on the wildcard: interface addresses that could not be bound. */
  skipped: string[];
  /** The first socket's receive buffer (the others ask for the same). */
  recvBuffer: RecvBuffer;
}

/**
 * Binds the sockets for every port asked (all or none: a failure closes those already bound) and sets their
 * receive buffers.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE, E_UNKNOWN_HOST, E_USAGE
 */
export async function bindUdp(options: UdpBindOptions, ports: readonly number[]): Promise<BoundSockets> {
  const skipped: string[] = [];
  const sockets = await bindPorts(
    ports,
    async (port) => {
      const bound = await bindSockets(options, port);
      skipped.push(...bound.skipped);
      return bound.sockets;
    },
    (socket) => socket.close(),
  );
  const recvBuffer = setRecvBuffer(sockets[0] as Socket, options.rcvbuf);
  for (const other of sockets.slice(1)) setRecvBuffer(other, options.rcvbuf);
  return { sockets, locals: sockets.map(endpointOf), skipped, recvBuffer };
}
