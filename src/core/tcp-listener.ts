/** The TCP receiver: many clients at once, each chunk or rebuilt frame as a record, with open and close records around them. */
import { createServer, type Server, type Socket } from 'node:net';
import { unmapEndpoint } from './endpoint.js';
import type { CloseReason, Endpoint, Traffic, TrafficRecord } from '../types.js';
import { bindListener, bindPorts, type BindPlan } from './bind-plan.js';
import { Completion, guardHandler, type StopConditions, type StopReason } from './completion.js';
import { DEFAULT_MAX_FRAME, Deframer, FrameTooLargeError, encodeFrame, type Framing } from './framing.js';
import { DRAIN_MAX_MS, waitUntilQuiet } from './quiet.js';
import { Counters, type ListenerSummary } from './stats.js';
import { checkListenOptions, watchSignal } from './options.js';
import { monotonicMs, preciseWallMs } from '../clock.js';
import { peerNameOf, stillConnected } from './peer-name.js';

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
  /** Connections beyond this many at once are closed at once, with a record saying so. */
  maxConns?: number | undefined;
  /** Close a connection that has been silent this many milliseconds. */
  connIdleTimeoutMs?: number | undefined;
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

interface Connection {
  socket: Socket;
  reason: CloseReason | undefined;
  sawFin: boolean;
  /** Echo replies queued in the socket: reading waits until they drain. */
  echoBlocked: boolean;
}

/**
 * Listens on TCP and reports each connection's open, data (chunks or frames) and close as records.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot listen
 */
export async function listenTcp(given: TcpListenOptions, handler: RecordHandler): Promise<TcpListener> {
  const options = await checkListenOptions(given);
  const servers = await bindPorts(
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
  const locals = servers.map(endpointOf);
  const local = locals[0] as Endpoint;
  const counters = new Counters();
  const now = options.preciseTime === true ? preciseWallMs : Date.now;
  const completion = new Completion(options);
  const onRecord = guardHandler(completion, handler, () => void close());
  const frame = options.frame ?? 'none';
  const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  const open = new Set<Connection>();
  let nextId = 0;
  let arrivals = 0;
  let closing: Promise<ListenerSummary> | undefined;
  let paused = false;
  /** Reads from a connection only while neither the output nor its own echo is backed up. */
  const flow = (state: Connection): void => {
    if (paused || state.echoBlocked) state.socket.pause();
    else state.socket.resume();
  };

  /** Connections reset before they were accepted, waiting for their peer's address. */
  const lookups = new Set<Promise<void>>();
  const onConnection = (socket: Socket, at: Endpoint): void => {
    if (socket.remoteAddress !== undefined) {
      accept(socket, at, unmapEndpoint(socket.remoteAddress, socket.remotePort ?? 0, socket.remoteFamily ?? ''));
      return;
    }
    // Reset before accept: hold the socket (and what it carried) until the kernel has told us who it was.
    socket.pause();
    const lookup = peerNameOf(socket).then((from) => {
      lookups.delete(lookup);
      accept(socket, at, from ?? { address: '', port: 0, family: at.family }, true);
    });
    lookups.add(lookup);
  };
  for (const [index, server] of servers.entries()) {
    server.on('connection', (socket: Socket) => onConnection(socket, locals[index] as Endpoint));
    server.on('error', () => undefined);
  }

  /** `held`: accepted before close() began, and held for its address lookup since. */
  const accept = (socket: Socket, local: Endpoint, from: Endpoint, held = false): void => {
    const conn = nextId + 1;
    nextId = conn;
    const openedAt = monotonicMs();
    const head = { protocol: 'tcp' as const, conn, from, local };
    const received: Traffic = { bytes: 0, chunks: 0 };
    const sent: Traffic = { bytes: 0, chunks: 0 };
    completion.touch();
    counters.senders.add(String(conn));
    onRecord({ event: 'open', time: now(), ...head });
    const closeRecord = (reason: CloseReason): void =>
      onRecord({ event: 'close', time: now(), ...head, reason, received, sent, durationMs: monotonicMs() - openedAt });

    if (completion.finished || (closing && !held)) {
      socket.destroy();
      closeRecord('shutdown');
      return;
    }
    if (options.maxConns !== undefined && open.size >= options.maxConns) {
      socket.destroy();
      closeRecord('max-conns');
      return;
    }
    const state: Connection = { socket, reason: undefined, sawFin: false, echoBlocked: false };
    open.add(state);
    flow(state);
    const deframer = new Deframer(frame, maxFrame);
    if (options.connIdleTimeoutMs !== undefined) socket.setTimeout(options.connIdleTimeoutMs);

    const fail = (code: string, message: string, reason: CloseReason): void => {
      state.reason ??= reason;
      onRecord({ event: 'error', time: now(), ...head, code, message });
      socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      arrivals += 1;
      received.bytes += chunk.length;
      received.chunks += 1;
      counters.bytes += chunk.length;
      let frames: Buffer[];
      try {
        frames = deframer.push(chunk);
      } catch (error) {
        if (error instanceof FrameTooLargeError) fail('EMAXFRAME', error.message, 'max-frame');
        else throw error;
        return;
      }
      for (const payload of frames) {
        if (completion.finished) return;
        counters.records += 1;
        const last = completion.record(payload);
        // Echo first, then record: the peer's round trip does not wait for our output.
        if (options.echo === true && !socket.destroyed) {
          const reply = frame === 'none' ? payload : encodeFrame(payload, frame);
          const more = socket.write(reply, (error) => {
            if (error) return;
            sent.bytes += reply.length;
            sent.chunks += 1;
            counters.echoed += 1;
          });
          // A peer that sends and never reads: stop reading it until its echoes drain, so memory stays flat.
          if (!more && !state.echoBlocked) {
            state.echoBlocked = true;
            flow(state);
            socket.once('drain', () => {
              state.echoBlocked = false;
              flow(state);
            });
          }
        }
        onRecord({ event: 'data', time: now(), ...head, unit: frame === 'none' ? 'chunk' : 'frame', payload });
        if (last) counters.stop();
      }
    });
    socket.on('end', () => {
      // Node.js ends the stream the same way for a FIN and for an RST that followed data: ask the kernel which.
      if (stillConnected(socket)) {
        state.sawFin = true;
        socket.end();
      } else {
        state.reason ??= 'reset';
        socket.destroy();
      }
    });
    socket.on('timeout', () => {
      state.reason ??= 'idle-timeout';
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      counters.socketErrors += 1;
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') state.reason ??= 'reset';
      else fail(error.code ?? 'EIO', error.message, 'error');
    });
    socket.on('close', () => {
      open.delete(state);
      const partial = deframer.end();
      if (partial) onRecord({ event: 'data', time: now(), ...head, unit: 'partial', payload: partial });
      closeRecord(state.reason ?? (state.sawFin ? 'fin' : 'reset'));
    });
  };

  const close = (closeOptions?: { drain?: boolean }): Promise<ListenerSummary> => {
    closing ??= (async () => {
      const serverClosed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await Promise.all(lookups);
      if (closeOptions?.drain === true && !completion.finished) await waitUntilQuiet(() => arrivals, DRAIN_MAX_MS);
      completion.finish('closed');
      counters.stop();
      const closes = [...open].map(
        (state) =>
          new Promise<void>((resolve) => {
            state.reason ??= 'shutdown';
            state.socket.once('close', () => resolve());
            state.socket.destroy();
          }),
      );
      await Promise.all(closes);
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
      return open.size;
    },
    summary: () => counters.summary('tcp', local, undefined),
    pause() {
      paused = true;
      for (const state of open) flow(state);
    },
    resume() {
      paused = false;
      for (const state of open) flow(state);
    },
    close,
    async [Symbol.asyncDispose]() {
      await close({ drain: true });
    },
  };
}
