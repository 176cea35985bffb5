// The responder's cost per answer, without sockets (run `npm run build` first): an exact rule against a regex rule
// run under its CPU-time budget (node:vm with a timeout), as the distribution of 20,000 answers each (and how many
// were answered: none may be refused on a busy machine); then how long the pathological /(a+)+$/ against 30,000
// `a`s and a `!` holds the listener (the budget is 20 ms of CPU).
// Usage: node bench/respond.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'respond');
const { Responder } = await import(pathToFileURL(join(dist, 'responder.js')).href);
const { parseRuleLine } = await import(pathToFileURL(join(dist, 'rules.js')).href);
const from = { address: '127.0.0.1', port: 40000, family: 'IPv4' };

for (const [label, line, payload] of [
  ['exact rule', 'READ? => TEMP=21', 'READ?'],
  ['prefix rule', 'GET* => VALUE {{1}}', 'GET key'],
  ['regex rule', '/^GET (\\w+)$/ => VALUE {{1}}', 'GET key'],
]) {
  const responder = new Responder([parseRuleLine(line)]);
  const bytes = Buffer.from(payload);
  for (let i = 0; i < 2000; i++) responder.answer(bytes, from);
  const times = [];
  let answered = 0;
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    if (responder.answer(bytes, from) !== undefined) answered += 1;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (f) => (times[Math.floor(f * (times.length - 1))] * 1000).toFixed(1);
  // An answer not given is no answer measured: a regex refused as over budget, then its sender cooling down, is fast.
  const { timeouts, reruns } = responder.budget;
  console.log(`${label} (${line}): µs per answer: median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}; ${answered} of 20000 answered, ${timeouts} over budget, ${reruns} re-run`);
}
const evil = new Responder([parseRuleLine('/(a+)+$/ => never')]);
const { threadCpuMs } = await import(pathToFileURL(join(dist, 'cpu-clock.js')).href);
const t0 = performance.now();
const cpu0 = threadCpuMs();
evil.answer(Buffer.from(`${'a'.repeat(30_000)}!`), from);
const cpu = threadCpuMs() - cpu0;
console.log(`/(a+)+$/ against 30,000 a and !: stopped after ${(performance.now() - t0).toFixed(1)} ms, ${cpu.toFixed(1)} ms of CPU (budget 20 ms of CPU)`);
