/** The UDP sender: sendto (or send on a connected socket) a payload one or more times, and optionally wait for a reply. */
import { UdpkitError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { checkDatagramSize } from '../format/payload.js';
import type { DatagramRecord, Endpoint, SendBase, SendResult } from '../types.js';
import { DEFAULT_MAX_REPLY } from './replies.js';
import { isBroadcastAddress, resolveHost } from './resolve.js';
import { isMulticastAddress, multicastInterface } from './multicast.js';
import { checkSendOptions } from './options.js';
import { Pacer } from './pacer.js';
import { messageSource } from './messages.js';
import { boundEndpoint, type UdpSendPlan } from './udp-send-socket.js';
import { UdpSendRun } from './udp-send-run.js';

/** How long a connected socket lingers after its last send to hear an ICMP error, when no reply is awaited. */
export const DEFAULT_SETTLE_MS = 50;

/** Options of {@link send}. */
export interface UdpSendOptions extends SendBase {
  /** Use a connected socket, which learns of ICMP errors such as port unreachable. */
  connect?: boolean | undefined;
  /** Connected sockets only: how long to linger for an ICMP error when not waiting for a reply. */
  settleMs?: number | undefined;
  /** Allow sending to a broadcast address (SO_BROADCAST); without it the kernel refuses such a send. */
  broadcast?: boolean | undefined;
  /** Send from this local address (it must be one of this host's). */
  sourceAddress?: string | undefined;
  /** Send from this local port (ping mode then keeps it: replies are not matched by a fresh port). */
  sourcePort?: number | undefined;
  /** IP TTL (IPv6 hop limit), 1-255: the unicast one, or for a group destination the multicast one (default 1). */
  ttl?: number | undefined;
  /** A group destination: send out of this interface (a name, or one of its addresses) instead of the routed one. */
  multicastInterface?: string | undefined;
  /** A group destination: whether this host's own members of the group get a copy (the kernel's default: yes). */
  multicastLoop?: boolean | undefined;
}

/** What {@link send} did: a {@link SendResult} whose messages are datagrams. */
export interface UdpSendResult extends SendResult<DatagramRecord> {
  protocol: 'udp';
  /** Whether the socket was connected: it then hears ICMP errors such as port unreachable. */
  connected: boolean;
}

/** How the library says that a broadcast destination needs its option (the command line names its flag instead). */
export const BROADCAST_NEEDED = 'sending to it needs broadcast: true';

/**
 * Decides where and how to send before any socket is made: the destination resolved, the multicast options
 * checked against it.
 * @throws UdpkitError E_USAGE for a multicast option with a unicast destination or a group as the source
 */
async function planUdpSend(options: UdpSendOptions): Promise<UdpSendPlan> {
  const resolved = await resolveHost(options.host, options.family ?? 0);
  const destination: Endpoint = { ...resolved, port: options.port };
  const multicast = isMulticastAddress(resolved.address);
  if (!multicast && (options.multicastInterface !== undefined || options.multicastLoop !== undefined)) {
    const flag = options.multicastInterface !== undefined ? 'a multicast interface' : 'multicast loop';
    throw new UdpkitError('E_USAGE', `${resolved.address} is not a multicast group: ${flag} applies to group destinations only`);
  }
  if (options.sourceAddress !== undefined && isMulticastAddress(options.sourceAddress)) {
    throw new UdpkitError('E_USAGE', `source ${options.sourceAddress} is a multicast group: a datagram is sent from a unicast address`);
  }
  // Decided from the address, before any socket: the kernel's EACCES for a broadcast without SO_BROADCAST comes only
  // where a route reaches it (with no default route, 255.255.255.255 fails with ENETUNREACH instead).
  if (options.broadcast !== true && isBroadcastAddress(resolved.address)) {
    throw new UdpkitError('E_USAGE', `${resolved.address} is a broadcast address: ${BROADCAST_NEEDED}`, { errno: 'EACCES' });
  }
  const iface = options.multicastInterface;
  return {
    destination,
    where: `${formatEndpoint(destination)} over udp`,
    multicast,
    connect: options.connect === true,
    broadcast: options.broadcast === true,
    sourceAddress: options.sourceAddress,
    sourcePort: options.sourcePort,
    ttl: options.ttl,
    multicastInterface: iface === undefined ? undefined : multicastInterface(iface, resolved.family === 'IPv6' ? 6 : 4, `--multicast-if ${iface}`),
    multicastLoop: options.multicastLoop,
  };
}

/**
 * Sends `payload` to host:port over UDP, `count` times.
 * @throws UdpkitError E_DATA (too large), E_UNKNOWN_HOST, E_REFUSED (connected socket, nothing listening),
 *   E_TIMEOUT (no reply within `waitMs`), E_UNAVAILABLE, E_PERMISSION
 */
export async function send(given: UdpSendOptions): Promise<UdpSendResult> {
  const options = await checkSendOptions(given);
  const plan = await planUdpSend(options);
  const source = messageSource(options.payload, options.signal, (message, number) =>
    checkDatagramSize(message.length, plan.destination.family, Buffer.isBuffer(options.payload) ? 'message' : `${options.itemName ?? 'message'} ${number}`),
  );
  const run = new UdpSendRun({
    plan,
    source,
    count: options.count ?? (options.durationMs === undefined && source.fixed !== undefined ? 1 : Number.POSITIVE_INFINITY),
    paced: (options.intervalMs ?? 0) > 0 || options.durationMs !== undefined,
    pacer: new Pacer(options.intervalMs ?? 0, options.signal, options.durationMs, options.count),
    signal: options.signal,
    maxReplyBytes: options.maxReplyBytes ?? DEFAULT_MAX_REPLY,
    onReply: options.onReply,
    settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
  });
  try {
    const socket = await run.open();
    const base = {
      protocol: 'udp' as const,
      destination: plan.destination,
      local: boundEndpoint(socket),
      connected: plan.connect,
      bytesPerMessage: source.fixed?.length ?? 0,
      startedAt: Date.now(),
    };
    const outcome = options.waitMs === undefined ? await run.flood(socket) : await run.ping(socket, options.waitMs);
    return { ...base, ...outcome };
  } catch (error) {
    throw run.explain(error);
  } finally {
    await run.close();
  }
}
