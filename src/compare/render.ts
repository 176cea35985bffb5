/** The report as text (a table per scenario and a sentence), as Markdown, or as JSON. */
import type { Cell, CompareReport, ScenarioResult } from './types.js';
import { changeText } from './baseline.js';

/** Units whose singular drops the final `s` (`1 read`, `2 reads`). */
const COUNTED = new Set(['messages', 'reads', 'packets', 'datagrams', 'bytes', 'exchanges', 'chunks', 'segments']);

/** Larger units for time: 162,902 µs reads as 163 ms, 45,000 ms as 45 s. */
const SCALE: Record<string, [number, string]> = { 'µs': [1000, 'ms'], ms: [1000, 's'] };

/** A number rounded for reading: whole above 100 (with thousands separators), three significant digits below. */
export function readable(value: number): string {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3));
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A number and unit as a reader sees it: scaled up past 10,000 of a time unit, singular for one. */
export function quantity(value: number, unit: string | undefined): string {
  let v = value;
  let u = unit;
  for (let turn = 0; turn < 3 && u !== undefined && SCALE[u] !== undefined && Math.abs(v) >= 10_000; turn++) {
    const [factor, next] = SCALE[u] as [number, string];
    v /= factor;
    u = next;
  }
  if (u === undefined) return readable(v);
  const singular = COUNTED.has(u) && readable(v) === '1' ? u.slice(0, -1) : u;
  return `${readable(v)} ${singular}`;
}

/** A cell as a reader sees it: `163 ms`, `1 read`, `yes`, `ECONNREFUSED`, `n/a (why)`. */
export function cellText(cell: Cell): string {
  if (cell.value === null) return cell.reason === undefined ? 'n/a' : `n/a (${cell.reason})`;
  if (typeof cell.value === 'boolean') return cell.value ? 'yes' : 'no';
  if (typeof cell.value === 'number') return quantity(cell.value, cell.unit);
  return cell.unit ? `${cell.value} ${cell.unit}` : cell.value;
}

/** A time the report carries (milliseconds since the epoch) as a reader sees it: ISO 8601, `2026-11-23T22:01:30.394Z`. */
export function isoText(ms: number): string {
  return new Date(ms).toISOString();
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

function scenarioHead(result: ScenarioResult): string {
  if (result.status === 'ok') return result.title;
  return `${result.title}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`;
}

/** The report as plain text tables, one per scenario, each followed by its sentence. */
export function renderText(report: CompareReport): string {
  const lines: string[] = [
    `udp-compare ${report.version}: ${report.workload.target}, ${report.workload.messages} messages of ${report.workload.size} bytes, ` +
      `Node ${report.machine.node}, Linux ${report.machine.kernel}, ${report.machine.cpus} CPUs`,
    '',
  ];
  if (report.baseline !== undefined) lines.push(`compared with the run of ${isoText(report.baseline.startedAt)} (udp-compare ${report.baseline.version})`, '');
  for (const result of report.scenarios) {
    lines.push(`== ${scenarioHead(result)}`);
    if (result.rows.length > 0) {
      const w0 = Math.max(11, ...result.rows.map((r) => [...r.measurement].length));
      const w1 = Math.max(3, ...result.rows.map((r) => [...cellText(r.udp)].length));
      const w2 = Math.max(3, ...result.rows.map((r) => [...cellText(r.tcp)].length));
      const since = report.baseline === undefined ? '' : '  since baseline (UDP / TCP)';
      lines.push(`${pad('measurement', w0)}  ${pad('UDP', w1)}  ${report.baseline === undefined ? 'TCP' : pad('TCP', w2)}${since}`.trimEnd());
      for (const row of result.rows) {
        const change = report.baseline === undefined ? '' : `  ${changeText(row.change?.udp)} / ${changeText(row.change?.tcp)}`;
        lines.push(`${pad(row.measurement, w0)}  ${pad(cellText(row.udp), w1)}  ${report.baseline === undefined ? cellText(row.tcp) : pad(cellText(row.tcp), w2)}${change}`);
      }
    }
    if (result.sentence) lines.push(`→ ${result.sentence}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

function mdEscape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The report as Markdown: a heading and a table per scenario. */
export function renderMarkdown(report: CompareReport): string {
  const out: string[] = [
    `## udp-compare: UDP vs TCP`,
    '',
    `${report.workload.target}; ${report.workload.messages} messages of ${report.workload.size} bytes at ${report.workload.rate}/s; ` +
      `Node ${report.machine.node}, Linux ${report.machine.kernel}, ${report.machine.cpus} CPUs; ${isoText(report.startedAt)}.`,
    '',
  ];
  for (const result of report.scenarios) {
    out.push(`### ${mdEscape(scenarioHead(result))}`, '');
    if (result.rows.length > 0) {
      out.push('| measurement | UDP | TCP |', '| --- | --- | --- |');
      for (const row of result.rows) out.push(`| ${mdEscape(row.measurement)} | ${mdEscape(cellText(row.udp))} | ${mdEscape(cellText(row.tcp))} |`);
      out.push('');
    }
    if (result.sentence) out.push(mdEscape(result.sentence), '');
  }
  return out.join('\n');
}

/** The report as one JSON document (validated by `compareReportSchema`). */
export function renderJson(report: CompareReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
