// udp-probe under load (issue 19): TARGETS (default 100) targets at 10 ms (10,000 probes a second) against one udp-listen --echo on
// 100 loopback ports, for DURATION seconds (default 60); peak RSS of the prober, its loss, and its /metrics scraped
// 100 times a second: every scrape must answer. Run: npm run build && node bench/probe.mjs [seconds [scrapes/s [targets]]]
/* global fetch */
import { peakRss, cpuSeconds, sleep, start } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 60);
/** Scrapes a second (default 100; 0: none, to see the prober alone). */
const rate = Number(process.argv[3] ?? 100);
const TARGETS = Number(process.argv[4] ?? 100);
const bins = new URL('../dist/bin/', import.meta.url).pathname;

const echo = start(process.execPath, [`${bins}udp-listen.cjs`, '--echo', '--echo-rate', '0', '--host', '127.0.0.1', '-f', 'json', ...Array(TARGETS).fill('0')], { stdout: 'ignore', maxMs: (seconds + 60) * 1000 });
const listening = await echo.waitFor(/listening on udp 127\.0\.0\.1:(\d+), and ports ([\d, -]+) \(/);
const ports = [Number(listening[1]), ...listening[2].split(', ').flatMap((part) => {
  const [a, b] = part.split('-').map(Number);
  return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
})];
if (ports.length !== TARGETS) throw new Error(`expected ${TARGETS} ports, got ${ports.length}: ${listening[0]}`);
const targets = ports.map((port) => `127.0.0.1:${port}`);
const prober = start(process.execPath, [`${bins}udp-probe.cjs`, '--interval', '10ms', '--timeout', '1s', '--report', '1h', '--duration', `${seconds}s`, '--metrics', '0', ...targets], { maxMs: (seconds + 60) * 1000 });
const url = (await prober.waitFor(/metrics on (\S+)\n/))[1];

// `rate` scrapes a second (100: one started every 10 ms) whatever the earlier ones do (at most 2,000 in flight): each must
// answer with the metrics.
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
const scraping = (async () => {
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
})();
await scraping;
// Read while the prober still runs (it ends with --duration): its last second is only the final wait.
const rss = peakRss(prober.pid);
const cpu = cpuSeconds(prober.pid);
const result = await prober.exited;
await echo.stop();
const totals = result.stderr.split('\n').map((line) => /: (\d+) sent, (\d+) received, (\d+) lost/.exec(line)).filter(Boolean);
const sum = (i) => totals.reduce((n, m) => n + Number(m[i]), 0);
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({
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
  scrapeMsP50: Math.round(latencies[Math.floor(latencies.length / 2)] * 100) / 100,
  scrapeMsP99: Math.round(latencies[Math.floor(latencies.length * 0.99)] * 100) / 100,
}));
