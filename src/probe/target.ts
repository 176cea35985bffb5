/**
 * One target of the prober: its socket (resolved and connected, again and again while that fails), its probes and
 * their echoes, and the echo server's counts that split loss into the way there and the way back. @internal
 */
import { createSocket, type Socket } from 'node:dgram';
import { monotonicMs } from '../clock.js';
import { COUNT_QUERY, parseCountAnswer } from '../core/echo-counts.js';
import { resolveHost } from '../core/resolve.js';
import { TargetBase, type TargetSettings } from './target-base.js';
import type { TargetSpec } from './target-spec.js';
import type { ProbeDirection, TargetSummary } from './types.js';

/** A target being probed over UDP. @internal */
export class ProbeTarget extends TargetBase {
  private socket: Socket | undefined;
  /** Whether the echo server answers the count query: udpkit's does, a foreign one echoes it back. */
  private direction: ProbeDirection = 'pending';
  private query: { sent: number } | undefined;
  private split: { up: number; down: number } | undefined;

  constructor(spec: TargetSpec, settings: TargetSettings) {
    super(spec, settings, 'udp');
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
      if (error) this.failures.add(error);
    });
    return true;
  }

  /** Asks the echo server for its counts of this sender (a foreign server echoes the question back). */
  ask(): void {
    if (this.socket === undefined || this.direction === 'unknown') return;
    this.query = { sent: this.account.counts.sent };
    this.socket.send(COUNT_QUERY, (error) => {
      if (error) this.failures.add(error);
    });
  }

  protected async open(): Promise<void> {
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
    socket.on('error', (error) => this.failures.add(error));
    socket.on('message', (message) => this.receive(message));
    this.address = resolved.address;
    this.socket = socket;
    // Asked at once: whether loss can be split is known from the start, not from the first report.
    this.ask();
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

  /** The target's figures so far. */
  summary(): TargetSummary {
    return {
      ...this.baseSummary(),
      protocol: 'udp',
      direction: this.direction,
      lostUp: this.split?.up,
      lostDown: this.split?.down,
      connects: undefined,
      connect: undefined,
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
