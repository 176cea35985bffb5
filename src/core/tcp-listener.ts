/** The TCP receiver: many clients at once, each chunk or rebuilt frame as a record, with open and close records around them. */
import { createServer, type Server, type Socket } from 'node:net';
import { unmapEndpoint } from './endpoint.js';
import { UNKNOWN_ADDRESS } from '../format/endpoint.js';
import type { Endpoint, TrafficRecord } from '../types.js';
import { bindListener, bindPorts, type BindPlan } from './bind-plan.js';
import { Completion, guardHandler, type StopConditions, type StopReason } from './completion.js';
import { DEFAULT_MAX_FRAME, type Framing } from './framing.js';
import { DRAIN_MAX_MS, untilQuiet } from './waiter.js';
import { Counters, type ListenerSummary } from './stats.js';
import { checkListenOptions, watchSignal } from './options.js';
import { preciseWallMs } from '../clock.js';
import { peerNameOf } from './peer-name.js';
import { Connection, type ConnectionHost } from './tcp-connection.js';
import { AddressFilter } from './address-filter.js';
import type { ReplyFunction } from './reply-hook.js';
import { EchoGuard } from './echo-guard.js';

/** Options of {@link listenTcp}. */
export interface TcpListenOptions extends StopConditions {
  /** Aborting it closes the listener (reading what is queued first), as close({ drain: true }) does. */
  signal?: AbortSignal | undefined;
  /** Record times with microsecond resolution (the wall clock advanced by the monotonic one) instead of `Date.now()`. */
  preciseTime?: boolean | undefined;
  /** Port to listen on (0 for one the system picks), or several ports, all into one record stream. */
  port: number | readonly number[];
  host?: string | undefined;
  family?: 0 | 4 | 6 | undefined;
  /** How to cut the stream into records (default `none`: one record per chunk as delivered). */
  frame?: Framing | undefined;
  /** Largest frame accepted; a longer one closes its connection with an error record (default 1 MiB). */
  maxFrame?: number | undefined;
  /** Send back what arrives (per frame when framing is on). */
  echo?: boolean | undefined;
  /**
   * Answers each chunk or frame (framed like it); what it leaves unanswered the echo answers when `echo` is on.
   * The record of an answered message carries `reply`.
   */
  reply?: ReplyFunction | undefined;
  /**
   * With `reply`: its answers per second per sender (each connection's address and port), the excess counted and not
   * sent, as UDP's `echoRate` bounds them (default 1000; 0: no bound). The TCP echo is bounded by flow control instead.
   */
  echoRate?: number | undefined;
  /** Connections beyond this many at once are closed at once, with a record saying so. */
  maxConns?: number | undefined;
  /** Close a connection that has been silent this many milliseconds. */
  connIdleTimeoutMs?: number | undefined;
  /** CIDRs whose clients alone are accepted; other connections are closed at once and counted `denied`. */
  allow?: readonly string[] | undefined;
  /** CIDRs whose connections are closed at once and counted `denied`. */
  deny?: readonly string[] | undefined;
}

/** Called for every record, in order. */
export type RecordHandler = (record: TrafficRecord) => void;

/** A listening TCP server. */
export interface TcpListener {
  readonly protocol: 'tcp';
  /** The address and port really bound; the first of `locals`. */
  readonly local: Endpoint;
  /** Every address and port listened on (all the addresses of a host name, on each port asked). */
  readonly locals: readonly Endpoint[];
  /**
   * Resolves when a stop condition is met or the listener is closed. Rejects with the error when the record handler
   * throws: that record and every later one are not delivered, and the listener closes itself.
   */
  readonly done: Promise<StopReason>;
  /** Connections open now. */
  readonly connections: number;
  summary(): ListenerSummary;
  /**
   * Stops reading from every connection (their peers' sends back up into TCP's flow control), e.g. while the
   * records' reader is behind; {@link TcpListener.resume} reads again. Idempotent.
   */
  pause(): void;
  resume(): void;
  /** Stops accepting, closes every connection (after reading what is queued, with `drain`); idempotent. */
  close(options?: { drain?: boolean }): Promise<ListenerSummary>;
  /** `await using listener = await listen(…)`: closes it (with drain) when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>;
}

function endpointOf(server: Server): Endpoint {
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('a TCP server bound without an address');
  return { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

function listenOnce(plan: BindPlan, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    server.once('error', reject);
    server.listen({ port, host: plan.address, ipv6Only: plan.ipv6Only, backlog: 1024 }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Binds every port asked, on every address of the host (or the dual-stack wildcard). */
function bindServers(options: Awaited<ReturnType<typeof checkListenOptions<TcpListenOptions>>>): Promise<Server[]> {
  return bindPorts(
    options.port,
    (port) =>
      bindListener(
        options.host,
        options.family ?? 0,
        port,
        'cannot listen on tcp',
        (plan, chosen) => listenOnce(plan, chosen),
        (server) => endpointOf(server).port,
        (server) => server.close(),
      ),
    (server) => server.close(),
  );
}

/** The address of a client the kernel no longer knows (reset before accept, and past the lookup's bounds). */
function unknownPeer(local: Endpoint): Endpoint {
  return { address: UNKNOWN_ADDRESS, port: 0, family: local.family };
}

/**
 * The connections of one listener: accepted (the peer's address read at once; a client reset before accept is
 * looked up, held meanwhile), refused past `maxConns` or after close, and closed together at shutdown.
 */
class Connections {
  readonly open = new Set<Connection>();
  /** Connections reset before they were accepted, waiting for their peer's address. */
  readonly lookups = new Set<Promise<void>>();
  private nextId = 0;
  closing = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly options: { maxConns?: number | undefined; connIdleTimeoutMs?: number | undefined },
  ) {}

  /** A socket the server accepted on `local`. */
  onConnection(socket: Socket, local: Endpoint): void {
    // Read the peer's address first, before anything else can run and the peer reset.
    const address = socket.remoteAddress;
    if (address !== undefined) {
      this.accept(socket, local, unmapEndpoint(address, socket.remotePort ?? 0, socket.remoteFamily ?? ''));
      return;
    }
    // Reset before accept: hold the socket (and what it carried) until the kernel has told us who it was.
    socket.pause();
    const lookup = peerNameOf(socket).then((from) => {
      this.lookups.delete(lookup);
      this.accept(socket, local, from ?? unknownPeer(local), true);
    });
    this.lookups.add(lookup);
  }

  /** `held`: accepted before close() began, and held for its address lookup since. */
  private accept(socket: Socket, local: Endpoint, from: Endpoint, held = false): void {
    const id = ++this.nextId;
    const { host } = this;
    host.completion.touch();
    host.counters.senders.add(String(id));
    if (host.completion.finished || (this.closing && !held)) return Connection.refuse(socket, id, from, local, host, 'shutdown');
    if (this.options.maxConns !== undefined && this.open.size >= this.options.maxConns) return Connection.refuse(socket, id, from, local, host, 'max-conns');
    const connection = new Connection(socket, id, from, local, host);
    this.open.add(connection);
    connection.recordOpen();
    connection.start(this.options.connIdleTimeoutMs);
  }

  /** Lets every connection read again, or stops them, as the listener's reader asks. */
  flow(): void {
    for (const connection of this.open) connection.flow();
  }

  /** Closes every open connection (reason `shutdown` unless it had one). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.open].map((connection) => connection.shutdown('shutdown')));
  }
}

/**
 * Whether a connection passes the allow/deny lists. One that does not is closed before anything else (no record, no
 * read, no echo) and counted; a client reset before accept has no address, and is refused too.
 */
function admitted(filter: AddressFilter | undefined, counters: Counters, socket: Socket): boolean {
  if (filter === undefined || filter.allows(socket.remoteAddress)) return true;
  counters.denied += 1;
  socket.on('error', () => undefined).destroy();
  return false;
}

/**
 * Listens on TCP and reports each connection's open, data (chunks or frames) and close as records.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot listen
 */
export async function listenTcp(given: TcpListenOptions, handler: RecordHandler): Promise<TcpListener> {
  const options = await checkListenOptions(given);
  const filter = AddressFilter.from(options.allow, options.deny);
  const servers = await bindServers(options);
  const locals = servers.map(endpointOf);
  const local = locals[0] as Endpoint;
  const counters = new Counters();
  const completion = new Completion(options);
  let arrivals = 0;
  let paused = false;
  let closing: Promise<ListenerSummary> | undefined;
  const connections: Connections = new Connections(
    {
      frame: options.frame ?? 'none',
      maxFrame: options.maxFrame ?? DEFAULT_MAX_FRAME,
      echo: options.echo === true,
      reply: options.reply,
      replyGuard: options.reply === undefined ? undefined : new EchoGuard(new Set(), options.echoRate, true),
      now: options.preciseTime === true ? preciseWallMs : Date.now,
      completion,
      counters,
      emit: guardHandler(completion, handler, () => void close()),
      paused: () => paused,
      arrived: () => (arrivals += 1),
      closed: (connection) => connections.open.delete(connection),
    },
    options,
  );
  for (const [index, server] of servers.entries()) {
    server.on('connection', (socket: Socket) => {
      if (admitted(filter, counters, socket)) connections.onConnection(socket, locals[index] as Endpoint);
    });
    // An accept that failed (EMFILE, ENFILE): counted and shown in the summary, never fatal, never silent.
    server.on('error', () => (counters.socketErrors += 1));
  }

  const close = (closeOptions?: { drain?: boolean }): Promise<ListenerSummary> => {
    closing ??= (async () => {
      connections.closing = true;
      const serverClosed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await Promise.all(connections.lookups);
      if (closeOptions?.drain === true && !completion.finished) await untilQuiet(() => arrivals, DRAIN_MAX_MS);
      completion.finish('closed');
      counters.stop();
      await connections.shutdown();
      await serverClosed;
      return counters.summary('tcp', local, undefined);
    })();
    return closing;
  };

  watchSignal(options.signal, close);
  return {
    protocol: 'tcp',
    local,
    locals,
    done: completion.done,
    get connections() {
      return connections.open.size;
    },
    summary: () => counters.summary('tcp', local, undefined),
    pause() {
      paused = true;
      connections.flow();
    },
    resume() {
      paused = false;
      connections.flow();
    },
    close,
    async [Symbol.asyncDispose]() {
      await close({ drain: true });
    },
  };
}
