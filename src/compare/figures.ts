/** Small statistics for the report: percentiles of a sample, and cells with units. */
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

/** A number rounded for reading, with its unit. */
export function num(value: number, unit: string): Cell {
  if (!Number.isFinite(value)) return { value: null, unit };
  return { value: Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)), unit };
}

/** An outcome in words (`success`, `ECONNREFUSED`). */
export function word(value: string): Cell {
  return { value };
}
