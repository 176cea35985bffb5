/** The shapes of udp-compare: a measured cell, a row UDP | TCP, a scenario's result, the whole report. */
import type { Family } from '../types.js';

/**
 * One measured figure (or outcome) with its unit. Numbers are kept unrounded (rendering rounds them);
 * `null` is n/a, and `reason` says why (it does not apply to this transport, or could not be measured).
 */
export interface Cell {
  value: number | string | boolean | null;
  unit?: string | undefined;
  reason?: string | undefined;
}

/** One measurement on both transports. */
export interface Row {
  /** A stable key for scripts comparing runs (`first-reply`, `rtt-p50`…): the wording of `measurement` may change. */
  id: string;
  measurement: string;
  udp: Cell;
  tcp: Cell;
  /** With a baseline: the relative change of each number since then (0.12 is 12% more), null where not comparable. */
  change?: { udp: number | null; tcp: number | null } | undefined;
}

/** What one scenario found, or why it did not run. */
export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed. */
  reason?: string | undefined;
  /** One plain sentence saying what the difference means. */
  sentence?: string | undefined;
  rows: Row[];
  /** Throughput and delay over time, one sample per 100 ms, where the scenario measures them (bottleneck). */
  series?: { udp: Sample[]; tcp: Sample[] } | undefined;
  /** What the HTML report draws besides `series`: distributions, delivery by message number, message boundaries. */
  plots?: Plots | undefined;
  durationMs: number;
}

/** The scenarios, in the order they run. */
export const SCENARIO_NAMES = ['setup', 'no-listener', 'boundaries', 'size-limits', 'overload', 'order', 'latency', 'lossy-link', 'bottleneck', 'jitter'] as const;
/** One of {@link SCENARIO_NAMES}. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Where the echo peers are: in this process (local) or a remote pair of `udp-listen --echo` on one port. */
export interface EchoTarget {
  host: string;
  family: Family;
  udpPort: number;
  tcpPort: number;
  /** The echo listeners run in this process: scenarios that need control of the far side can run. */
  local: boolean;
  /**
   * The echo peer is on this host (in-process, or a "remote" at 127.0.0.1, ::1 or an address of this host): the
   * kernel's packet counters count the packets of both ends.
   */
  thisHost: boolean;
}

/** The workload knobs. */
export interface Workload {
  messages: number;
  size: number;
  /** Messages per second for paced scenarios (order, lossy link). */
  rate: number;
  /** Fraction dropped on the lossy link, 0..1. */
  loss: number;
  /** Fraction duplicated on the lossy link, 0..1. */
  duplicate: number;
  /** The bottleneck's rate in bits per second (tbf on the router's link toward the receiver). */
  linkRate: number;
  /** The bottleneck's queue, as the longest a packet may wait in it, in milliseconds (tbf `latency`). */
  linkBufferMs: number;
}

/** The data behind a scenario's pictures, kept small (quantiles and bins, not every sample). */
export interface Plots {
  /** A distribution of each transport as 101 quantiles (p0, p1 … p100), for a CDF on one axis. */
  cdf?: { label: string; unit: string; udp: number[]; tcp: number[] } | undefined;
  /** The share delivered (0..1) per bin of `binSize` consecutive message numbers. */
  delivery?: { binSize: number; udp: number[]; tcp: number[] } | undefined;
  /** Message sizes as sent, and the sizes of the reads that returned the same bytes, per transport. */
  blocks?: { sent: number[]; udp: number[]; tcp: number[] } | undefined;
}

/** One 100 ms slice of a run: what the receiver got in it, and how long that took to arrive. */
export interface Sample {
  /** Seconds from the first arrival to the slice's start. */
  t: number;
  /** Payload received in the slice, in megabits per second. */
  mbps: number;
  /** The median one-way delay of what arrived in the slice, in milliseconds; null when nothing did. */
  delayMs: number | null;
}

/** What a scenario gets to work with. */
export interface ScenarioContext {
  target: EchoTarget;
  workload: Workload;
  /** Says what is going on, for the progress line. */
  progress: (text: string) => void;
}

/** A scenario: runs its workload on both transports and returns rows. */
export interface Scenario {
  name: ScenarioName;
  title: string;
  /** Needs control of the far side: skipped against a remote target. */
  localOnly: boolean;
  /** A reason to skip here (missing root or tools), or undefined to run. */
  unavailable?(): Promise<string | undefined>;
  run(context: ScenarioContext): Promise<Pick<ScenarioResult, 'rows' | 'sentence' | 'series' | 'plots'>>;
}

/** The whole report. */
export interface CompareReport {
  tool: 'udp-compare';
  version: string;
  /** When the run started, in milliseconds since the epoch. */
  startedAt: number;
  durationMs: number;
  machine: { platform: string; kernel: string; node: string; cpus: number };
  workload: Workload & { target: string };
  scenarios: ScenarioResult[];
  /** With --baseline: the earlier run that `change` on each row is measured against. */
  baseline?: { startedAt: number; version: string } | undefined;
}
