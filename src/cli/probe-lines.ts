/** What `udp-probe` writes: a status line per target and report (text on stderr, or NDJSON on stdout), and the summary. */
import type { HistogramCounts, ProbeReport, TargetSummary } from '../probe/prober.js';

const msText = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(3)} ms`);
const pct = (part: number, whole: number): string => (whole === 0 ? '-' : `${((part * 100) / whole).toFixed(1)} %`);

/** `(3 up, 1 down)`, `(direction unknown)` or nothing, for a loss count. */
function direction(s: TargetSummary): string {
  if (s.direction === 'split') return `, ${s.lostUp ?? 0} up, ${s.lostDown ?? 0} down`;
  return s.direction === 'unknown' ? ', direction unknown' : '';
}

/** `; 3 errors (refused 2, reset 1), last: ECONNREFUSED…`, or nothing. */
function errors(s: TargetSummary): string {
  if (s.errors === 0) return '';
  const causes = Object.entries(s.failures).map(([cause, n]) => `${cause} ${n}`);
  return `; ${s.errors} error${s.errors === 1 ? '' : 's'} (${causes.join(', ')}), last: ${s.lastError ?? '?'}`;
}

/** The mean of a histogram in milliseconds, or undefined when empty. */
const meanMs = (h: HistogramCounts | undefined): number | undefined => (h === undefined || h.count === 0 ? undefined : (h.sum * 1000) / h.count);

/** TCP: `; 3 connects, mean connect 0.120 ms`; nothing for UDP. */
function connects(s: TargetSummary): string {
  return s.connects === undefined ? '' : `; ${s.connects} connect${s.connects === 1 ? '' : 's'}, mean connect ${msText(meanMs(s.connect))}`;
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

/** A target's figures as JSON fields: its counts (histograms left out: they are in the metrics), the mean RTT (and connect). */
function jsonFields(s: TargetSummary): Record<string, unknown> {
  const { rtt, ipdv: _ipdv, connect, ...counts } = s;
  return { ...counts, meanRttMs: meanMs(rtt), meanConnectMs: meanMs(connect) };
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
  const where = s.address === undefined ? ' (never resolved)' : '';
  return `${s.target}${where}: ${totals(s)}; mean rtt ${msText(meanMs(s.rtt))}${connects(s)}${errors(s)}\n`;
}
