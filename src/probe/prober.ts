/**
 * The isochronous prober: probes every target at each tick of one monotonic schedule, reports per target every
 * report interval, and on stop waits out the last timeout so that every probe sent is settled. Nothing prints.
 */
import { monotonicMs, sleep } from '../clock.js';
import { UdpkitError } from '../errors.js';
import { Pacer } from '../core/pacer.js';
import { PROBE_HEADER_BYTES } from './packet.js';
import { ProbeTarget } from './target.js';
import type { TargetBase, TargetSettings } from './target-base.js';
import { TcpProbeTarget } from './tcp-target.js';
import { parseTarget } from './target-spec.js';
import type { ProbeOptions, ProbeReport, ProbeStopReason, TargetSummary } from './types.js';

export type { ProbeOptions, ProbeReport, ProbeStopReason, TargetSummary, ProbeDirection } from './types.js';
export { BUCKETS_SECONDS, type HistogramCounts } from './buckets.js';
export type { ProbeCounts, WindowFigures } from './account.js';
export { FAILURE_CAUSES, type FailureCause } from './failures.js';

/** A running prober. */
export interface Prober {
  /** The targets as given. */
  readonly targets: readonly string[];
  /** Resolves when the count or duration is reached (and the last timeout waited out), or the prober is closed. */
  readonly done: Promise<ProbeStopReason>;
  /** Every target's figures so far. */
  summary(): TargetSummary[];
  /** Stops probing, waits out the last timeout, closes the sockets; idempotent, the same promise every time. */
  close(): Promise<TargetSummary[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Called per target every report interval. */
export type ProbeReportHandler = (report: ProbeReport) => void;

/** The options with their defaults, checked. */
function settle(options: ProbeOptions): TargetSettings & { reportMs: number } {
  const check = (what: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    const v = value ?? fallback;
    if (!(Number.isFinite(v) && v >= min && v <= max)) throw new UdpkitError('E_USAGE', `invalid ${what} ${String(value)}: expected ${min} to ${max}`);
    return v;
  };
  if (options.targets.length === 0) throw new UdpkitError('E_USAGE', 'no target given: expected at least one HOST:PORT');
  return {
    intervalMs: check('intervalMs', options.intervalMs, 1000, 0.1, 86_400_000),
    timeoutMs: check('timeoutMs', options.timeoutMs, 1000, 1, 3_600_000),
    size: check('size', options.size, 64, PROBE_HEADER_BYTES, 65_507),
    reportMs: check('reportMs', options.reportMs, 10_000, 10, 86_400_000),
    family: options.family ?? 0,
  };
}

/** Sends to every target at each tick until the count, the duration or the signal ends it. */
async function sendLoop(targets: readonly TargetBase[], pacer: Pacer, count: number | undefined): Promise<ProbeStopReason> {
  for (let i = 0; count === undefined || i < count; i++) {
    if (!(pacer.dueNow(i) ?? (await pacer.due(i)))) return 'duration';
    const now = monotonicMs();
    for (const target of targets) target.send(now);
  }
  return 'count';
}

/** After the last probe: ask every echo server once more, and wait (up to the timeout) for every echo. */
async function settleAll(targets: readonly TargetBase[], timeoutMs: number): Promise<void> {
  for (const target of targets) target.ask();
  const end = monotonicMs() + timeoutMs;
  while (monotonicMs() < end && !targets.every((t) => t.settled)) await sleep(Math.min(10, timeoutMs));
  for (const target of targets) target.account.expireAll();
}

/**
 * Probes `options.targets` (echo servers) until stopped, calling `onReport` per target every report interval.
 * A target that does not resolve or cannot be reached is counted and tried again, never fatal.
 * @throws UdpkitError E_USAGE for a malformed target or option
 */
export async function probe(options: ProbeOptions, onReport?: ProbeReportHandler): Promise<Prober> {
  const settings = settle(options);
  const specs = options.targets.map(parseTarget);
  const targets: TargetBase[] = specs.map((spec) => (options.tcp === true ? new TcpProbeTarget(spec, settings) : new ProbeTarget(spec, settings)));
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted === true) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const report = (): void => {
    for (const target of targets) {
      const figures = target.account.takeWindow();
      target.ask();
      onReport?.({ time: Date.now(), ...figures, summary: target.summary() });
    }
  };
  // A name that takes long to fail must not hold up the others: they start after a second at most.
  await Promise.race([Promise.all(targets.map((t) => t.start())), sleep(1000, stop.signal)]);
  const timer = setInterval(report, settings.reportMs);
  const pacer = new Pacer(settings.intervalMs, stop.signal, options.durationMs);
  const run = sendLoop(targets, pacer, options.count).then(async (reason) => {
    clearInterval(timer);
    await settleAll(targets, settings.timeoutMs);
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(targets.map((t) => t.close()));
    return stop.signal.aborted ? 'closed' : reason;
  });
  const summary = (): TargetSummary[] => targets.map((t) => t.summary());
  const close = async (): Promise<TargetSummary[]> => {
    stop.abort();
    await run;
    return summary();
  };
  return { targets: specs.map((s) => s.text), done: run, summary, close, [Symbol.asyncDispose]: async () => void (await close()) };
}
