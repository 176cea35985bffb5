/**
 * The relay's sessions, as a NAT keeps them: each client address and port gets an upstream socket of its own, so
 * the target sees one distinct peer per client and each answer goes back to the client that caused it. Idle
 * sessions end after a timeout; at most a set number live at once.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Endpoint } from '../types.js';
import { unmapEndpoint } from '../core/endpoint.js';
import { monotonicMs } from '../clock.js';

/** Why a session ended. */
export type SessionEnd = 'idle' | 'shutdown';

/** One client's session. */
export interface Session {
  readonly id: number;
  /** The client, as it appears (IPv4-mapped addresses unmapped). */
  readonly client: Endpoint;
  /** The address to send answers to, as the listening socket names it (mapped when it is dual stack). */
  readonly replyAddress: string;
  /** The listening socket the client talks to. */
  readonly via: Socket;
  readonly upstream: Socket;
  lastSeen: number;
  /** Where the upstream socket is bound, once it is. */
  local: Endpoint | undefined;
  /** The upstream socket is connected to the target: a send names no address (no lookup, the kernel's fast path). */
  connected: boolean;
  /** Datagrams that came while the upstream socket was connecting, sent once it is (at most {@link PENDING_MAX}). */
  pending: Buffer[];
}

/** The most datagrams a session holds while its upstream socket connects (microseconds, on a working host). */
export const PENDING_MAX = 1024;

/**
 * Sends a datagram to the target on the session's socket, or holds it while the socket connects (a send naming
 * the target on a socket that has just connected fails with EISCONN). False when the hold is full: dropped.
 */
export function sendUpstream(session: Session, payload: Buffer): boolean {
  if (session.connected) session.upstream.send(payload);
  else if (session.pending.length < PENDING_MAX) session.pending.push(payload);
  else return false;
  return true;
}

/** What the table calls back with. */
export interface SessionEvents {
  /** An answer from the target on `session`'s upstream socket. */
  answer(session: Session, payload: Buffer): void;
  opened(session: Session): void;
  closed(session: Session, why: SessionEnd): void;
  /** A socket error after bind (counted, not fatal). */
  warning(error: Error): void;
}

export class SessionTable {
  private readonly map = new Map<string, Session>();
  private nextId = 1;
  private sweeper: NodeJS.Timeout | undefined;
  /** Sessions opened since the start. */
  opened = 0;

  constructor(
    private readonly target: { address: string; port: number; family: 4 | 6 },
    private readonly maxSessions: number,
    private readonly timeoutMs: number,
    private readonly events: SessionEvents,
  ) {
    const every = Math.max(10, Math.min(1000, timeoutMs / 4));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** Sessions open now. */
  get size(): number {
    return this.map.size;
  }

  /** Every open session. */
  all(): IterableIterator<Session> {
    return this.map.values();
  }

  /** The client's session, opened when it has none; undefined when the table is full. */
  get(via: Socket, rinfo: RemoteInfo): Session | undefined {
    const key = `${rinfo.address}|${rinfo.port}`;
    const found = this.map.get(key);
    if (found) {
      found.lastSeen = monotonicMs();
      return found;
    }
    if (this.map.size >= this.maxSessions) return undefined;
    const session = this.open(via, rinfo);
    this.map.set(key, session);
    return session;
  }

  private open(via: Socket, rinfo: RemoteInfo): Session {
    const upstream = createSocket(this.target.family === 6 ? 'udp6' : 'udp4');
    const session: Session = {
      id: this.nextId++,
      client: unmapEndpoint(rinfo.address, rinfo.port, rinfo.family),
      replyAddress: rinfo.address,
      via,
      upstream,
      lastSeen: monotonicMs(),
      local: undefined,
      connected: false,
      pending: [],
    };
    const { address, port } = this.target;
    upstream.on('message', (payload, from) => {
      // Only the target's answers: anyone else who finds the port is not relayed.
      if (from.port !== port || unmapEndpoint(from.address, from.port, from.family).address !== address) return;
      session.lastSeen = monotonicMs();
      this.events.answer(session, payload);
    });
    upstream.on('error', (error) => this.events.warning(error));
    // Connected, as a NAT's mapping is: the kernel takes only the target's answers, and a send needs no lookup.
    upstream.connect(port, address, () => {
      const bound = upstream.address();
      session.local = { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
      session.connected = true;
      for (const payload of session.pending) upstream.send(payload);
      session.pending = [];
    });
    this.opened += 1;
    this.events.opened(session);
    return session;
  }

  private end(key: string, session: Session, why: SessionEnd): void {
    this.map.delete(key);
    try {
      session.upstream.close();
    } catch {
      // already closed
    }
    this.events.closed(session, why);
  }

  /** Ends the sessions idle longer than the timeout. */
  private sweep(): void {
    const limit = monotonicMs() - this.timeoutMs;
    for (const [key, session] of this.map) if (session.lastSeen < limit) this.end(key, session, 'idle');
  }

  /** Ends every session and stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const [key, session] of this.map) this.end(key, session, 'shutdown');
  }
}
