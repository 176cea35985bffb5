/** `udp-compare`: run the scenarios, show progress on a terminal, print the report in the chosen format. */
import { runCompare } from '../compare/run.js';
import { isoText, renderJson, renderMarkdown, renderText } from '../compare/render.js';
import { renderHtml } from '../compare/html.js';
import { withBaseline } from '../compare/baseline.js';
import { baselineReportSchema } from '../compare/schema.js';
import type { CompareReport } from '../compare/types.js';
import { show } from '../format/show.js';
import { UdpkitError } from '../errors.js';
import { ioFailed, unreadable } from './file-errors.js';
import { parseCompareArgs } from './compare-args.js';
import { prepareSaveDir } from './save-dir.js';
import type { CliIO } from './io.js';
import { runCommand } from './run.js';
import { put } from './output.js';

/** Exit code of a run ended by a signal (128 + SIGINT), as shells report Ctrl+C. */
export const EXIT_INTERRUPTED = 130;

/**
 * Reads an earlier JSON report.
 * @throws UdpkitError E_NO_INPUT (unreadable), E_DATA (not a udp-compare JSON report)
 */
async function readBaseline(path: string): Promise<CompareReport> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(error, `cannot read --baseline ${show(path)}`);
  }
  try {
    return baselineReportSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new UdpkitError('E_DATA', `--baseline ${show(path)} is not a udp-compare JSON report (write one with --save or -f json)`, { cause: error });
  }
}

/**
 * Writes `udp-compare-STAMP.json` and `.html` into `dir` (made if missing), and `last.json` beside them for the
 * next run's --baseline; returns the HTML's path.
 * @throws UdpkitError E_IO naming the directory
 */
async function saveReport(dir: string, report: CompareReport): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const join = (...parts: string[]): string => path.join(...parts);
  const stamp = isoText(report.startedAt).replace(/[:.]/g, '-');
  const html = path.resolve(join(dir, `udp-compare-${stamp}.html`));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `udp-compare-${stamp}.json`), renderJson(report));
    await writeFile(join(dir, 'last.json'), renderJson(report));
    await writeFile(html, renderHtml(report));
  } catch (error) {
    throw ioFailed(error, `cannot write the report to --save ${show(dir)}`);
  }
  return html;
}

/** Runs `udp-compare` with `argv`; resolves to the exit code (75 when a scenario failed). */
export function compareMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-compare', io, async () => {
    const config = await parseCompareArgs(argv, io);
    if (!config) return 0;
    // Read before the run: a baseline that cannot be used is a usage error now, not after a minute of measuring.
    const baseline = config.baseline === undefined ? undefined : await readBaseline(config.baseline);
    // And --save made ready: a path that cannot hold the report fails now (73), not after the run.
    if (config.save !== undefined) await prepareSaveDir(config.save);
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
    const measured = await runCompare({
      remote: config.remote,
      scenarios: config.scenarios,
      workload: config.workload,
      signal: io.signal,
      onProgress: tty ? (text) => io.stderr.write(`\r\x1b[K${text}`) : undefined,
    });
    if (tty) io.stderr.write('\r\x1b[K');
    const shown = baseline === undefined ? measured : withBaseline(measured, baseline);
    const render = { json: renderJson, markdown: renderMarkdown, html: renderHtml, text: renderText }[config.format];
    put(io.stdout, render(shown));
    if (config.save !== undefined) put(io.stderr, `report: ${await saveReport(config.save, shown)}\n`);
    if (io.signal?.aborted) {
      put(io.stderr, 'udp-compare: interrupted: every namespace and peer process it made was removed\n');
      return EXIT_INTERRUPTED;
    }
    const failed = measured.scenarios.filter((s) => s.status === 'failed');
    if (failed.length > 0) {
      throw new UdpkitError('E_TIMEOUT', `${failed.length} scenario(s) failed: ${failed.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
    }
    return 0;
  });
}
