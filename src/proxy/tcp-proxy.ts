/**
 * `proxyTcp()`: the TCP relay. One upstream connection per client connection; half-close (FIN) and reset (RST)
 * passed through; stream impairments only (delay and jitter per chunk with order kept, rate, slices, reset or
 * blackhole after a byte count or a time); backpressure both ways.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../types.js';
import { fromSystemError } from '../errors.js';
import { resolveHost } from '../core/resolve.js';
import { AddressFilter } from '../core/address-filter.js';
import { unmapEndpoint } from '../core/endpoint.js';
import { preciseWallMs } from '../clock.js';
import { formatEndpoint } from '../format/endpoint.js';
import { DelayLine } from './delay-line.js';
import type { Direction, Impairments } from './impairments.js';
import { Random, freshSeed } from './random.js';
import { DirectionStats, type DirectionSummary } from './stats.js';
import { StreamLane } from './stream-lane.js';
import { checkLink, refuseDatagramImpairments } from './schema.js';
import type { Relay, RelayOptions } from './relay-options.js';

/** A byte count or a time after which something happens to a connection. */
export type After = { bytes: number } | { ms: number };

/** Options of {@link proxyTcp}: the relay's (its impairments stream ones only: delayMs, jitterMs, rate), and a TCP relay's. */
export interface TcpProxyOptions extends RelayOptions {
  /** Writes cut into pieces of at most this many bytes. */
  slice?: number | undefined;
  /** Reset both sides after this many bytes (both ways together) or this long. */
  resetAfter?: After | undefined;
  /** Stop forwarding, keeping the connection open, after this many bytes or this long. */
  blackholeAfter?: After | undefined;
  /** Connection opened and closed; each chunk read, with its delay. */
  onRecord?: ((record: TcpProxyRecord) => void) | undefined;
}

/** What {@link TcpProxyOptions.onRecord} is given. */
export type TcpProxyRecord =
  | { event: 'open'; time: number; conn: number; client: Endpoint }
  | { event: 'close'; time: number; conn: number; client: Endpoint; reason: 'fin' | 'reset' | 'reset-after' | 'error' | 'shutdown' }
  | { event: 'chunk'; time: number; conn: number; client: Endpoint; direction: Direction; size: number; delayMs: number };

/** What the TCP relay did so far. */
export interface TcpProxySummary {
  seed: number;
  up: DirectionSummary;
  down: DirectionSummary;
  /** `denied`: connections closed at once for --allow/--deny (before any upstream connect). */
  connections: { open: number; opened: number; resets: number; denied: number };
}

/** A running TCP relay. */
export interface TcpProxy extends Relay<TcpProxySummary> {
  readonly protocol: 'tcp';
}

/** A relayed connection's two sockets. */
interface Pair {
  client: Socket;
  upstream: Socket;
  end: (reason: 'fin' | 'reset' | 'reset-after' | 'error' | 'shutdown') => void;
}

/**
 * Starts a TCP relay from `port` to `target`.
 * @throws UdpkitError E_USAGE (a datagram-only impairment, a bad value), E_UNKNOWN_HOST, E_ADDR_IN_USE, E_PERMISSION
 */
export async function proxyTcp(options: TcpProxyOptions): Promise<TcpProxy> {
  refuseDatagramImpairments(options.up);
  refuseDatagramImpairments(options.down);
  const checked = checkLink({ up: options.up, down: options.down });
  const resolved = await resolveHost(options.target.host, options.family ?? 0);
  const target: Endpoint = { address: resolved.address, port: options.target.port, family: resolved.family };
  const relay = new TcpRelay({ ...options, up: checked.up ?? {}, down: checked.down ?? {} }, target);
  await relay.listen();
  return relay.handle();
}

class TcpRelay {
  private readonly server: Server;
  private readonly line = new DelayLine();
  private readonly seed: number;
  private readonly random: Random;
  private imp: { up: Impairments; down: Impairments };
  private readonly stats = { up: new DirectionStats(), down: new DirectionStats() };
  private readonly pairs = new Set<Pair>();
  private nextConn = 1;
  private resets = 0;
  private denied = 0;
  private readonly filter: AddressFilter | undefined;
  private closing: Promise<TcpProxySummary> | undefined;
  local: Endpoint = { address: '', port: 0, family: 'IPv4' };

  constructor(
    private readonly options: TcpProxyOptions,
    private readonly target: Endpoint,
  ) {
    this.seed = options.seed ?? freshSeed();
    this.random = new Random(this.seed);
    this.filter = AddressFilter.from(options.allow, options.deny);
    this.imp = { up: options.up ?? {}, down: options.down ?? {} };
    this.server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => this.accept(client));
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? (this.options.family === 4 ? '0.0.0.0' : '::');
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error) => reject(fromSystemError(error, `cannot listen on tcp ${formatEndpoint({ address: host, port: this.options.port })}`)));
      this.server.listen({ port: this.options.port, host, ipv6Only: this.options.family === 6 }, () => resolve());
    });
    const bound = this.server.address() as { address: string; port: number; family: string };
    this.local = { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  }

  private accept(client: Socket): void {
    if (this.filter !== undefined && !this.filter.allows(client.remoteAddress)) {
      this.denied += 1;
      client.destroy();
      return;
    }
    const conn = this.nextConn++;
    const who = unmapEndpoint(client.remoteAddress ?? '', client.remotePort ?? 0, client.remoteFamily ?? 'IPv4');
    const record = this.options.onRecord;
    record?.({ event: 'open', time: preciseWallMs(), conn, client: who });
    const upstream = connect({ host: this.target.address, port: this.target.port, noDelay: true, allowHalfOpen: true });
    client.setNoDelay(true);
    const lanes = {
      up: new StreamLane(client, upstream, () => this.imp.up, this.random, this.line, this.stats.up, this.options.slice),
      down: new StreamLane(upstream, client, () => this.imp.down, this.random, this.line, this.stats.down, this.options.slice),
    };
    upstream.pause();
    let finished = false;
    const timers: NodeJS.Timeout[] = [];
    const pair: Pair = {
      client,
      upstream,
      end: (reason) => {
        if (finished) return;
        finished = true;
        timers.forEach(clearTimeout);
        this.pairs.delete(pair);
        if (reason === 'reset' || reason === 'reset-after' || reason === 'error' || reason === 'shutdown') {
          if (reason !== 'shutdown') this.resets += 1;
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        }
        record?.({ event: 'close', time: preciseWallMs(), conn, client: who, reason });
      },
    };
    this.pairs.add(pair);
    upstream.once('connect', () => {
      client.resume();
      upstream.resume();
    });
    this.wire(pair, lanes, conn, who, timers);
  }

  /** The events of both sockets: data through the lanes, FIN after the data, RST at once, the after-limits. */
  private wire(pair: Pair, lanes: Record<Direction, StreamLane>, conn: number, who: Endpoint, timers: NodeJS.Timeout[]): void {
    const { client, upstream } = pair;
    const { resetAfter, blackholeAfter, onRecord } = this.options;
    const check = (): void => {
      const total = lanes.up.bytes + lanes.down.bytes;
      if (resetAfter && 'bytes' in resetAfter && total >= resetAfter.bytes) pair.end('reset-after');
      if (blackholeAfter && 'bytes' in blackholeAfter && total >= blackholeAfter.bytes) {
        lanes.up.blackhole();
        lanes.down.blackhole();
      }
    };
    for (const [direction, from] of [['up', client], ['down', upstream]] as const) {
      from.on('data', (data: Buffer) => {
        const fate = lanes[direction].chunk(data);
        onRecord?.({ event: 'chunk', time: preciseWallMs(), conn, client: who, direction, ...fate });
        check();
      });
      from.on('end', () => lanes[direction].end());
      // A reset (or any error) on one side is passed to the other as a reset.
      from.on('error', (error: NodeJS.ErrnoException) => pair.end(error.code === 'ECONNRESET' ? 'reset' : 'error'));
    }
    let closed = 0;
    const onClose = (): void => {
      closed += 1;
      if (closed === 2) pair.end('fin');
    };
    client.on('close', onClose);
    upstream.on('close', onClose);
    if (resetAfter && 'ms' in resetAfter) timers.push(setTimeout(() => pair.end('reset-after'), resetAfter.ms));
    if (blackholeAfter && 'ms' in blackholeAfter) {
      timers.push(setTimeout(() => (lanes.up.blackhole(), lanes.down.blackhole()), blackholeAfter.ms));
    }
  }

  summary(): TcpProxySummary {
    return {
      seed: this.seed,
      up: this.stats.up.summary(),
      down: this.stats.down.summary(),
      connections: { open: this.pairs.size, opened: this.nextConn - 1, resets: this.resets, denied: this.denied },
    };
  }

  close(): Promise<TcpProxySummary> {
    this.closing ??= (async () => {
      const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const pair of [...this.pairs]) pair.end('shutdown');
      this.line.close();
      await done;
      return this.summary();
    })();
    return this.closing;
  }

  handle(): TcpProxy {
    const signal = this.options.signal;
    if (signal?.aborted) void this.close();
    else signal?.addEventListener('abort', () => void this.close(), { once: true });
    return {
      protocol: 'tcp',
      local: this.local,
      target: this.target,
      seed: this.seed,
      impairments: () => ({ ...this.imp }),
      set: (link) => {
        refuseDatagramImpairments(link.up);
        refuseDatagramImpairments(link.down);
        const checked = checkLink(link);
        this.imp = { up: checked.up ?? this.imp.up, down: checked.down ?? this.imp.down };
      },
      reset: () => {
        this.stats.up.reset();
        this.stats.down.reset();
      },
      summary: () => this.summary(),
      close: () => this.close(),
      [Symbol.asyncDispose]: async () => {
        await this.close();
      },
    };
  }
}

