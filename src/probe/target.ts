/**
 * One target of the prober: its socket (resolved and connected, again and again while that fails), its probes and
 * their echoes, and the echo server's counts that split loss into the way there and the way back. @internal
 */
import { createSocket, type Socket } from 'node:dgram';
import { monotonicMs } from '../clock.js';
import { errnoOf, UdpkitError } from '../errors.js';
import { COUNT_QUERY, parseCountAnswer } from '../core/echo-counts.js';
import { resolveHost } from '../core/resolve.js';
import { ProbeAccount } from './account.js';
import { ProbePackets } from './packet.js';
import type { TargetSpec } from './target-spec.js';
import type { ProbeDirection, TargetSummary } from './types.js';

/** What a target needs from the prober's options. @internal */
export interface TargetSettings {
  intervalMs: number;
  timeoutMs: number;
  size: number;
  family: 0 | 4 | 6;
}

/** The least time between two attempts to resolve and connect a target that failed. */
const RETRY_MS = 1000;

/** Words for the send errors a down target gives. */
function describe(error: unknown): string {
  const errno = errnoOf(error);
  if (errno === 'ECONNREFUSED') return 'ECONNREFUSED: nothing listens there (ICMP port unreachable)';
  if (error instanceof UdpkitError) return error.message;
  return errno ?? (error instanceof Error ? error.message : String(error));
}

/** A target being probed. @internal */
export class ProbeTarget {
  readonly account: ProbeAccount;
  private readonly packets: ProbePackets;
  private socket: Socket | undefined;
  private opening: Promise<void> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private address: string | undefined;
  private errors = 0;
  private lastError: string | undefined;
  /** Whether the echo server answers the count query: udpkit's does, a foreign one echoes it back. */
  private direction: ProbeDirection = 'pending';
  private query: { sent: number } | undefined;
  private split: { up: number; down: number } | undefined;
  private closed = false;

  constructor(
    readonly spec: TargetSpec,
    private readonly settings: TargetSettings,
  ) {
    this.account = new ProbeAccount(settings.timeoutMs, settings.intervalMs);
    this.packets = new ProbePackets(settings.size);
  }

  /** Sends the next probe if the target has a socket; otherwise tries (at most once a second) to get one. */
  send(nowMs: number): boolean {
    this.account.expire(nowMs);
    if (this.socket === undefined) {
      this.reopen(nowMs);
      return false;
    }
    const seq = this.account.counts.sent;
    this.account.sent(seq, nowMs);
    this.socket.send(this.packets.make(seq), (error) => {
      if (error) this.failed(error);
    });
    return true;
  }

  /** Asks the echo server for its counts of this sender (a foreign server echoes the question back). */
  ask(): void {
    if (this.socket === undefined || this.direction === 'unknown') return;
    this.query = { sent: this.account.counts.sent };
    this.socket.send(COUNT_QUERY, (error) => {
      if (error) this.failed(error);
    });
  }

  /** The first resolve and connect; a failure is counted and tried again while probing. */
  async start(): Promise<void> {
    this.reopen(monotonicMs());
    await this.opening;
  }

  private reopen(nowMs: number): void {
    if (this.opening !== undefined || this.closed || nowMs - this.lastAttempt < Math.max(RETRY_MS, this.settings.intervalMs)) return;
    this.lastAttempt = nowMs;
    this.opening = this.open()
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        this.opening = undefined;
      });
  }

  private async open(): Promise<void> {
    const resolved = await resolveHost(this.spec.host, this.settings.family);
    const socket = createSocket(resolved.family === 'IPv6' ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(this.spec.port, resolved.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      throw error;
    }
    if (this.closed) {
      socket.close();
      return;
    }
    socket.on('error', (error) => this.failed(error));
    socket.on('message', (message) => this.receive(message));
    this.address = resolved.address;
    this.socket = socket;
    // Asked at once: whether loss can be split is known from the start, not from the first report.
    this.ask();
  }

  private failed(error: unknown): void {
    this.errors += 1;
    this.lastError = describe(error);
  }

  private receive(message: Buffer): void {
    const now = monotonicMs();
    const seq = this.packets.read(message);
    if (seq !== undefined) {
      this.account.echoed(seq, now);
      return;
    }
    if (message.equals(COUNT_QUERY)) {
      this.direction = 'unknown';
      return;
    }
    const counts = parseCountAnswer(message);
    if (counts === undefined || this.query === undefined) return;
    this.direction = 'split';
    // There: sent before the question, minus what the server got (FIFO: those sent before it arrive before it).
    // Back: what the server got, minus the echoes here (not echoed at all, over its rate bound, counts as back too).
    this.split = {
      up: Math.max(0, this.query.sent - counts.received),
      down: Math.max(0, counts.received - this.account.echoesGot),
    };
  }

  /** Whether every probe sent has been answered or timed out, and the last question answered. */
  get settled(): boolean {
    return this.account.counts.sent === this.account.echoesGot + this.account.counts.lost;
  }

  /** The target's figures so far. */
  summary(): TargetSummary {
    const { rtt, ipdv } = this.account.histograms();
    return {
      target: this.spec.text,
      protocol: 'udp',
      address: this.address,
      ...this.account.counts,
      direction: this.direction,
      lostUp: this.split?.up,
      lostDown: this.split?.down,
      errors: this.errors,
      lastError: this.lastError,
      rtt,
      ipdv,
    };
  }

  /** Closes the socket; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
