/** Runs the chosen scenarios against a target and gathers one report; never prints. */
import { cpus, release } from 'node:os';
import { VERSION } from '../version.js';
import { formatEndpoint } from '../format/endpoint.js';
import { SCENARIOS } from './scenarios/index.js';
import { remoteTarget, startLocalTarget } from './target.js';
import type { CompareReport, ScenarioName, ScenarioResult, Workload } from './types.js';

/** Options of {@link runCompare}. */
export interface CompareOptions {
  /** A remote echo pair; omitted for in-process listeners on loopback. */
  remote?: { host: string; port: number } | undefined;
  /** Which scenarios to run; all when empty. */
  scenarios?: readonly ScenarioName[] | undefined;
  workload: Workload;
  /** Progress text, for a status line. */
  onProgress?: ((text: string) => void) | undefined;
  /** Stops between scenarios when aborted; a scenario that fails after it is reported as interrupted. */
  signal?: AbortSignal | undefined;
}

/** Runs the scenarios one after another; a failing scenario is reported as failed and the rest still run. */
export async function runCompare(options: CompareOptions): Promise<CompareReport> {
  const started = performance.now();
  const startedAt = Date.now();
  const running = options.remote ? await remoteTarget(options.remote.host, options.remote.port) : await startLocalTarget();
  const chosen = SCENARIOS.filter((s) => !options.scenarios?.length || options.scenarios.includes(s.name));
  const results: ScenarioResult[] = [];
  try {
    for (const [index, scenario] of chosen.entries()) {
      const t0 = performance.now();
      const base = { name: scenario.name, title: scenario.title };
      const progress = (text: string): void => options.onProgress?.(`[${index + 1}/${chosen.length}] ${text}`);
      progress(scenario.title);
      if (options.signal?.aborted) {
        results.push({ ...base, status: 'skipped', reason: 'interrupted', rows: [], durationMs: 0 });
        continue;
      }
      if (scenario.localOnly && !running.target.local) {
        results.push({ ...base, status: 'skipped', reason: 'local only: needs control of the far side', rows: [], durationMs: 0 });
        continue;
      }
      const unavailable = await scenario.unavailable?.();
      if (unavailable) {
        results.push({ ...base, status: 'skipped', reason: unavailable, rows: [], durationMs: 0 });
        continue;
      }
      try {
        const { rows, sentence, series, plots } = await scenario.run({ target: running.target, workload: options.workload, progress });
        results.push({
          ...base,
          status: 'ok',
          sentence,
          rows,
          ...(series === undefined ? {} : { series }),
          ...(plots === undefined ? {} : { plots }),
          durationMs: performance.now() - t0,
        });
      } catch (error) {
        // Interrupted: the peers and namespaces were removed under the scenario; that is not a failure to measure.
        if (options.signal?.aborted) {
          results.push({ ...base, status: 'skipped', reason: 'interrupted', rows: [], durationMs: performance.now() - t0 });
          continue;
        }
        const reason = error instanceof Error ? error.message : String(error);
        results.push({ ...base, status: 'failed', reason, rows: [], durationMs: performance.now() - t0 });
      }
    }
  } finally {
    await running.close();
  }
  return {
    tool: 'udp-compare',
    version: VERSION,
    startedAt,
    durationMs: performance.now() - started,
    machine: { platform: process.platform, kernel: release(), node: process.version, cpus: cpus().length },
    workload: {
      ...options.workload,
      target: options.remote ? formatEndpoint({ address: options.remote.host, port: options.remote.port }) : 'loopback (in-process echo listeners)',
    },
    scenarios: results,
  };
}
