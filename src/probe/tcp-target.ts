/**
 * One target of the prober over TCP: a kept connection (its connect timed), each probe a round trip over it, and a
 * broken connection opened anew, its failure counted by cause (refused, reset, closed, timeout …). @internal
 */
import { connect, type Socket } from 'node:net';
import { monotonicMs } from '../clock.js';
import { UdpkitError } from '../errors.js';
import { resolveHost } from '../core/resolve.js';
import { Histogram } from './buckets.js';
import type { FailureCause } from './failures.js';
import { TargetBase, type TargetSettings } from './target-base.js';
import type { TargetSpec } from './target-spec.js';
import type { TargetSummary } from './types.js';

/** Bytes a connection may hold unsent (a peer that stopped reading); past this a probe is not written, and is lost. */
const MAX_UNSENT = 64 * 1024;
/** Probes written on one connection and not answered yet, at most. */
const MAX_PENDING = 65_536;

/** A connection and the probes written on it that are not answered yet (a stream answers in order). */
interface Connection {
  readonly socket: Socket;
  /** The start of a probe's echo whose rest has not come yet. */
  rest: Buffer | undefined;
  pending: { seq: number; at: number }[];
  broken: boolean;
}

/** The error codes of the failures the prober finds itself (Node gives the others). */
const CODES = { ETIMEDOUT: 'E_TIMEOUT', EOF: 'E_CLOSED', ECONNRESET: 'E_RESET', EPROTO: 'E_DATA' } as const;

/** A failure Node does not give as an error: a timeout, the peer's close, bytes that are not echoes. */
function failure(errno: keyof typeof CODES, message: string): UdpkitError {
  return new UdpkitError(CODES[errno], message, { errno });
}

/** A target being probed over TCP. @internal */
export class TcpProbeTarget extends TargetBase {
  private readonly connectTime = new Histogram();
  private connects = 0;
  private conn: Connection | undefined;

  constructor(spec: TargetSpec, settings: TargetSettings) {
    super(spec, settings, 'tcp');
  }

  /**
   * Writes the next probe on the connection. A probe due while there is no connection (or one that stopped taking
   * bytes) is counted sent, and lost when its timeout passes: a target down over TCP shows as loss, as over UDP.
   */
  send(nowMs: number): boolean {
    this.account.expire(nowMs);
    const oldest = this.conn?.pending[0];
    // Twice the timeout: the probe itself is lost at one timeout (an echo after that is late), the stream behind it
    // is given up at two.
    if (this.conn && oldest && nowMs - oldest.at > 2 * this.settings.timeoutMs) {
      this.broke(this.conn, failure('ETIMEDOUT', `no echo for ${2 * this.settings.timeoutMs} ms: connection given up`), 'timeout');
    }
    if (this.conn === undefined) this.reopen(nowMs);
    const seq = this.account.counts.sent;
    this.account.sent(seq, nowMs);
    const conn = this.conn;
    if (conn === undefined || conn.socket.writableLength > MAX_UNSENT || conn.pending.length >= MAX_PENDING) return false;
    conn.pending.push({ seq, at: nowMs });
    conn.socket.write(this.packets.make(seq));
    return true;
  }

  /** Nothing to ask over TCP: a stream loses nothing on the way, so loss is not split by direction. */
  ask(): void {}

  protected async open(): Promise<void> {
    const resolved = await resolveHost(this.spec.host, this.settings.family);
    this.address = resolved.address;
    const t0 = monotonicMs();
    const socket = connect({ host: resolved.address, port: this.spec.port, noDelay: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(failure('ETIMEDOUT', `connect took longer than ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.connectTime.observe((monotonicMs() - t0) / 1000);
    this.connects += 1;
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn: Connection = { socket, rest: undefined, pending: [], broken: false };
    socket.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    // A reset that comes together with data is reported by libuv as the end of the stream (it reads the data and
    // takes the hang-up for an end without reading the error): it is then counted closed, as Node tells it.
    socket.on('end', () => this.broke(conn, failure('EOF', 'the server closed the connection'), 'closed'));
    socket.on('error', (error) => this.broke(conn, error));
    socket.on('close', () => this.broke(conn, failure('ECONNRESET', 'the connection closed'), 'reset'));
    this.conn = conn;
  }

  /** The connection is over: counted once, by cause, and the next probe opens another. */
  private broke(conn: Connection, error: unknown, cause?: FailureCause): void {
    if (conn.broken) return;
    conn.broken = true;
    if (this.conn === conn) this.conn = undefined;
    conn.socket.destroy();
    if (!this.closed) this.failures.add(error, cause);
  }

  /** Bytes came back: each whole probe in them is an echo; anything else is not an echo server's answer. */
  private receive(conn: Connection, chunk: Buffer): void {
    const now = monotonicMs();
    const size = this.settings.size;
    const data = conn.rest === undefined ? chunk : Buffer.concat([conn.rest, chunk]);
    let at = 0;
    for (; data.length - at >= size; at += size) {
      const seq = this.packets.read(data.subarray(at, at + size));
      if (seq === undefined) {
        this.broke(conn, failure('EPROTO', 'what came back is not an echo of the probes'), 'mismatch');
        return;
      }
      this.account.echoed(seq, now);
      while (conn.pending.length > 0 && (conn.pending[0]?.seq ?? seq) <= seq) conn.pending.shift();
    }
    conn.rest = at < data.length ? Buffer.from(data.subarray(at)) : undefined;
  }

  summary(): TargetSummary {
    return {
      ...this.baseSummary(),
      protocol: 'tcp',
      direction: 'unknown',
      lostUp: undefined,
      lostDown: undefined,
      connects: this.connects,
      connect: this.connectTime.snapshot(),
    };
  }

  /** Closes the connection; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    const conn = this.conn;
    if (conn === undefined) return;
    this.broke(conn, undefined);
    if (!conn.socket.closed) await new Promise<void>((resolve) => conn.socket.once('close', () => resolve()));
  }
}
