/** The zod schema of `udp-compare --format json`: what a consumer of the report may rely on. */
import * as z from 'zod/mini';
import { SCENARIO_NAMES } from './types.js';

const cell = z.object({
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  unit: z.optional(z.string()),
  reason: z.optional(z.string()),
});

/** One scenario's result. */
export const scenarioResultSchema = z.object({
  name: z.enum(SCENARIO_NAMES),
  title: z.string(),
  status: z.enum(['ok', 'skipped', 'failed']),
  reason: z.optional(z.string()),
  sentence: z.optional(z.string()),
  series: z.optional(
    z.object({
      udp: z.array(z.object({ t: z.number(), mbps: z.number().check(z.nonnegative()), delayMs: z.union([z.number(), z.null()]) })),
      tcp: z.array(z.object({ t: z.number(), mbps: z.number().check(z.nonnegative()), delayMs: z.union([z.number(), z.null()]) })),
    }),
  ),
  plots: z.optional(
    z.object({
      cdf: z.optional(z.object({ label: z.string(), unit: z.string(), udp: z.array(z.number()), tcp: z.array(z.number()) })),
      delivery: z.optional(z.object({ binSize: z.int().check(z.positive()), udp: z.array(z.number()), tcp: z.array(z.number()) })),
      blocks: z.optional(z.object({ sent: z.array(z.number()), udp: z.array(z.number()), tcp: z.array(z.number()) })),
    }),
  ),
  rows: z.array(
    z.object({
      id: z.string().check(z.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
      measurement: z.string(),
      udp: cell,
      tcp: cell,
      change: z.optional(z.object({ udp: z.union([z.number(), z.null()]), tcp: z.union([z.number(), z.null()]) })),
    }),
  ),
  durationMs: z.number().check(z.nonnegative()),
});

/** When a run started: milliseconds since the epoch. */
const epochMs = z.int().check(z.nonnegative());

/** The whole report. */
export const compareReportSchema = z.object({
  tool: z.literal('udp-compare'),
  version: z.string(),
  startedAt: epochMs,
  durationMs: z.number().check(z.nonnegative()),
  machine: z.object({ platform: z.string(), kernel: z.string(), node: z.string(), cpus: z.int().check(z.positive()) }),
  workload: z.object({
    messages: z.int().check(z.positive()),
    size: z.int().check(z.positive()),
    rate: z.number().check(z.nonnegative()),
    loss: z.number().check(z.gte(0), z.lte(1)),
    duplicate: z.number().check(z.gte(0), z.lte(1)),
    linkRate: z.number().check(z.positive()),
    linkBufferMs: z.number().check(z.positive()),
    target: z.string(),
  }),
  scenarios: z.array(scenarioResultSchema),
  baseline: z.optional(z.object({ startedAt: epochMs, version: z.string() })),
});

/** A start time as the report gives it now, or as the ISO string of reports written before it was a number; read as a number. */
const startedAtEither = z.union([epochMs, z.pipe(z.iso.datetime(), z.transform((iso) => Date.parse(iso)))]);

/**
 * How `--baseline` reads an earlier report: {@link compareReportSchema}, but a report saved by an older version, whose
 * `startedAt` was an ISO string, still reads (its times become numbers).
 */
export const baselineReportSchema = z.extend(compareReportSchema, {
  startedAt: startedAtEither,
  baseline: z.optional(z.object({ startedAt: startedAtEither, version: z.string() })),
});
