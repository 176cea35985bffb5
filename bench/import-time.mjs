// The library's import time: `node -e` importing udpkit (ESM) or requiring it (CommonJS), the files package.json
// "exports" names for a user, against a bare `node -e ''`, interleaved. bench/run.mjs (section 5b) uses it; alone,
// `node bench/import-time.mjs [--runs N] [--per-run N]` measures only this (after `npm run build`) and prints it.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run, summarize } from './lib.mjs';

const node = process.execPath;

/** The three commands; resolving udpkit (to dist/) when called, so that importing this file needs no build. */
function commands() {
  const esm = fileURLToPath(import.meta.resolve('udpkit'));
  const cjs = createRequire(import.meta.url).resolve('udpkit');
  return {
    bare: ['-e', ''],
    esm: ['--input-type=module', '-e', `await import(${JSON.stringify(esm)})`],
    cjs: ['-e', `require(${JSON.stringify(cjs)})`],
  };
}

/** The target: importing udpkit costs at most this many times a bare `node -e ''`. */
export const IMPORT_TARGET = 1.5;

async function time(args) {
  const t0 = performance.now();
  await run(node, args);
  return performance.now() - t0;
}

/**
 * Wall times in ms of a bare `node -e ''`, `await import('udpkit')` and `require('udpkit')`: `perRun` of each,
 * interleaved, in each of `runs` runs (after 3 warm-ups each); returns the median of every run, per command.
 */
export async function importTimes({ runs, perRun, note = () => undefined }) {
  const all = commands();
  for (let i = 0; i < 3; i++) for (const args of Object.values(all)) await time(args);
  const medians = { bare: [], esm: [], cjs: [] };
  for (let r = 0; r < runs; r++) {
    note(`import time: ${perRun} runs each, interleaved, run ${r + 1}/${runs}`);
    const samples = { bare: [], esm: [], cjs: [] };
    for (let i = 0; i < perRun; i++) {
      for (const [name, args] of Object.entries(all)) samples[name].push(await time(args));
    }
    for (const name of Object.keys(medians)) medians[name].push(summarize(samples[name]).median);
  }
  return medians;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const medians = await importTimes({ runs: flag('--runs', 3), perRun: flag('--per-run', 10), note: (text) => console.error(text) });
  const bare = summarize(medians.bare).median;
  console.log(`bare node -e '': median ${bare.toFixed(1)} ms (runs: ${medians.bare.map((v) => v.toFixed(1)).join(', ')})`);
  for (const name of ['esm', 'cjs']) {
    const median = summarize(medians[name]).median;
    const ratio = median / bare;
    const verdict = ratio <= IMPORT_TARGET ? 'met' : 'not met';
    console.log(`${name}: median ${median.toFixed(1)} ms, ${ratio.toFixed(2)}x bare (target <= ${IMPORT_TARGET}x: ${verdict}); runs: ${medians[name].map((v) => v.toFixed(1)).join(', ')}`);
  }
}
