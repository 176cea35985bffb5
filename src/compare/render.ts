/** The report as text (a table per scenario and a sentence), as Markdown, or as JSON. */
import type { Cell, CompareReport, ScenarioResult } from './types.js';

/** A cell as a reader sees it: `12.3 µs`, `yes`, `ECONNREFUSED`, `–`. */
export function cellText(cell: Cell): string {
  if (cell.value === null) return '–';
  if (typeof cell.value === 'boolean') return cell.value ? 'yes' : 'no';
  const value = typeof cell.value === 'number' ? cell.value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : cell.value;
  return cell.unit ? `${value} ${cell.unit}` : value;
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
  for (const result of report.scenarios) {
    lines.push(`== ${scenarioHead(result)}`);
    if (result.rows.length > 0) {
      const w0 = Math.max(11, ...result.rows.map((r) => [...r.measurement].length));
      const w1 = Math.max(3, ...result.rows.map((r) => [...cellText(r.udp)].length));
      lines.push(`${pad('measurement', w0)}  ${pad('UDP', w1)}  TCP`);
      for (const row of result.rows) lines.push(`${pad(row.measurement, w0)}  ${pad(cellText(row.udp), w1)}  ${cellText(row.tcp)}`);
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
      `Node ${report.machine.node}, Linux ${report.machine.kernel}, ${report.machine.cpus} CPUs; ${report.startedAt}.`,
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
