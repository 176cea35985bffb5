/**
 * The ping loop both senders share: send one message, wait up to `waitMs` for its answer, note the round trip
 * (or a miss), and count the answers that come after their exchange was given up as late. @internal
 */
import { monotonicMs } from '../clock.js';
import type { Pacer } from './pacer.js';
import type { Waiter } from './waiter.js';

/** One message sent and what became of it. */
interface Exchange {
  readonly sentAt: number;
  answeredAt?: number;
  /** Given up (the wait ran out, or the run ended): an answer that still comes is late. */
  missed: boolean;
}

/** What the loop needs from its transport. */
export interface PingTransport {
  /** Hands message number `index` to the socket; a failure shows through {@link PingTransport.stopped}. */
  send(payload: Buffer): void;
  /** The next message, or undefined when a stream of them has ended. */
  take(index: number): Promise<Buffer | undefined>;
  /** True once the run cannot go on (the socket failed, the peer closed): ends the wait at once. */
  stopped(): boolean;
  /** After an exchange went unanswered and before the next one (UDP sends the next from a fresh port). */
  afterMiss?(): Promise<void>;
}

/** How answers are told apart. */
export type Matching =
  /** TCP keeps order: each answer answers the oldest exchange not yet matched, so one after a miss is late. */
  | 'in-order'
  /** UDP answers only the exchange in flight; what a miss's socket hears later is counted by the transport. */
  | 'current';

/**
 * Runs the exchanges of a ping: `count` of them, paced by `pacer`, each waiting up to `waitMs`. Answers reach
 * it through {@link PingLoop.answer}, from the transport's receive path.
 */
export class PingLoop {
  /** Exchanges sent and not matched yet, oldest first. */
  private readonly unmatched: Exchange[] = [];
  /** Round trips in milliseconds, one per exchange that was answered or timed out (null). */
  readonly rttMs: (number | null)[] = [];
  /** Answers that came after their exchange was given up. */
  late = 0;
  /** Messages handed to the socket. */
  sent = 0;

  constructor(
    private readonly transport: PingTransport,
    private readonly settings: { count: number; waitMs: number; matching: Matching; pacer: Pacer; waiter: Waiter; signal?: AbortSignal | undefined },
  ) {}

  /**
   * An answer arrived at `at` (monotonic ms). Returns `answer` when it answered an exchange in flight, `late`
   * when the exchange it matched had been given up, `none` when nothing was waiting for it (a duplicate).
   */
  answer(at: number): 'answer' | 'late' | 'none' {
    const exchange = this.unmatched.shift();
    if (exchange === undefined) return 'none';
    if (exchange.missed) {
      this.late += 1;
      return 'late';
    }
    exchange.answeredAt = at;
    this.settings.waiter.wake();
    return 'answer';
  }

  /** Counts an answer the transport knows to be late (UDP: heard on the socket of an exchange that was missed). */
  lateAnswer(): void {
    this.late += 1;
  }

  /** Runs every exchange; resolves when the count, the stream, the time or the signal ends them, or the transport stops. */
  async run(): Promise<void> {
    const { count, signal, pacer } = this.settings;
    for (let i = 0; i < count && signal?.aborted !== true; i++) {
      if (this.transport.stopped() || !(await pacer.due(i))) break;
      const payload = await this.transport.take(i);
      if (payload === undefined || this.transport.stopped()) break;
      const timedOut = await this.exchange(payload);
      if (timedOut && i < count - 1) await this.transport.afterMiss?.();
    }
  }

  /** One exchange: send, wait for the answer; returns true when the wait ran out. */
  private async exchange(payload: Buffer): Promise<boolean> {
    const { waitMs, matching, waiter } = this.settings;
    // UDP: what arrived since the last exchange is not this one's answer (a duplicate, or unasked).
    if (matching === 'current') this.unmatched.length = 0;
    const exchange: Exchange = { sentAt: monotonicMs(), missed: false };
    this.unmatched.push(exchange);
    this.transport.send(payload);
    this.sent += 1;
    const end = await waiter.until(() => exchange.answeredAt !== undefined || this.transport.stopped(), waitMs);
    if (exchange.answeredAt !== undefined) {
      this.rttMs.push(exchange.answeredAt - exchange.sentAt);
      return false;
    }
    exchange.missed = true;
    if (end === 'timeout') this.rttMs.push(null);
    return end === 'timeout';
  }

  /** The first round trip that was answered. */
  get firstRtt(): number | undefined {
    return this.rttMs.find((v): v is number => v !== null);
  }

  /** Whether no exchange was answered. */
  get unanswered(): boolean {
    return this.rttMs.every((v) => v === null);
  }
}
