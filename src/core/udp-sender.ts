/** The UDP sender: sendto (or send on a connected socket) a payload one or more times, and optionally wait for a reply. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint, formatSource } from '../format/endpoint.js';
import { unmapEndpoint } from './endpoint.js';
import { checkDatagramSize } from '../format/payload.js';
import type { DatagramRecord, Endpoint, SendBase } from '../types.js';
import { DEFAULT_MAX_REPLY, ReplyBox, type ReplyOverflow } from './replies.js';
import { isBroadcastAddress, resolveHost } from './resolve.js';
import { isMulticastAddress, multicastInterface } from './multicast.js';
import { checkSendOptions } from './options.js';
import { monotonicMs } from '../clock.js';
import { Pacer } from './pacer.js';
import { messageSource } from './messages.js';

/** How long a connected socket lingers after its last send to hear an ICMP error, when no reply is awaited. */
export const DEFAULT_SETTLE_MS = 50;

/** Options of {@link sendUdp}. */
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
  /** Milliseconds from the first send to the last send's completion (in ping mode, to the last reply or time-out). */
  sendMs: number;
  /** With waitMs: the round trip of the first exchange that got a reply. */
  replyMs?: number;
  /** With waitMs: every reply, one per exchange that got one. */
  replies?: DatagramRecord[];
  /** With waitMs: the round trip of each exchange in milliseconds, null where no reply came in time. */
  rttMs?: (number | null)[];
  /** With waitMs: replies over `maxReplyBytes`, or unsolicited ones over the queue bound, counted and not kept. */
  replyOverflow?: ReplyOverflow;
  /** True when `signal` ended the run early: `datagrams` counts what was sent before. */
  interrupted: boolean;
  /** Datagrams per second achieved from the first send to the last, with more than one datagram: (n − 1) / elapsed. */
  rate?: number;
  /** With waitMs: replies that came after their exchange's wait was over (counted, not kept, not in `rttMs`). */
  lateReplies?: number;
}

const HIGH_WATER = 512;
/** Ping mode: sockets kept listening for late replies after their exchange went unanswered. */
const MAX_RETIRED = 32;

function endpointOf(socket: Socket): Endpoint {
  const a = socket.address();
  return { address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/**
 * Sends `payload` to host:port over UDP, `count` times.
 * @throws UdpkitError E_DATA (too large), E_UNKNOWN_HOST, E_REFUSED (connected socket, nothing listening),
 *   E_TIMEOUT (no reply within `waitMs`), E_UNAVAILABLE, E_PERMISSION
 */
export async function sendUdp(given: UdpSendOptions): Promise<UdpSendResult> {
  const options = await checkSendOptions(given);
  const destination = await resolveHost(options.host, options.family ?? 0);
  const source = messageSource(options.payload, options.signal, (message, number) =>
    checkDatagramSize(message.length, destination.family, Buffer.isBuffer(options.payload) ? 'message' : `${options.itemName ?? 'message'} ${number}`),
  );
  const fixed = source.fixed;
  let totalBytes = 0;
  let largest = fixed?.length ?? 0;
  /** The next datagram's payload; undefined when a stream has ended. */
  const take = async (index: number): Promise<Buffer | undefined> => {
    const message = fixed ?? (await source.next(index));
    if (message !== undefined) {
      totalBytes += message.length;
      if (message.length > largest) largest = message.length;
    }
    return message;
  };
  const dest: Endpoint = { ...destination, port: options.port };
  const where = `${formatEndpoint(dest)} over udp`;
  const multicast = isMulticastAddress(destination.address);
  if (!multicast && (options.multicastInterface !== undefined || options.multicastLoop !== undefined)) {
    const flag = options.multicastInterface !== undefined ? 'a multicast interface' : 'multicast loop';
    throw new UdpkitError('E_USAGE', `${destination.address} is not a multicast group: ${flag} applies to group destinations only`);
  }
  if (options.sourceAddress !== undefined && isMulticastAddress(options.sourceAddress)) {
    throw new UdpkitError('E_USAGE', `source ${options.sourceAddress} is a multicast group: a datagram is sent from a unicast address`);
  }
  const multicastIf =
    options.multicastInterface === undefined ? undefined : multicastInterface(options.multicastInterface, destination.family === 'IPv6' ? 6 : 4, `--multicast-if ${options.multicastInterface}`);
  const count = options.count ?? (options.durationMs === undefined && fixed !== undefined ? 1 : Number.POSITIVE_INFINITY);
  const paced = (options.intervalMs ?? 0) > 0 || options.durationMs !== undefined;
  const pacer = new Pacer(options.intervalMs ?? 0, options.signal, options.durationMs);
  const connected = options.connect === true;

  let failure: unknown;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const signal = options.signal;
  const box = new ReplyBox<DatagramRecord>(options.maxReplyBytes ?? DEFAULT_MAX_REPLY, options.onReply);
  // Replies not yet taken by an exchange, in arrival order; bounded in bytes like the replies kept.
  let arrived: { payload: Buffer; rinfo: RemoteInfo; at: number }[] = [];
  let arrivedBytes = 0;
  const onMessage = (payload: Buffer, rinfo: RemoteInfo): void => {
    if (arrivedBytes + payload.length <= box.room) {
      arrived.push({ payload, rinfo, at: monotonicMs() });
      arrivedBytes += payload.length;
    } else {
      box.drop(payload.length);
    }
    wakeUp();
  };
  /** A socket bound to an ephemeral port (and connected, with `connect`), its replies going to `arrived`. */
  const openSocket = async (): Promise<Socket> => {
    const made = createSocket(destination.family === 'IPv6' ? 'udp6' : 'udp4');
    made.on('error', (error) => {
      failure ??= error;
      wakeUp();
    });
    made.on('message', onMessage);
    opened.push(made);
    await new Promise<void>((resolve, reject) => {
      // A chosen source that cannot be bound (in use, not local) is named as the source, not as the destination.
      const refuse = (error: Error): void => {
        const source = formatSource(options.sourceAddress, options.sourcePort);
        reject(options.sourceAddress === undefined && options.sourcePort === undefined ? error : fromSystemError(error, `cannot send from ${source}`));
      };
      made.once('error', refuse);
      made.bind(options.sourcePort ?? 0, options.sourceAddress, () => {
        made.off('error', refuse);
        try {
          if (options.broadcast === true) made.setBroadcast(true);
          if (multicast) {
            if (multicastIf !== undefined) made.setMulticastInterface(multicastIf);
            if (options.ttl !== undefined) made.setMulticastTTL(options.ttl);
            if (options.multicastLoop !== undefined) made.setMulticastLoopback(options.multicastLoop);
          } else if (options.ttl !== undefined) {
            made.setTTL(options.ttl);
          }
        } catch (error) {
          reject(fromSystemError(error, `cannot set up the socket to send to ${where}`));
          return;
        }
        resolve();
      });
    });
    if (connected) {
      await new Promise<void>((resolve, reject) => {
        made.connect(options.port, destination.address, (error?: Error) => (error ? reject(error) : resolve()));
      });
    }
    return made;
  };
  /** Every socket made, closed at the end. */
  const opened: Socket[] = [];
  const onAbort = (): void => wakeUp();
  signal?.addEventListener('abort', onAbort);

  const fail = (error: unknown): UdpkitError => {
    const errno = (error as { code?: string }).code;
    // The kernel refuses a broadcast without SO_BROADCAST with EACCES, which reads as a privilege problem.
    if (errno === 'EACCES' && options.broadcast !== true && isBroadcastAddress(destination.address)) {
      return new UdpkitError('E_USAGE', `${destination.address} is a broadcast address: sending to it needs --broadcast (library: broadcast: true)`, {
        cause: error,
        errno,
      });
    }
    if (multicast && (errno === 'ENETUNREACH' || errno === 'EHOSTUNREACH' || errno === 'ENODEV')) {
      return new UdpkitError('E_UNAVAILABLE', `cannot send to ${where}: no route for the group (${errno}); name the interface with --multicast-if`, {
        cause: error,
        errno,
      });
    }
    if (errno === 'ECONNREFUSED') {
      return new UdpkitError('E_REFUSED', `connection refused by ${where} (ICMP port unreachable: nothing listens there)`, {
        cause: error,
        errno,
      });
    }
    return fromSystemError(error, `cannot send to ${where}`);
  };

  /** Waits up to `ms`, or until `done()` holds after a wake-up. */
  const waitFor = async (ms: number, done: () => boolean): Promise<void> => {
    if (done()) return;
    // Timers run on the loop's millisecond clock: a flag, not a clock comparison, says the time is up.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      wakeUp();
    }, ms);
    for (let turn = 0; turn < 100_000 && !done() && !timedOut && !signal?.aborted; turn++) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    clearTimeout(timer);
  };

  /**
   * Ping mode (`waitMs`): send, wait for a reply, note the round trip; `count` times. Replies are matched by
   * socket: all exchanges share one source port until one goes unanswered, and the next exchange then sends from
   * a fresh port. A reply that comes late to the old port is counted as late, never as the next one's answer.
   */
  const exchanges = async (first: Socket) => {
    const waitMs = options.waitMs ?? 0;
    let socket = first;
    let local = endpointOf(socket);
    let late = 0;
    const retired: Socket[] = [];
    /** Retires a socket whose exchange went unanswered: what it hears from now on is late. */
    const retire = (old: Socket): void => {
      old.removeListener('message', onMessage);
      old.on('message', () => {
        late += 1;
      });
      retired.push(old);
      // A bounded number keep listening for late replies; the oldest is closed.
      const oldest = retired.length > MAX_RETIRED ? retired.shift() : undefined;
      if (oldest !== undefined) {
        opened.splice(opened.indexOf(oldest), 1);
        oldest.close();
      }
    };
    const rttMs: (number | null)[] = [];
    const t0 = monotonicMs();
    const onPingSent = (error: Error | null): void => {
      if (error) {
        failure ??= error;
        wakeUp();
      }
    };
    let sent = 0;
    for (let i = 0; i < count && !signal?.aborted; i++) {
      if (!(await pacer.due(i))) break;
      // What arrived since the last exchange was answered is not this exchange's reply (a duplicate, or unasked).
      arrived = [];
      arrivedBytes = 0;
      const payload = await take(i);
      if (payload === undefined) break;
      const sentAt = monotonicMs();
      sent += 1;
      // The reply is awaited at once; a failed send shows up through `failure` and ends the wait.
      if (connected) socket.send(payload, onPingSent);
      else socket.send(payload, options.port, destination.address, onPingSent);
      await waitFor(waitMs, () => arrived.length > 0 || failure !== undefined);
      if (failure) throw fail(failure);
      const reply = arrived.shift();
      if (!reply && signal?.aborted) break;
      rttMs.push(reply ? reply.at - sentAt : null);
      if (reply) {
        box.offer({
          event: 'datagram',
          protocol: 'udp',
          time: Date.now(),
          from: unmapEndpoint(reply.rinfo.address, reply.rinfo.port, reply.rinfo.family),
          local,
          payload: reply.payload,
        });
      } else if (i < count - 1 && options.sourcePort === undefined) {
        retire(socket);
        socket = await openSocket();
        local = endpointOf(socket);
      }
    }
    const replies = box.kept;
    if (rttMs.every((v) => v === null) && !signal?.aborted) {
      throw new UdpkitError('E_TIMEOUT', `no reply from ${where} within ${waitMs} ms`, { errno: 'ETIMEDOUT' });
    }
    const firstRtt = rttMs.find((v): v is number => v !== null);
    const rate = pacer.achievedRate(sent);
    return {
      datagrams: sent,
      totalBytes,
      bytesPerDatagram: largest,
      sendMs: monotonicMs() - t0,
      ...(rate === undefined ? {} : { rate }),
      replies,
      rttMs,
      replyOverflow: box.overflow,
      interrupted: signal?.aborted === true,
      lateReplies: late,
      ...(firstRtt === undefined ? {} : { replyMs: firstRtt }),
    };
  };

  try {
    const socket = await openSocket();
    const local = endpointOf(socket);
    const startedAt = Date.now();
    const base = {
      protocol: 'udp' as const,
      destination: dest,
      local,
      connected,
      bytesPerDatagram: largest,
      startedAt,
    };
    if (options.waitMs !== undefined) return { ...base, ...(await exchanges(socket)) };

    const t0 = monotonicMs();
    let inflight = 0;
    let sent = 0;
    const onSent = (error: Error | null): void => {
      inflight -= 1;
      if (error) failure ??= error;
      if (inflight < HIGH_WATER / 2 || failure) wakeUp();
    };
    /** Waits until every send handed to the socket has completed (or one failed). */
    const settle = async (): Promise<void> => {
      for (let turn = 0; inflight > 0 && !failure && turn < 1_000_000; turn++) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    for (let i = 0; i < count && !signal?.aborted; i++) {
      if (failure) throw fail(failure);
      // Unpaced, the loop does not touch the clock per datagram: a flood stays as fast as the socket.
      if (paced && pacer.dueNow(i) !== true && !(await pacer.due(i))) break;
      if (failure) throw fail(failure);
      const payload = fixed ?? (await take(i).catch(async (error: unknown) => {
        // A bad line of a stream: what was sent before it still leaves before the error ends the run.
        await settle();
        throw error;
      }));
      if (payload === undefined) break;
      if (connected) socket.send(payload, onSent);
      else socket.send(payload, options.port, destination.address, onSent);
      inflight += 1;
      sent += 1;
      if (inflight >= HIGH_WATER) await new Promise<void>((resolve) => (wake = resolve));
    }
    await settle();
    const sendMs = monotonicMs() - t0;
    if (failure) throw fail(failure);
    // A connected socket hears an ICMP error only after the datagram left: linger a moment for it.
    if (connected) await waitFor(options.settleMs ?? DEFAULT_SETTLE_MS, () => failure !== undefined);
    if (failure) throw fail(failure);
    // Unpaced, the rate is what the socket took: every datagram over the time until the last one was handed over.
    const rate = paced ? pacer.achievedRate(sent) : sent > 1 && sendMs > 0 ? (sent * 1000) / sendMs : undefined;
    return {
      ...base,
      datagrams: sent,
      totalBytes: fixed === undefined ? totalBytes : sent * fixed.length,
      bytesPerDatagram: largest,
      sendMs,
      interrupted: signal?.aborted === true,
      ...(rate === undefined ? {} : { rate }),
    };
  } catch (error) {
    throw error instanceof UdpkitError ? error : fail(error);
  } finally {
    source.close();
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(
      opened.map(
        (made) =>
          new Promise<void>((resolve) => {
            made.removeAllListeners('message');
            try {
              made.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
  }
}
