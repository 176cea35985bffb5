// udp-probe under load (issue 19): TARGETS (default 100) targets at 10 ms (10,000 probes a second) against one udp-listen --echo on
// 100 loopback ports, for DURATION seconds; peak RSS of the prober, its loss, and its /metrics scraped 100 times a
// second: every scrape must answer. Called by run.mjs (section 8), or alone:
//   npm run build && node bench/probe.mjs [seconds [scrapes/s [targets]]]   (default 60 100 100; prints JSON)
/* global fetch */
import { fileURLToPath } from 'node:url';
import { peakRss, cpuSeconds, sleep, start } from './lib.mjs';

const bins = new URL('../dist/bin/', import.meta.url).pathname;

/** One udp-listen --echo on `count` loopback ports; resolves with it and the targets `127.0.0.1:PORT`. */
async function echoServer(count, seconds) {
  const echo = start(process.execPath, [`${bins}udp-listen.cjs`, '--echo', '--echo-rate', '0', '--host', '127.0.0.1', '-f', 'json', ...Array(count).fill('0')], { stdout: 'ignore', maxMs: (seconds + 60) * 1000 });
  const listening = await echo.waitFor(/listening on udp 127\.0\.0\.1:(\d+)(?:, and ports ([\d, -]+) \(|\n)/);
  const ports = [Number(listening[1]), ...(listening[2] ?? '').split(', ').filter(Boolean).flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
  })];
  if (ports.length !== count) throw new Error(`expected ${count} ports, got ${ports.length}: ${listening[0]}`);
  return { echo, targets: ports.map((port) => `127.0.0.1:${port}`) };
}

/**
 * `rate` scrapes a second of `url` (one started every 1/rate s whatever the earlier ones do, at most 2,000 in
 * flight) for `seconds` − 1; each must answer with the metrics. Then waits out the run's last second.
 */
async function scrapeFor(url, seconds, rate) {
  let ok = 0;
  let failed = 0;
  const latencies = [];
  const scrape = async () => {
    const t0 = performance.now();
    try {
      const response = await fetch(url);
      const body = await response.text();
      if (response.ok && body.includes('udpkit_probe_sent_total')) ok += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
    latencies.push(performance.now() - t0);
  };
  const inFlight = new Set();
  const t0 = performance.now();
  for (let i = 0; i < (seconds - 1) * rate; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= 2000) await Promise.race(inFlight);
    const p = scrape().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  // Without scrapes (or when they ended early), wait for the run's last second before reading its peak RSS.
  const left = t0 + (seconds - 1) * 1000 - performance.now();
  if (left > 0) await sleep(left);
  latencies.sort((a, b) => a - b);
  return { ok, failed, latencies };
}

/** One run: `targets` targets at 10 ms for `seconds`, scraped `rate` times a second; the prober's figures. */
export async function probeRun(seconds, rate, targetCount) {
  const { echo, targets } = await echoServer(targetCount, seconds);
  const prober = start(process.execPath, [`${bins}udp-probe.cjs`, '--interval', '10ms', '--timeout', '1s', '--report', '1h', '--duration', `${seconds}s`, '--metrics', '0', ...targets], { maxMs: (seconds + 60) * 1000 });
  const url = (await prober.waitFor(/metrics on (\S+)\n/))[1];
  // VmHWM and the CPU time are readable only while the prober lives: read twice a second, the last reading kept.
  let rss = 0;
  let cpu = 0;
  const sample = () => {
    const [peak, used] = [peakRss(prober.pid), cpuSeconds(prober.pid)];
    if (Number.isFinite(peak)) rss = Math.max(rss, peak);
    if (Number.isFinite(used)) cpu = used;
  };
  const sampler = setInterval(sample, 500);
  const { ok, failed, latencies } = await scrapeFor(url, seconds, rate);
  sample();
  const result = await prober.exited;
  clearInterval(sampler);
  await echo.stop();
  const totals = result.stderr.split('\n').map((line) => /: (\d+) sent, (\d+) received, (\d+) lost/.exec(line)).filter(Boolean);
  const sum = (i) => totals.reduce((n, m) => n + Number(m[i]), 0);
  const at = (q) => (latencies.length === 0 ? undefined : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] * 100) / 100);
  return {
    seconds,
    targets: totals.length,
    sent: sum(1),
    received: sum(2),
    lost: sum(3),
    proberPeakRssMb: Math.round((rss / 2 ** 20) * 10) / 10,
    proberCpuSeconds: cpu,
    scrapes: ok + failed,
    scrapesFailed: failed,
    scrapesPerSecond: Math.round(((ok + failed) / seconds) * 10) / 10,
    scrapeMsP50: at(0.5),
    scrapeMsP99: at(0.99),
  };
}

/**
 * The udp-probe figures for run.mjs: one run of 100 targets at 10 ms scraped 100 times a second (60 s, or 10 s with
 * --quick), beside a baseline from the same run: one target, no scrapes, as long (what the process costs alone).
 * `ctx`: { quick, figure, ratioOf, note } from run.mjs.
 */
export async function probeBench({ quick, figure, ratioOf, note }) {
  const seconds = quick ? 10 : 60;
  note(`udp-probe: 1 target at 10 ms, no scrapes, ${seconds}s (baseline)`);
  const alone = await probeRun(seconds, 0, 1);
  note(`udp-probe: 100 targets at 10 ms, /metrics scraped 100/s, ${seconds}s`);
  const loaded = await probeRun(seconds, 100, 100);
  const base = figure('probe:rss:1', `udp-probe peak RSS, 1 target at 10 ms, no scrapes, ${seconds}s`, 'MB', [alone.proberPeakRssMb]);
  const rss = figure('probe:rss:100', `udp-probe peak RSS, 100 targets at 10 ms (10,000 probes/s), /metrics scraped 100/s, ${seconds}s`, 'MB', [loaded.proberPeakRssMb]);
  rss.vsBaseline = ratioOf(rss, base);
  rss.target = { text: '< 150 MB (test/probe/memory.test.ts)', met: rss.max < 150 };
  const answered = figure('probe:scrapes', `udp-probe /metrics scrapes answered of ${loaded.scrapes} (100/s, 100 targets)`, '%', [loaded.scrapes === 0 ? 0 : (100 * (loaded.scrapes - loaded.scrapesFailed)) / loaded.scrapes]);
  answered.target = { text: 'every one (issue 19)', met: loaded.scrapesFailed === 0 && loaded.scrapes > 0 };
  figure('probe:scrape:p99', 'udp-probe /metrics scrape time p99 at 100 scrapes/s, 100 targets', 'ms', [loaded.scrapeMsP99]);
  figure('probe:loss', `udp-probe probes lost on loopback of ${loaded.sent} (100 targets at 10 ms, prober and echo server sharing the machine)`, '%', [loaded.sent === 0 ? 0 : (100 * loaded.lost) / loaded.sent]);
}

/** Run alone: one run printed as JSON, docs untouched. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 60);
  /** Scrapes a second (default 100; 0: none, to see the prober alone). */
  const rate = Number(process.argv[3] ?? 100);
  const targets = Number(process.argv[4] ?? 100);
  console.log(JSON.stringify(await probeRun(seconds, rate, targets)));
}
