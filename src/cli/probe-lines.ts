/** What `udp-probe` writes: a status line per target and report (text on stderr, or NDJSON on stdout), and the summary. */
import type { ProbeReport, TargetSummary } from '../probe/prober.js';

const msText = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(3)} ms`);
const pct = (part: number, whole: number): string => (whole === 0 ? '-' : `${((part * 100) / whole).toFixed(1)} %`);

/** `(3 up, 1 down)`, `(direction unknown)` or nothing, for a loss count. */
function direction(s: TargetSummary): string {
  if (s.direction === 'split') return `, ${s.lostUp ?? 0} up, ${s.lostDown ?? 0} down`;
  return s.direction === 'unknown' ? ', direction unknown' : '';
}

/** `; 3 errors, last: ECONNREFUSED…`, or nothing. */
function errors(s: TargetSummary): string {
  return s.errors === 0 ? '' : `; ${s.errors} error${s.errors === 1 ? '' : 's'}, last: ${s.lastError ?? '?'}`;
}

/** Counts since the start: `50 sent, 40 received, 10 lost (20.0 %, direction unknown), 0 late, …`. */
function totals(s: TargetSummary): string {
  const settled = s.received + s.lost;
  return (
    `${s.sent} sent, ${s.received} received, ${s.lost} lost (${pct(s.lost, settled)}${direction(s)}), ` +
    `${s.late} late, ${s.duplicated} duplicated, ${s.reordered} reordered`
  );
}

/** One status line: the window's loss, RTT percentiles and jitter, then the totals. */
export function reportLine(report: ProbeReport): string {
  const s = report.summary;
  if (s.address === undefined) return `${s.target}: not probed: ${s.lastError ?? 'not resolved yet'}\n`;
  const loss = report.lossPercent === undefined ? '-' : `${report.lossPercent.toFixed(1)} %`;
  return (
    `${s.target}: loss ${loss} (${report.lost} of ${report.settled}), rtt p50 ${msText(report.rttP50Ms)} p99 ${msText(report.rttP99Ms)}, ` +
    `jitter ${msText(report.jitterMs)}; total ${totals(s)}${errors(s)}\n`
  );
}

/** A target's figures as JSON fields: its counts (histograms left out: they are in the metrics) and the mean RTT. */
function jsonFields(s: TargetSummary): Record<string, unknown> {
  const { rtt, ipdv: _ipdv, ...counts } = s;
  return { ...counts, meanRttMs: rtt.count === 0 ? undefined : (rtt.sum * 1000) / rtt.count };
}

/** The report as one NDJSON line: the totals, and the window's loss, RTT percentiles and jitter under `window`. */
export function reportJson(report: ProbeReport): string {
  const { summary, time, ...window } = report;
  return `${JSON.stringify({ event: 'report', time: new Date(time).toISOString(), ...jsonFields(summary), window })}\n`;
}

/** The summary of a target as one NDJSON line. */
export function summaryJson(summary: TargetSummary, time = Date.now()): string {
  return `${JSON.stringify({ event: 'summary', time: new Date(time).toISOString(), ...jsonFields(summary) })}\n`;
}

/** The closing line per target: the totals and the mean RTT. */
export function summaryLine(s: TargetSummary): string {
  const mean = s.rtt.count === 0 ? '-' : `${((s.rtt.sum * 1000) / s.rtt.count).toFixed(3)} ms`;
  const where = s.address === undefined ? ' (never resolved)' : '';
  return `${s.target}${where}: ${totals(s)}; mean rtt ${mean}${errors(s)}\n`;
}
