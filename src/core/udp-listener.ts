/** The UDP receiver: binds dgram sockets, reads every datagram whole with its sender, optionally echoes it. */
import type { Socket } from 'node:dgram';
import type { DatagramRecord, Endpoint } from '../types.js';
import { Completion, guardHandler, type StopConditions, type StopReason } from './completion.js';
import { kernelDrops, socketInode } from './kernel.js';
import { DRAIN_MAX_MS, untilQuiet } from './waiter.js';
import type { ListenerSummary } from './stats.js';
import { checkListenOptions, watchSignal } from './options.js';
import type { GroupJoin } from './multicast.js';
import { bindUdp, type RecvBuffer } from './udp-bind.js';
import { DatagramIntake } from './udp-intake.js';
import type { ReplyFunction } from './reply-hook.js';
import { AddressFilter } from './address-filter.js';

export { DEFAULT_RCVBUF, type RecvBuffer } from './udp-bind.js';

/** Options of {@link listen}. */
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
  /**
   * Answers datagrams: the function's replies are sent under the echo's guards (never to this listener, at most
   * `echoRate` answers per second per sender, none over 65,507 bytes); what it leaves unanswered the echo answers
   * when `echo` is on. The record of an answered datagram carries `reply`.
   */
  reply?: ReplyFunction | undefined;
  /** With echo: also echo to the source ports of well-known reflecting services (default: refused and counted). */
  echoAnyPort?: boolean | undefined;
  /** CIDRs (`192.0.2.0/24`, `2001:db8::/32`) whose senders alone are heard; others are dropped and counted `denied`. */
  allow?: readonly string[] | undefined;
  /** CIDRs whose senders are dropped and counted `denied`. */
  deny?: readonly string[] | undefined;
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

/** The kernel's drop count summed over the sockets, read from /proc (undefined where it cannot be read). */
function dropCounter(sockets: readonly Socket[]): () => number | undefined {
  const inodes = sockets.map(socketInode);
  return () => {
    let total: number | undefined;
    for (const inode of inodes) {
      const n = kernelDrops(inode);
      if (n !== undefined) total = (total ?? 0) + n;
    }
    return total;
  };
}

/** Closing, once: read what is queued (with drain), stop the counters, close every socket. */
function closer(sockets: readonly Socket[], intake: DatagramIntake, completion: Completion, summarize: (final: boolean) => ListenerSummary) {
  let closing: Promise<ListenerSummary> | undefined;
  const close = (options?: { drain?: boolean }): Promise<ListenerSummary> => {
    closing ??= (async () => {
      if (options?.drain === true && !completion.finished) await untilQuiet(() => intake.arrivals, DRAIN_MAX_MS);
      completion.finish('closed');
      intake.replier?.close();
      intake.counters.stop();
      const summary = summarize(true);
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
      return summary;
    })();
    return closing;
  };
  return { close, closed: () => closing !== undefined };
}

/**
 * Binds UDP sockets and calls `handler` for every datagram, whole, with its sender.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE, E_UNKNOWN_HOST when it cannot bind; E_USAGE for a
 * bad option (a malformed CIDR)
 */
export async function listen(given: UdpListenOptions, handler: DatagramHandler): Promise<UdpListener> {
  const options = await checkListenOptions(given);
  // Checked before the bind: a bad CIDR is a usage error, not a listener that hears everyone.
  const filter = AddressFilter.from(options.allow, options.deny);
  const { sockets, locals, skipped, recvBuffer } = await bindUdp(options, options.port);
  const local = locals[0] as Endpoint;
  const completion = new Completion(options);
  const deliver = guardHandler(completion, handler, () => void close());
  const intake = new DatagramIntake({ ...options, filter }, completion, deliver, locals.map((l) => l.port), local);
  for (const [index, socket] of sockets.entries()) intake.attach(socket, locals[index] as Endpoint);
  const drops = dropCounter(sockets);
  // The drop count is read at close and kept: the sockets are gone afterwards.
  let lastDrops: number | undefined;
  const summarize = (final: boolean): ListenerSummary => {
    if (final || !closed()) lastDrops = drops();
    return intake.counters.summary('udp', local, lastDrops);
  };
  const { close, closed } = closer(sockets, intake, completion, summarize);
  watchSignal(options.signal, close);
  return {
    protocol: 'udp',
    local,
    locals,
    echoSkipped: skipped,
    recvBuffer,
    done: completion.done,
    summary: () => summarize(false),
    close,
    async [Symbol.asyncDispose]() {
      await close({ drain: true });
    },
  };
}
