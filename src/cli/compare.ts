/** `udp-compare`: run the scenarios, show progress on a terminal, print the report in the chosen format. */
import { runCompare } from '../compare/run.js';
import { renderJson, renderMarkdown, renderText } from '../compare/render.js';
import { UdpkitError } from '../errors.js';
import { parseCompareArgs } from './compare-args.js';
import type { CliIO } from './io.js';
import { runCommand } from './run.js';
import { put } from './output.js';

/** Exit code of a run ended by a signal (128 + SIGINT), as shells report Ctrl+C. */
export const EXIT_INTERRUPTED = 130;

/** Runs `udp-compare` with `argv`; resolves to the exit code (75 when a scenario failed). */
export function compareMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-compare', io, async () => {
    const config = await parseCompareArgs(argv, io);
    if (!config) return 0;
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
    const report = await runCompare({
      remote: config.remote,
      scenarios: config.scenarios,
      workload: config.workload,
      signal: io.signal,
      onProgress: tty ? (text) => io.stderr.write(`\r\x1b[K${text}`) : undefined,
    });
    if (tty) io.stderr.write('\r\x1b[K');
    const render = config.format === 'json' ? renderJson : config.format === 'markdown' ? renderMarkdown : renderText;
    put(io.stdout, render(report));
    if (io.signal?.aborted) {
      put(io.stderr, 'udp-compare: interrupted: every namespace and peer process it made was removed\n');
      return EXIT_INTERRUPTED;
    }
    const failed = report.scenarios.filter((s) => s.status === 'failed');
    if (failed.length > 0) {
      throw new UdpkitError('E_TIMEOUT', `${failed.length} scenario(s) failed: ${failed.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
    }
    return 0;
  });
}
