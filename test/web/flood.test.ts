/**
 * `udp-listen --web` under a flood (sockperf paced at 100,000 datagrams/s for 10 s when it is installed, else a
 * Python sender as fast as it can): the page's JS heap (DevTools protocol) stays under 100 MB, it shows how many
 * records it skipped, pause holds the log, and the record file has every datagram the listener counted. How soon a
 * click on pause takes effect is measured and printed (a figure for docs/BENCHMARKS.md, not an assertion).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sleep, startProcess, type Running } from '../helpers.js';
import { noBrowser, openTestPage, pythonPeer, sharedBrowser, startWebListen } from './browser.js';

const SOCKPERF = spawnSync('sockperf', ['--version'], { encoding: 'utf8' }).status === 0;
if (noBrowser) console.log(`web view under a flood skipped: ${noBrowser}`);
else if (!SOCKPERF) console.log('sockperf is not installed (.ci/run installs it): the flood is a Python sender as fast as it can, not paced');

const shared = sharedBrowser();

/** Flood seconds, and the rate sockperf is asked for. */
const SECONDS = 10;
const RATE = 100_000;

/** The flood: sockperf paced, or Python unpaced; `done` resolves with the count it says it sent. */
async function flood(port: number): Promise<{ run: Running; done: Promise<number>; how: string }> {
  if (SOCKPERF) {
    const run = startProcess('sockperf', ['throughput', '-i', '127.0.0.1', '-p', String(port), `--mps=${RATE}`, '-t', String(SECONDS), '-m', '64'], { timeoutMs: (SECONDS + 20) * 1000 });
    const done = run.stdout.waitFor(/Total of (\d+) messages sent/, (SECONDS + 20) * 1000).then((m) => Number(m[1]));
    return { run, done, how: `sockperf --mps=${RATE} -t ${SECONDS} -m 64` };
  }
  const run = await pythonPeer('flood', port, String(RATE * SECONDS), '64');
  return { run, done: run.stdout.waitFor(/sent (\d+)/, 40_000).then((m) => Number(m[1])), how: 'python3 fixtures/udp-peer.py flood (unpaced)' };
}

/** The number a counter of the page shows. */
async function counter(page: Page, id: string): Promise<number> {
  return Number(((await page.evaluate(`document.getElementById(${JSON.stringify(id)}).textContent`)) as string).replace(/,/g, ''));
}

/**
 * Listens for clicks on pause after the page's own handler: how long after the input event the handler had run, and
 * the next frame after it (both from the event's timestamp, so the main thread's queue is counted); and the main
 * thread's long tasks (over 50 ms: what would hold a click back).
 */
const MEASURE_PAUSE = `window.__pause = [];
window.__long = { count: 0, total: 0, max: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__long.count += 1;
    window.__long.total += e.duration;
    window.__long.max = Math.max(window.__long.max, e.duration);
  }
}).observe({ type: 'longtask' });
document.getElementById('pause').addEventListener('click', (e) => {
  const handled = performance.now() - e.timeStamp;
  requestAnimationFrame(() => setTimeout(() => window.__pause.push([handled, performance.now() - e.timeStamp]), 0));
});`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

describe.skipIf(noBrowser !== undefined)('udp-listen --web under a flood', () => {
  it('the page\'s heap stays under 100 MB, it says how much it skipped, pause holds; the record file has every datagram', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-web-flood-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'records.txt');
    const fd = openSync(file, 'w');
    const run = await startWebListen([], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    onTestFinished(() => void run.child.kill());
    const page = await openTestPage(shared(), run.url);
    await page.evaluate(MEASURE_PAUSE);
    const heaps: number[] = [];
    const sender = await flood(run.udpPort);
    onTestFinished(() => void sender.run.child.kill());
    let finished = false;
    void sender.done.finally(() => (finished = true));
    const started = Date.now();
    const seen: number[] = [];
    let clicks = 0;
    let rowsWhenPaused = -1;
    // Every ~250 ms the heap; from 2 s on, a click on pause every ~1.5 s (five: it ends paused).
    for (let turn = 0; turn < 400 && !finished; turn++) {
      heaps.push((await page.metrics()).JSHeapUsedSize ?? 0);
      if (clicks < 5 && Date.now() - started > 2000 + clicks * 1500) {
        const before = Date.now();
        await page.click('#pause');
        clicks += 1;
        await page.waitForFunction(`document.body.classList.contains('paused') === ${clicks % 2 === 1}`, { timeout: 5000 });
        seen.push(Date.now() - before);
        if (clicks === 5) rowsWhenPaused = (await page.evaluate(`document.querySelectorAll('#log tbody tr').length`)) as number;
      }
      await sleep(250);
    }
    const sent = await sender.done;
    await sleep(1500);
    heaps.push((await page.metrics()).JSHeapUsedSize ?? 0);
    expect(clicks).toBe(5);
    expect(await page.evaluate(`document.body.classList.contains('paused')`)).toBe(true);
    expect(await page.evaluate(`document.querySelectorAll('#log tbody tr').length`)).toBe(rowsWhenPaused);
    const skipped = await counter(page, 'c-skipped');
    const shown = await counter(page, 'c-records');
    expect(skipped).toBeGreaterThan(0);
    expect(await counter(page, 'c-held')).toBeGreaterThan(0);
    const peak = Math.max(...heaps) / 2 ** 20;
    expect(peak).toBeLessThan(100);
    const pauses = (await page.evaluate('window.__pause')) as [number, number][];
    const long = (await page.evaluate('window.__long')) as { count: number; total: number; max: number };
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
    const summary = /summary: ([\d,]+) datagrams, .*?\(([\d,]+) datagrams\/s\)(?:, kernel drops ([\d,]+))?/.exec(run.stderr.text);
    const count = Number((summary?.[1] ?? '').replace(/,/g, ''));
    expect(count).toBe(shown);
    expect(run.stderr.text).not.toMatch(/dropped|not written/);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(count);
    console.log(
      `web flood (${sender.how}): ${sent} sent, ${count} received and written (${summary?.[2] ?? '?'} datagrams/s over the run; kernel drops ${summary?.[3] ?? '0'}), ` +
        `${skipped} rows skipped by the page; page JS heap peak ${peak.toFixed(1)} MB; pause clicks: handler ran after ${pauses.map((p) => p[0].toFixed(0)).join(', ')} ms ` +
        `(median ${median(pauses.map((p) => p[0])).toFixed(0)}), next frame after ${pauses.map((p) => p[1].toFixed(0)).join(', ')} ms (median ${median(pauses.map((p) => p[1])).toFixed(0)}); ` +
        `seen by the test over CDP after ${seen.join(', ')} ms; long tasks on the page's main thread: ${long.count} (longest ${long.max.toFixed(0)} ms, ${long.total.toFixed(0)} ms in all)`,
    );
  }, 90_000);
});
