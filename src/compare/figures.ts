/** Small statistics for the report: percentiles of a sample, cells with units, and how a person says a ratio. */
import type { Cell } from './types.js';

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * A measured number with its unit, unrounded (the text and HTML round it for reading; JSON keeps it whole).
 * Not finite (nothing measured): n/a, with `why` as the reason.
 */
export function num(value: number, unit: string, why = 'nothing to measure: no sample'): Cell {
  if (!Number.isFinite(value)) return { value: null, unit, reason: why };
  return { value, unit };
}

/** An outcome in words (`success`, `ECONNREFUSED`), or a yes/no. */
export function word(value: string | boolean): Cell {
  return { value };
}

/** A cell that does not apply to this transport, and why. */
export function na(reason: string): Cell {
  return { value: null, reason };
}

/**
 * How a person says how `b` compares with `a` (b / a): `2.6× later`, `1.4× sooner`, or `about the same` within
 * 10%. `more` and `less` are the words for b above and below a.
 */
export function ratioPhrase(a: number, b: number, more: string, less: string): string {
  if (!(a > 0 && b > 0)) return 'not comparable (a value is missing)';
  const ratio = b / a;
  if (ratio < 1.1 && ratio > 1 / 1.1) return 'about the same';
  return ratio >= 1 ? `${ratio.toFixed(1)}× ${more}` : `${(1 / ratio).toFixed(1)}× ${less}`;
}

/** 101 quantiles (p0 … p100) of `values`, for a CDF; empty for no values. */
export function quantiles(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number);
}

/** The share of message numbers 0 … sent−1 that arrived, per bin of consecutive numbers (at most 200 bins). */
export function deliveryBins(arrivals: readonly number[], sent: number): { binSize: number; shares: number[] } {
  const binSize = Math.max(1, Math.ceil(sent / 200));
  const bins = Math.ceil(sent / binSize);
  const seen = new Set(arrivals.filter((seq) => seq >= 0 && seq < sent));
  const shares = Array.from({ length: bins }, (_, b) => {
    const from = b * binSize;
    const to = Math.min(sent, from + binSize);
    let got = 0;
    for (let seq = from; seq < to; seq++) if (seen.has(seq)) got += 1;
    return got / (to - from);
  });
  return { binSize, shares };
}
