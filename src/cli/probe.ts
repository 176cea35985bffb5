/** `udp-probe`: parse, probe every target, a status line per report, the summary per target on stop. */
import { probe, type ProbeReport } from '../probe/prober.js';
import type { CliIO } from './io.js';
import { put } from './output.js';
import { parseProbeArgs } from './probe-args.js';
import { reportJson, reportLine, summaryJson, summaryLine } from './probe-lines.js';
import { runCommand } from './run.js';

/** Runs `udp-probe` with `argv` (without node and script); resolves to the exit code. */
export function probeMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-probe', io, async () => {
    const config = await parseProbeArgs(argv, io);
    if (!config) return 0;
    const write = (report: ProbeReport): void => {
      if (config.format === 'json') put(io.stdout, reportJson(report));
      else put(io.stderr, reportLine(report));
    };
    const prober = await probe({ ...config, signal: io.signal }, write);
    const metrics = config.metrics === undefined ? undefined : await (await import('../metrics/serve.js')).serveProbeMetrics(prober, config.metrics);
    if (metrics !== undefined) put(io.stderr, `metrics on ${metrics.url}\n`);
    await prober.done;
    await metrics?.close();
    for (const summary of prober.summary()) {
      put(io.stderr, summaryLine(summary));
      if (config.format === 'json') put(io.stdout, summaryJson(summary));
    }
    return 0;
  });
}
