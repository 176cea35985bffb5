/**
 * udp-probe's side of the web view: its reports (a target's window: loss, RTT percentiles, jitter) as log rows and
 * as the charts' points, and once a second the targets table from the prober's summary.
 */
import type { ProbeReport, TargetSummary } from '../probe/prober.js';
import type { ProbeSecond, Row, TargetPoint, TargetRow } from './protocol.js';
import type { WebSource } from './source.js';

/** Reports kept for the log. */
const REPORTS_KEPT = 2000;
/** Chart points held between two seconds at most (a page gets them once a second). */
const MAX_POINTS = 10_000;

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const msText = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(3)} ms`);

/** A report as a log row: the window's loss, RTT percentiles and jitter. */
function reportRow(id: number, report: ProbeReport): Row {
  const s = report.summary;
  const loss = report.lossPercent === undefined ? '-' : `${report.lossPercent.toFixed(1)} %`;
  const text = s.address === undefined
    ? `not probed: ${s.lastError ?? 'not resolved yet'}`
    : `loss ${loss} (${report.lost} of ${report.settled}), rtt p50 ${msText(report.rttP50Ms)} p99 ${msText(report.rttP99Ms)}, jitter ${msText(report.jitterMs)}`;
  return { id, kind: 'report', time: report.time, protocol: s.protocol, peer: s.target, port: null, size: report.settled, text, hex: '', bad: report.lost > 0 || s.address === undefined };
}

function pointOf(report: ProbeReport): TargetPoint {
  return { target: report.summary.target, time: report.time, lossPercent: orNull(report.lossPercent), rttP50Ms: orNull(report.rttP50Ms), rttP99Ms: orNull(report.rttP99Ms), jitterMs: orNull(report.jitterMs) };
}

function targetRow(s: TargetSummary, last: TargetPoint | undefined): TargetRow {
  return {
    target: s.target,
    address: orNull(s.address),
    sent: s.sent,
    received: s.received,
    lost: s.lost,
    late: s.late,
    duplicated: s.duplicated,
    reordered: s.reordered,
    lostUp: orNull(s.lostUp),
    lostDown: orNull(s.lostDown),
    errors: s.errors,
    lastError: orNull(s.lastError),
    lossPercent: last?.lossPercent ?? null,
    rttP50Ms: last?.rttP50Ms ?? null,
    rttP99Ms: last?.rttP99Ms ?? null,
    jitterMs: last?.jitterMs ?? null,
  };
}

/** The prober's reports for its page. */
export class ProbeFeed implements WebSource {
  readonly command = 'udp-probe';
  readonly panels = ['log', 'targets'];
  readonly columns = ['time', 'proto', 'target', '', 'settled', 'report'];
  readonly counterLabels = [['targets', 'targets'], ['sent', 'probes sent'], ['received', 'echoes'], ['lost', 'lost'], ['reports', 'reports']] as const;
  readonly capacity = REPORTS_KEPT;
  first = 0;
  next = 0;
  private readonly kept: Row[] = [];
  private points: TargetPoint[] = [];
  private readonly lastOf = new Map<string, TargetPoint>();
  private totals = { targets: 0, sent: 0, received: 0, lost: 0 };

  /** @param summary the prober's summary per target, taken once a second */
  constructor(private readonly summary: () => TargetSummary[]) {
    this.sum(summary());
  }

  /** Every report of the prober, in order. */
  push(report: ProbeReport): void {
    const id = this.next++;
    this.kept[id % REPORTS_KEPT] = reportRow(id, report);
    if (this.next - this.first > REPORTS_KEPT) this.first += 1;
    const point = pointOf(report);
    this.lastOf.set(point.target, point);
    if (this.points.length < MAX_POINTS) this.points.push(point);
  }

  row(id: number): Row | undefined {
    return id < this.first || id >= this.next ? undefined : this.kept[id % REPORTS_KEPT];
  }

  counters(): Record<string, number | null> {
    return { ...this.totals, reports: this.next };
  }

  second(now: number): ProbeSecond {
    const summaries = this.summary();
    this.sum(summaries);
    const points = this.points;
    this.points = [];
    return { time: now, targets: summaries.map((s) => targetRow(s, this.lastOf.get(s.target))), points };
  }

  private sum(summaries: TargetSummary[]): void {
    this.totals = { targets: summaries.length, sent: 0, received: 0, lost: 0 };
    for (const s of summaries) {
      this.totals.sent += s.sent;
      this.totals.received += s.received;
      this.totals.lost += s.lost;
    }
  }
}
