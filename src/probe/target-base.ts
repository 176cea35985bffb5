/**
 * What every target of the prober has, UDP or TCP: its account of the probes, its failures by cause, and the
 * resolve-and-connect that is tried again (at most once a second) while it fails. @internal
 */
import { monotonicMs } from '../clock.js';
import { ProbeAccount } from './account.js';
import { Failures } from './failures.js';
import { ProbePackets } from './packet.js';
import type { TargetSpec } from './target-spec.js';
import type { TargetSummary } from './types.js';

/** What a target needs from the prober's options. @internal */
export interface TargetSettings {
  intervalMs: number;
  timeoutMs: number;
  size: number;
  family: 0 | 4 | 6;
}

/** The least time between two attempts to resolve and connect a target that failed. */
const RETRY_MS = 1000;

/** A target, as the prober drives it. @internal */
export abstract class TargetBase {
  readonly account: ProbeAccount;
  protected readonly packets: ProbePackets;
  protected readonly failures: Failures;
  /** The address probed, once resolved. */
  protected address: string | undefined;
  protected closed = false;
  protected opening: Promise<void> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly spec: TargetSpec,
    protected readonly settings: TargetSettings,
    protocol: 'udp' | 'tcp',
  ) {
    this.account = new ProbeAccount(settings.timeoutMs, settings.intervalMs);
    this.packets = new ProbePackets(settings.size);
    this.failures = new Failures(protocol);
  }

  /** Sends (or counts) the probe due at `nowMs`; false when it could not be sent. */
  abstract send(nowMs: number): boolean;
  /** Asks the echo server for its counts (UDP against udpkit's echo; nothing over TCP). */
  abstract ask(): void;
  abstract summary(): TargetSummary;
  abstract close(): Promise<void>;
  /** Resolves the target and opens its socket or connection; throws what went wrong. */
  protected abstract open(): Promise<void>;

  /** The first resolve and connect; a failure is counted and tried again while probing, never thrown. */
  async start(): Promise<void> {
    this.reopen(monotonicMs());
    await this.opening;
  }

  /** A resolve and connect at most once a second (or once an interval, when longer), whatever keeps failing. */
  protected reopen(nowMs: number): void {
    if (this.opening !== undefined || this.closed || nowMs - this.lastAttempt < Math.max(RETRY_MS, this.settings.intervalMs)) return;
    this.lastAttempt = nowMs;
    this.opening = this.open()
      .catch((error: unknown) => this.failures.add(error))
      .finally(() => {
        this.opening = undefined;
      });
  }

  /** Whether every probe sent has been answered or timed out. */
  get settled(): boolean {
    return this.account.counts.sent === this.account.echoesGot + this.account.counts.lost;
  }

  /** The fields of a summary every target has. */
  protected baseSummary() {
    const { rtt, ipdv } = this.account.histograms();
    return {
      target: this.spec.text,
      address: this.address,
      ...this.account.counts,
      errors: this.failures.total,
      failures: { ...this.failures.byCause },
      lastError: this.failures.last,
      rtt,
      ipdv,
    };
  }
}
