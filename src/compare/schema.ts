/** The zod schema of `udp-compare --format json`: what a consumer of the report may rely on. */
import { z } from 'zod';
import { SCENARIO_NAMES } from './types.js';

const cell = z.object({
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  unit: z.string().optional(),
});

/** One scenario's result. */
export const scenarioResultSchema = z.object({
  name: z.enum(SCENARIO_NAMES),
  title: z.string(),
  status: z.enum(['ok', 'skipped', 'failed']),
  reason: z.string().optional(),
  sentence: z.string().optional(),
  rows: z.array(z.object({ measurement: z.string(), udp: cell, tcp: cell })),
  durationMs: z.number().nonnegative(),
});

/** The whole report. */
export const compareReportSchema = z.object({
  tool: z.literal('udp-compare'),
  version: z.string(),
  startedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  machine: z.object({ platform: z.string(), kernel: z.string(), node: z.string(), cpus: z.number().int().positive() }),
  workload: z.object({
    messages: z.number().int().positive(),
    size: z.number().int().positive(),
    rate: z.number().nonnegative(),
    loss: z.number().min(0).max(1),
    duplicate: z.number().min(0).max(1),
    target: z.string(),
  }),
  scenarios: z.array(scenarioResultSchema),
});
