/** `udp-probe`: parse, probe every target, a status line per report, the summary per target on stop. */
import { probe, type Prober, type ProbeReport } from '../probe/prober.js';
import type { MetricsServer } from '../metrics/serve.js';
import type { CliIO } from './io.js';
import { put } from './output.js';
import { parseProbeArgs, type ProbeConfig } from './probe-args.js';
import { reportJson, reportLine, summaryJson, summaryLine } from './probe-lines.js';
import { runCommand } from './run.js';
import { startProbeWeb, type CommandWeb } from './web.js';

/** With --metrics, /metrics served from the prober's summaries; a port that cannot be bound stops the prober. */
async function startMetrics(io: CliIO, config: ProbeConfig, prober: Prober): Promise<MetricsServer | undefined> {
  if (config.metrics === undefined) return undefined;
  const { serveProbeMetrics } = await import('../metrics/serve.js');
  try {
    const server = await serveProbeMetrics(prober, config.metrics);
    put(io.stderr, `metrics on ${server.url}\n`);
    return server;
  } catch (error) {
    await prober.close();
    throw error;
  }
}

/** Runs `udp-probe` with `argv` (without node and script); resolves to the exit code. */
export function probeMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-probe', io, async () => {
    const config = await parseProbeArgs(argv, io);
    if (!config) return 0;
    let web: CommandWeb<ProbeReport> | undefined = undefined;
    const write = (report: ProbeReport): void => {
      web?.push(report);
      if (config.format === 'json') put(io.stdout, reportJson(report));
      else put(io.stderr, reportLine(report));
    };
    const prober = await probe({ ...config, signal: io.signal }, write);
    const metrics = await startMetrics(io, config, prober);
    web = await startProbeWeb(io, config.web, prober, () => Promise.all([metrics?.close(), prober.close()]));
    await prober.done;
    await metrics?.close();
    await web?.close();
    for (const summary of prober.summary()) {
      put(io.stderr, summaryLine(summary));
      if (config.format === 'json') put(io.stdout, summaryJson(summary));
    }
    return 0;
  });
}
