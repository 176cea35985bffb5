/** `--baseline FILE`: an earlier JSON report, and each row's change since it, matched by scenario and row id. */
import type { Cell, CompareReport } from './types.js';

/** The relative change from `before` to `now` when both are numbers in the same unit (and `before` is not 0). */
function change(now: Cell, before: Cell | undefined): number | null {
  if (before === undefined || typeof now.value !== 'number' || typeof before.value !== 'number') return null;
  if (now.unit !== before.unit || before.value === 0) return null;
  return (now.value - before.value) / Math.abs(before.value);
}

/** The report with `change` on every row that the baseline also has, and the baseline named. */
export function withBaseline(report: CompareReport, baseline: CompareReport): CompareReport {
  const rows = new Map(baseline.scenarios.flatMap((s) => s.rows.map((r) => [`${s.name}/${r.id}`, r] as const)));
  return {
    ...report,
    baseline: { startedAt: baseline.startedAt, version: baseline.version },
    scenarios: report.scenarios.map((s) => ({
      ...s,
      rows: s.rows.map((r) => {
        const before = rows.get(`${s.name}/${r.id}`);
        return before === undefined ? r : { ...r, change: { udp: change(r.udp, before.udp), tcp: change(r.tcp, before.tcp) } };
      }),
    })),
  };
}

/** `+12%`, `−3.4%`, `±0%`, or `–` where not comparable. */
export function changeText(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const pct = value * 100;
  if (Math.abs(pct) < 0.05) return '±0%';
  const digits = Math.abs(pct) >= 10 ? 0 : 1;
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(digits)}%`;
}
