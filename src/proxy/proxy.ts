/** `proxy()`: the UDP relay with impairments, as a library: sessions, two lanes, one delay line, one seeded generator. */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Endpoint } from '../types.js';
import { bindUdp } from '../core/udp-bind.js';
import { resolveHost } from '../core/resolve.js';
import { AddressFilter } from '../core/address-filter.js';
import { preciseWallMs } from '../clock.js';
import { DelayLine, MAX_HELD } from './delay-line.js';
import type { Direction, Impairments, LinkImpairments } from './impairments.js';
import { Lane, type Fate } from './lane.js';
import { freshSeed } from './random.js';
import { SessionTable, sendUpstream, type Session, type SessionEnd } from './sessions.js';
import type { DirectionSummary } from './stats.js';
import type { Relay as RelayHandle, RelayOptions } from './relay-options.js';

/** Options of {@link proxy}: the relay's (where to listen, where to relay, the link each way), and a UDP relay's. */
export interface ProxyOptions extends RelayOptions {
  /** A session silent this long ends (default 60 s). */
  sessionTimeoutMs?: number | undefined;
  /** Sessions at once (default 1024); datagrams from further clients are dropped and counted. */
  maxSessions?: number | undefined;
  /** Datagrams held in the delay line at most; beyond, dropped as `queue` (default 2^20). */
  maxHeld?: number | undefined;
  /** Called for each datagram with its fate, and for each session opened and closed. */
  onRecord?: ((record: ProxyRecord) => void) | undefined;
  /** Called for each datagram on the wire, both legs, in and out (for a pcap). */
  onWire?: ((wire: WireDatagram) => void) | undefined;
}

/** A datagram's fate, as `-f text|json` prints it. */
export interface FateRecord {
  event: 'datagram';
  /** Milliseconds since the epoch, when it arrived. */
  time: number;
  direction: Direction;
  client: Endpoint;
  size: number;
  fate: Fate;
}

/** A session opened or closed. */
export interface SessionRecord {
  event: 'session';
  time: number;
  state: 'open' | 'close';
  id: number;
  client: Endpoint;
  reason?: SessionEnd | undefined;
}

/** What {@link ProxyOptions.onRecord} is given. */
export type ProxyRecord = FateRecord | SessionRecord;

/** A datagram on one leg of the relay: what a capture of that leg would show. */
export interface WireDatagram {
  time: number;
  from: Endpoint;
  to: Endpoint;
  payload: Buffer;
}

/** What the relay did so far. */
export interface ProxySummary {
  seed: number;
  up: DirectionSummary;
  down: DirectionSummary;
  sessions: { open: number; opened: number };
  /** Datagrams in the delay line (at close: those never delivered). */
  held: number;
  /** Socket errors after bind (e.g. a send refused by the kernel). */
  warnings: number;
}

/** A running relay. */
export interface UdpProxy extends RelayHandle<ProxySummary> {
  readonly protocol: 'udp';
  /** Every address it listens on (`local` is the first). */
  readonly locals: readonly Endpoint[];
}

/**
 * Starts a UDP relay from `port` to `target` with the impairments given.
 * @throws UdpkitError E_USAGE (a bad option or CIDR), E_UNKNOWN_HOST (the target), E_ADDR_IN_USE, E_PERMISSION (the bind)
 */
export async function proxy(options: ProxyOptions): Promise<UdpProxy> {
  const { checkProxyOptions } = await import('./schema.js');
  const checked = checkProxyOptions(options);
  AddressFilter.from(options.allow, options.deny); // a bad CIDR is refused before anything is bound
  const resolved = await resolveHost(options.target.host, options.family ?? 0);
  const target: Endpoint = { address: resolved.address, port: options.target.port, family: resolved.family };
  const { sockets, locals } = await bindUdp({ host: options.host, family: options.family }, [options.port]);
  return new Relay({ ...options, up: checked.up, down: checked.down }, checked.check, target, sockets, locals).handle();
}

/** The relay's state: small methods on one object. */
class Relay {
  private readonly line: DelayLine;
  private readonly lanes: Record<Direction, Lane>;
  private readonly table: SessionTable;
  private readonly seed: number;
  private readonly filter: AddressFilter | undefined;
  private warnings = 0;
  private closing: Promise<ProxySummary> | undefined;
  private final: ProxySummary | undefined;

  constructor(
    private readonly options: ProxyOptions,
    private readonly check: (link: LinkImpairments) => { up?: Impairments; down?: Impairments },
    private readonly target: Endpoint,
    private readonly sockets: Socket[],
    private readonly locals: Endpoint[],
  ) {
    this.seed = options.seed ?? freshSeed();
    this.filter = AddressFilter.from(options.allow, options.deny);
    this.line = new DelayLine(options.maxHeld ?? MAX_HELD);
    this.lanes = { up: new Lane('up', options.up ?? {}, this.seed, this.line), down: new Lane('down', options.down ?? {}, this.seed, this.line) };
    const family = target.family === 'IPv6' ? 6 : 4;
    this.table = new SessionTable({ address: target.address, port: target.port, family }, options.maxSessions ?? 1024, options.sessionTimeoutMs ?? 60_000, {
      answer: (session, payload) => this.down(session, payload),
      opened: (session) => this.sessionRecord(session, 'open'),
      closed: (session, why) => this.sessionRecord(session, 'close', why),
      warning: () => (this.warnings += 1),
    });
    for (const [index, socket] of sockets.entries()) {
      const local = locals[index] as Endpoint;
      socket.on('message', (payload, rinfo) => this.up(socket, local, payload, rinfo));
      socket.on('error', () => (this.warnings += 1));
    }
  }

  private sessionRecord(session: Session, state: 'open' | 'close', reason?: SessionEnd): void {
    this.options.onRecord?.({ event: 'session', time: preciseWallMs(), state, id: session.id, client: session.client, reason });
  }

  /** A datagram from a client. */
  private up(via: Socket, local: Endpoint, payload: Buffer, rinfo: RemoteInfo): void {
    if (this.filter !== undefined && !this.filter.allows(rinfo.address)) {
      this.lanes.up.refuse('denied');
      return;
    }
    const session = this.table.get(via, rinfo);
    const wire = this.options.onWire;
    const time = wire || this.options.onRecord ? preciseWallMs() : 0;
    if (session && wire) wire({ time, from: session.client, to: local, payload });
    const target = this.target;
    const fate = session
      ? this.lanes.up.pass(payload, (out) => {
          try {
            if (!sendUpstream(session, out)) {
              this.lanes.up.stats.dropped.queue += 1;
              return false;
            }
          } catch {
            return false; // the session ended while the datagram was held
          }
          if (wire) wire({ time: preciseWallMs(), from: session.local ?? { ...local, port: 0 }, to: target, payload: out });
        })
      : this.lanes.up.refuse('sessions');
    const client = session?.client ?? { address: rinfo.address, port: rinfo.port, family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4' };
    this.options.onRecord?.({ event: 'datagram', time, direction: 'up', client, size: payload.length, fate });
  }

  /** An answer from the target. */
  private down(session: Session, payload: Buffer): void {
    const wire = this.options.onWire;
    const time = wire || this.options.onRecord ? preciseWallMs() : 0;
    const index = this.sockets.indexOf(session.via);
    const local = this.locals[index] as Endpoint;
    if (wire && session.local) wire({ time, from: this.target, to: session.local, payload });
    const fate = this.lanes.down.pass(payload, (out) => {
      try {
        session.via.send(out, session.client.port, session.replyAddress);
      } catch {
        return; // the proxy closed while the datagram was held
      }
      if (wire) wire({ time: preciseWallMs(), from: local, to: session.client, payload: out });
    });
    this.options.onRecord?.({ event: 'datagram', time, direction: 'down', client: session.client, size: payload.length, fate });
  }

  summary(): ProxySummary {
    if (this.final) return this.final;
    return {
      seed: this.seed,
      up: this.lanes.up.stats.summary(),
      down: this.lanes.down.stats.summary(),
      sessions: { open: this.table.size, opened: this.table.opened },
      held: this.line.size,
      warnings: this.warnings,
    };
  }

  close(): Promise<ProxySummary> {
    this.closing ??= (async () => {
      const held = this.line.size;
      this.line.close();
      this.table.close();
      await Promise.all(this.sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
      this.final = { ...this.summary(), held };
      return this.final;
    })();
    return this.closing;
  }

  handle(): UdpProxy {
    const signal = this.options.signal;
    if (signal?.aborted) void this.close();
    else signal?.addEventListener('abort', () => void this.close(), { once: true });
    return {
      protocol: 'udp',
      local: this.locals[0] as Endpoint,
      locals: this.locals,
      target: this.target,
      seed: this.seed,
      impairments: () => ({ up: this.lanes.up.impairments, down: this.lanes.down.impairments }),
      set: (link) => {
        const checked = this.check(link);
        if (checked.up) this.lanes.up.set(checked.up);
        if (checked.down) this.lanes.down.set(checked.down);
      },
      reset: () => {
        this.lanes.up.reset();
        this.lanes.down.reset();
      },
      summary: () => this.summary(),
      close: () => this.close(),
      [Symbol.asyncDispose]: async () => {
        await this.close();
      },
    };
  }
}
