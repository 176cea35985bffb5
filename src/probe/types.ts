/** The prober's options, reports and summaries: plain data, safe to JSON.stringify. */
import type { HistogramCounts } from './buckets.js';
import type { ProbeCounts, WindowFigures } from './account.js';
import type { FailureCause } from './failures.js';

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** `HOST:PORT` each (`[::1]:5005`, `db1:7`): echo servers (RFC 862, or `udp-listen --echo`). */
  targets: readonly string[];
  /** Time between probes to each target, paced by the monotonic clock (default 1000). */
  intervalMs?: number | undefined;
  /** Bytes per probe, at least 12 (default 64). */
  size?: number | undefined;
  /** An echo later than this is lost (and counted late if it still comes); default 1000. */
  timeoutMs?: number | undefined;
  /** Stop after this many probes per target (default: run until closed). */
  count?: number | undefined;
  /** Stop sending after this long (default: run until closed). */
  durationMs?: number | undefined;
  /** A report per target this often (default 10000). */
  reportMs?: number | undefined;
  /**
   * Probe over TCP: one kept connection per target (its connect timed), each probe a round trip over it; a broken
   * connection is opened anew, its failures counted per cause. Default false (UDP).
   */
  tcp?: boolean | undefined;
  /** 4 or 6 to resolve names to one family only; 0 (default) for the resolver's first address. */
  family?: 0 | 4 | 6 | undefined;
  /** Aborting it stops the probes; the prober waits out the last timeout and closes. */
  signal?: AbortSignal | undefined;
}

/**
 * How the loss of a target is split: `split` when its echo server is udpkit's (it counts what it got and echoed),
 * `unknown` for a foreign one, `pending` until it has answered.
 */
export type ProbeDirection = 'split' | 'unknown' | 'pending';

/** One target's figures since the start. */
export interface TargetSummary extends ProbeCounts {
  /** As given. */
  target: string;
  protocol: 'udp' | 'tcp';
  /** The address probed (undefined while the target does not resolve). */
  address: string | undefined;
  direction: ProbeDirection;
  /** Probes lost on the way there, by the echo server's count when it last answered (direction `split` only). */
  lostUp: number | undefined;
  /** Echoes lost on the way back, by the echo server's count when it last answered (direction `split` only). */
  lostDown: number | undefined;
  /** Failures to resolve, connect or send (ICMP unreachable, no route; TCP: refused, reset …): counted, never fatal. */
  errors: number;
  /** The same failures by cause (only the causes seen). */
  failures: Partial<Record<FailureCause, number>>;
  lastError: string | undefined;
  /** TCP: connections opened (undefined for UDP). */
  connects: number | undefined;
  /** TCP: the time each connect took, in seconds (undefined for UDP). */
  connect: HistogramCounts | undefined;
  /** RTT of every probe answered in time, in seconds. */
  rtt: HistogramCounts;
  /** |IPDV| between consecutive probes answered in time, in seconds. */
  ipdv: HistogramCounts;
}

/** A target's status every report interval. */
export interface ProbeReport extends WindowFigures {
  /** Epoch milliseconds. */
  time: number;
  summary: TargetSummary;
}

/** Why a prober stopped. */
export type ProbeStopReason = 'count' | 'duration' | 'closed';
