// The benchmark suite: udpkit side by side with socat, sockperf and bare Node, on loopback, in one run.
// Usage: npm run bench [-- --quick] [-- --receive [--flood] [--runs N]] [-- --web]. Reports; never fails on a missed target (exit 0 unless
// it could not run). Writes bench/results/<date>.json and the table in docs/BENCHMARKS.md; `--receive` runs only the
// receive figures (paced loss unless --flood, unpaced flood), N runs each, and prints its table without touching docs/BENCHMARKS.md.
import { createSocket } from 'node:dgram';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMPORT_TARGET, importTimes } from './import-time.mjs';
import { cpuSeconds, has, peakRss, percentile, progress, progressDone, run, sleep, start, stealMeter, summarize, versionOf } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
/** Only the web view's figures (section 2b): udp-listen with a page open against without. */
const webOnly = process.argv.includes('--web');
/** Only the receive figures (sections 1 and 2), for measuring the listener's hot path quickly. */
const receiveOnly = process.argv.includes('--receive') || webOnly;
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
const node = process.execPath;
const bin = (name) => join(root, `dist/bin/${name}.cjs`);
const baseline = (name) => join(root, `bench/baselines/${name}.mjs`);
const work = join(tmpdir(), `udpkit-bench-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const tools = { sockperf: versionOf('sockperf', ['--version']), socat: versionOf('socat', ['-V']) };
/** Who sends the floods: sockperf, or (loudly, and not comparable with runs that had it) a Node send loop. */
const floodSender = tools.sockperf ? 'sockperf tp -m 64 --mps=max' : 'bench/baselines/send-loop.mjs (SOCKPERF MISSING: not comparable)';
/** The sender as the receive figures' names give it. */
const by = tools.sockperf ? 'from sockperf' : 'from send-loop.mjs, NOT sockperf';
const missing = Object.entries(tools).filter(([, v]) => v === null).map(([k]) => k);
if (missing.length > 0) {
  console.error(`bench: ${missing.join(' and ')} not found: install with \`apt-get install -y sockperf socat\`; running what can run without.`);
}
for (const file of ['udp-listen', 'udp-send'].map(bin)) {
  try {
    statSync(file);
  } catch {
    console.error(`bench: ${file} is missing: run \`npm run build\` first (npm run bench does).`);
    process.exit(66);
  }
}

/**
 * Receivers and servers run on CPU 1, senders and clients on CPU 0 (when taskset and two CPUs are there), the
 * same for udpkit and for every baseline: the scheduler moving them about was most of the run-to-run noise.
 */
const pin = has('taskset') && cpus().length >= 2;
const RECEIVER_CPU = '1';
const SENDER_CPU = '0';
function on(cpu, command, args) {
  return pin ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}
const startOn = (cpu, command, args, options) => start(...on(cpu, command, args), options);
const runOn = (cpu, command, args, options) => run(...on(cpu, command, args), options);

/** A loopback port free right now (bound and released). */
async function freePort() {
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(resolve));
  return port;
}

/** Sends 64-byte datagrams to port for `seconds`, paced at `rate` (0: as fast as possible). Returns the count sent. */
async function blast(port, seconds, rate) {
  if (tools.sockperf) {
    const mps = rate > 0 ? String(rate) : 'max';
    const { stdout, stderr } = await runOn(SENDER_CPU, 'sockperf', ['tp', '-i', '127.0.0.1', '-p', String(port), '-m', '64', '-t', String(seconds), `--mps=${mps}`]);
    const match = /Total of (\d+) messages sent/.exec(stdout + stderr);
    if (!match) throw new Error(`sockperf: no total in ${stdout}${stderr}`);
    return Number(match[1]);
  }
  const count = rate > 0 ? rate * seconds : 400_000 * seconds;
  const { stdout } = await runOn(SENDER_CPU, node, [baseline('send-loop'), String(port), '--count', String(count), '--rate', String(rate)]);
  return JSON.parse(stdout).sent;
}

/** Starts udp-listen writing `format` records to a file; resolves once it listens. */
async function startListen(format, extra = []) {
  const file = join(work, `listen.${format}`);
  const fd = openSync(file, 'w');
  const proc = startOn(RECEIVER_CPU, node, [bin('udp-listen'), '--host', '127.0.0.1', '--format', format, ...extra, '0'], { stdout: fd });
  closeSync(fd);
  const match = await proc.waitFor(/listening on udp \S+:(\d+)/);
  return { proc, port: Number(match[1]), file };
}

/** Stops udp-listen with Ctrl+C; returns how many records it wrote (from its summary) and kernel drops. */
async function stopListen(listener) {
  const result = await listener.proc.stop('SIGINT');
  const match = /summary: (\d+) datagrams, .*kernel drops (\d+)/.exec(result.stderr);
  if (!match) throw new Error(`udp-listen: no summary in ${result.stderr}`);
  return { records: Number(match[1]), drops: Number(match[2]) };
}

/**
 * Writes a receiver's output file to disk and removes it, between runs: a flood leaves hundreds of megabytes of
 * dirty pages, and their writeback must not land on the next receiver's run (nor truncating them on its start).
 */
function discard(file) {
  try {
    const fd = openSync(file, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // not there: nothing to write back
  }
  rmSync(file, { force: true });
}

function lineCount(file) {
  const data = readFileSync(file);
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines += 1;
  return lines;
}

const results = [];
/** The share of the machine's CPU time the hypervisor took over the whole run (reported above the table). */
const runSteal = stealMeter();
let step = 0;
const began = performance.now();
const note = (text) => progress(`[${++step} ${((performance.now() - began) / 1000).toFixed(0)}s] ${text}`);

/** Records one figure: the values of its runs, its unit, and optionally its baseline figure and target. */
function figure(id, name, unit, values, extra = {}) {
  const entry = { id, name, unit, ...summarize(values), ...extra };
  results.push(entry);
  return entry;
}

function ratioOf(a, b) {
  return a.median / b.median;
}

// 1. Paced 100,000 datagrams/s for 3 s into udp-listen writing text and json to a file: lost datagrams.
if (!process.argv.includes('--flood') && !webOnly) {
  const seconds = quick ? 1 : 3;
  for (const format of ['text', 'json']) {
    const lost = [];
    const steal = [];
    for (let r = 0; r < RUNS; r++) {
      note(`paced 100k/s ${seconds}s → udp-listen -f ${format} > file, run ${r + 1}/${RUNS}`);
      const listener = await startListen(format);
      const stolen = stealMeter();
      const sent = await blast(listener.port, seconds, 100_000);
      steal.push(stolen());
      await sleep(200);
      const { records } = await stopListen(listener);
      const lines = lineCount(listener.file);
      discard(listener.file);
      lost.push(sent - Math.min(records, lines));
    }
    figure(`paced-${format}`, `udp-listen -f ${format} > file at 100,000 datagrams/s ${by} for ${seconds} s: datagrams lost`, 'datagrams', lost, {
      target: { text: `0 lost in ${RUNS} of ${RUNS} runs`, met: lost.every((v) => v === 0) },
      sender: tools.sockperf ? 'sockperf tp --mps=100000' : 'bench/baselines/send-loop.mjs --rate 100000',
      steal,
    });
  }
}

// 2. Unpaced flood: delivered per second by each receiver, and the CPU time each spent per datagram.
if (!webOnly) {
  const seconds = quick ? 1 : 3;
  const listen = (format) => async () => {
    const l = await startListen(format);
    return {
      port: l.port,
      pid: l.proc.pid,
      stop: async () => {
        const { records } = await stopListen(l);
        discard(l.file);
        return records;
      },
    };
  };
  const receivers = {
    'udp-listen -f text > file': listen('text'),
    'udp-listen -f json > file': listen('json'),
    'udp-listen -f raw > file': listen('raw'),
    'bare Node count-only': async () => {
      const proc = startOn(RECEIVER_CPU, node, [baseline('count-receiver'), '0', String(4 * 1024 * 1024)]);
      const port = Number((await proc.waitFor(/\{"ready":(\d+)\}/))[1]);
      return {
        port,
        pid: proc.pid,
        stop: async () => {
          const { stdout } = await proc.stop('SIGINT');
          return JSON.parse(stdout.trim().split('\n').at(-1)).datagrams;
        },
      };
    },
  };
  if (tools.socat) {
    receivers['socat -u UDP-RECV OPEN:file'] = async () => {
      const port = await freePort();
      const file = join(work, 'socat.out');
      const proc = startOn(RECEIVER_CPU, 'socat', ['-u', `UDP-RECV:${port},bind=127.0.0.1`, `OPEN:${file},creat,trunc`]);
      await sleep(200);
      return {
        port,
        pid: proc.pid,
        stop: async () => {
          await proc.stop('SIGTERM');
          const size = statSync(file).size;
          discard(file);
          return Math.floor(size / 64);
        },
      };
    };
  }
  // The C ceiling has no target: --quick leaves it out (every sockperf run costs its 2-second start).
  if (tools.sockperf && !quick) {
    receivers['sockperf sr (C, count only)'] = async () => {
      const port = await freePort();
      const proc = startOn(RECEIVER_CPU, 'sockperf', ['sr', '-i', '127.0.0.1', '-p', String(port)]);
      await proc.waitFor(/using recvfrom|Warmup|waiting/i).catch(() => sleep(300));
      return {
        port,
        pid: proc.pid,
        stop: async () => {
          const { stdout, stderr } = await proc.stop('SIGINT');
          const match = /Total (\d+) messages received/.exec(stdout + stderr);
          return match ? Number(match[1]) : Number.NaN;
        },
      };
    };
  }
  // Round-robin over the receivers, run by run, so that the machine's drift over the minutes this takes
  // weighs on every receiver alike and the ratios stay fair. Five runs (unless --runs or --quick say otherwise): on
  // a shared machine one receiver's rate moves by a tenth from run to run.
  const FLOOD_RUNS = runsFlag > 0 || quick ? RUNS : 5;
  const values = Object.fromEntries(Object.keys(receivers).map((name) => [name, []]));
  const costs = Object.fromEntries(Object.keys(receivers).map((name) => [name, []]));
  const steals = Object.fromEntries(Object.keys(receivers).map((name) => [name, []]));
  const sentRates = [];
  for (let r = 0; r < FLOOD_RUNS; r++) {
    for (const [name, make] of Object.entries(receivers)) {
      note(`unpaced flood ${seconds}s → ${name}, run ${r + 1}/${FLOOD_RUNS}`);
      const receiver = await make();
      const cpuBefore = cpuSeconds(receiver.pid);
      const stolen = stealMeter();
      sentRates.push((await blast(receiver.port, seconds, 0)) / seconds);
      steals[name].push(stolen());
      await sleep(200);
      const cpu = cpuSeconds(receiver.pid) - cpuBefore;
      const received = await receiver.stop();
      values[name].push(received / seconds);
      costs[name].push((cpu * 1e6) / received);
    }
  }
  const sent = figure('flood:sent', `unpaced flood: sent per second by ${floodSender}`, 'datagrams/s', sentRates);
  const rates = {};
  const cost = {};
  for (const name of Object.keys(receivers)) {
    rates[name] = figure(`flood:${name}`, `unpaced flood ${by}: delivered per second, ${name}`, 'datagrams/s', values[name], { steal: steals[name] });
  }
  for (const name of Object.keys(receivers)) {
    cost[name] = figure(`flood-cpu:${name}`, `unpaced flood ${by}: CPU time per datagram received, ${name}`, 'µs', costs[name], { steal: steals[name] });
  }
  const count = rates['bare Node count-only'];
  const socat = rates['socat -u UDP-RECV OPEN:file'];
  // When the bare receiver takes in nearly all that was sent, the sender (not the receivers) set the pace: the
  // delivered ratios then say little, and the CPU time per datagram is the figure to read.
  sent.saturated = count.median < 0.97 * sent.median;
  for (const format of ['text', 'json', 'raw']) {
    const name = `udp-listen -f ${format} > file`;
    const mine = rates[name];
    const floor = format === 'raw' ? 0.95 : 0.85;
    mine.vsCountOnly = ratioOf(mine, count);
    if (socat) mine.vsSocat = ratioOf(mine, socat);
    mine.target = {
      text: `>= ${floor}x bare Node count-only and >= 1.3x socat->file`,
      met: mine.vsCountOnly >= floor && (socat ? mine.vsSocat >= 1.3 : false),
    };
    // The inverse of the cost ratio: what share of the bare receiver's rate this one would reach when both are saturated.
    const mineCost = cost[name];
    mineCost.vsCountOnly = cost['bare Node count-only'].median / mineCost.median;
    mineCost.target = { text: `count-only's time ÷ this >= ${floor}`, met: mineCost.vsCountOnly >= floor };
  }
}

// 2b. The web view (issue 20): udp-listen -f text > file under an unpaced flood, with --web and a page's event stream
// open (a Node client reading /events with the token, as a browser's EventSource would) against without --web,
// interleaved; delivered per second and CPU time per datagram. Target: within 10 % of the listener without --web.
if (!process.argv.includes('--flood') || webOnly) {
  const seconds = quick ? 1 : 3;
  const WEB_RUNS = runsFlag > 0 || quick ? RUNS : 5;
  const { get } = await import('node:http');
  const values = { plain: [], web: [] };
  const costs = { plain: [], web: [] };
  let streamed = 0;
  for (let r = 0; r < WEB_RUNS; r++) {
    for (const mode of ['plain', 'web']) {
      note(`unpaced flood ${seconds}s → udp-listen -f text > file${mode === 'web' ? ' --web, a page open' : ''}, run ${r + 1}/${WEB_RUNS}`);
      const listener = await startListen('text', mode === 'web' ? ['--web', '0'] : []);
      let page;
      if (mode === 'web') {
        const [, webPort, token] = await listener.proc.waitFor(/web view: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/);
        page = await new Promise((resolve, reject) => {
          const req = get({ host: '127.0.0.1', port: Number(webPort), path: '/events', headers: { 'x-udpkit-token': token } }, (res) => {
            res.on('data', (chunk) => (streamed += chunk.length));
            res.on('error', () => undefined);
            resolve(req);
          });
          req.on('error', reject);
        });
      }
      const cpuBefore = cpuSeconds(listener.proc.pid);
      await blast(listener.port, seconds, 0);
      await sleep(200);
      const cpu = cpuSeconds(listener.proc.pid) - cpuBefore;
      const { records } = await stopListen(listener);
      page?.destroy();
      discard(listener.file);
      values[mode].push(records / seconds);
      costs[mode].push((cpu * 1e6) / records);
    }
  }
  const plain = figure('web:plain', `unpaced flood ${by}: delivered per second, udp-listen -f text > file`, 'datagrams/s', values.plain);
  const web = figure('web:open', `unpaced flood ${by}: delivered per second, udp-listen -f text > file --web with a page's stream open`, 'datagrams/s', values.web);
  web.vsBaseline = ratioOf(web, plain);
  web.target = { text: '>= 0.90x without --web', met: web.vsBaseline >= 0.9 };
  const plainCost = figure('web-cpu:plain', `unpaced flood ${by}: CPU time per datagram, udp-listen -f text > file`, 'µs', costs.plain);
  const webCost = figure('web-cpu:open', `unpaced flood ${by}: CPU time per datagram, udp-listen -f text > file --web with a page's stream open`, 'µs', costs.web);
  webCost.vsBaseline = plainCost.median / webCost.median;
  webCost.target = { text: "without --web's time ÷ this >= 0.90", met: webCost.vsBaseline >= 0.9 };
  webCost.streamedBytes = streamed;
}

// 3. udp-send --count N against a bare Node send loop (5 interleaved runs: this one is noisy).
if (!receiveOnly) {
  const count = quick ? 50_000 : 200_000;
  const RUNS = 5;
  const sink = startOn(RECEIVER_CPU, node, [baseline('count-receiver'), '0', String(4 * 1024 * 1024)]);
  const port = Number((await sink.waitFor(/\{"ready":(\d+)\}/))[1]);
  const mine = [];
  const bare = [];
  for (let r = 0; r < RUNS; r++) {
    note(`send ${count}: bare Node send loop, run ${r + 1}/${RUNS}`);
    const b = JSON.parse((await runOn(SENDER_CPU, node, [baseline('send-loop'), String(port), '--count', String(count)])).stdout);
    bare.push((b.sent * 1000) / b.ms);
    note(`send ${count}: udp-send --count ${count}, run ${r + 1}/${RUNS}`);
    const u = JSON.parse((await runOn(SENDER_CPU, node, [bin('udp-send'), '--json', '--count', String(count), '127.0.0.1', String(port), 'x'.repeat(64)])).stdout);
    mine.push((u.messages * 1000) / u.sendMs);
  }
  await sink.stop('SIGINT');
  const b = figure('send-rate:bare', `bare Node dgram send loop, ${count} datagrams`, 'datagrams/s', bare);
  const m = figure('send-rate:udp-send', `udp-send --count ${count}`, 'datagrams/s', mine);
  m.vsBaseline = ratioOf(m, b);
  m.target = { text: '>= 0.9x bare Node send loop', met: m.vsBaseline >= 0.9 };
}

// 3b. Paced sends: udp-send --count N --rate R at 1k, 10k and 100k datagrams/s, the rate achieved against the
// rate asked, beside the bare Node send loop paced the same way (a deadline per datagram on the monotonic clock).
if (!receiveOnly) {
  const seconds = quick ? 1 : 2;
  const sink = startOn(RECEIVER_CPU, node, [baseline('count-receiver'), '0', String(4 * 1024 * 1024)]);
  const port = Number((await sink.waitFor(/\{"ready":(\d+)\}/))[1]);
  for (const rate of [1000, 10_000, 100_000]) {
    const count = rate * seconds;
    const mine = [];
    const bare = [];
    for (let r = 0; r < RUNS; r++) {
      note(`paced ${rate}/s: bare Node send loop, run ${r + 1}/${RUNS}`);
      const b = JSON.parse((await runOn(SENDER_CPU, node, [baseline('send-loop'), String(port), '--count', String(count), '--rate', String(rate)])).stdout);
      bare.push(((b.sent - 1) * 1000) / b.ms / rate);
      note(`paced ${rate}/s: udp-send --count ${count} --rate ${rate}, run ${r + 1}/${RUNS}`);
      const u = JSON.parse((await runOn(SENDER_CPU, node, [bin('udp-send'), '--json', '--count', String(count), '--rate', String(rate), '127.0.0.1', String(port), 'x'.repeat(64)])).stdout);
      mine.push(u.rate / rate);
    }
    const b = figure(`paced:${rate}:bare`, `bare Node send loop paced at ${rate}/s: achieved ÷ asked`, 'ratio', bare);
    const m = figure(`paced:${rate}:udp-send`, `udp-send --count ${count} --rate ${rate}: achieved ÷ asked`, 'ratio', mine);
    m.vsBaseline = ratioOf(m, b);
    m.target = { text: 'achieved within 1% of asked', met: Math.abs(m.median - 1) <= 0.01 };
  }
  // A short run (issue 22's example, 5 ms long): the pacer's start-up and its last timer weigh on the rate here, and
  // the rate line's time and rate must come from one span (the rate recomputed from count and spanMs).
  const short = [];
  const consistent = [];
  for (let r = 0; r < 3 * RUNS; r++) {
    note(`short paced run: udp-send --count 500 --rate 100000, run ${r + 1}/${3 * RUNS}`);
    const u = JSON.parse((await runOn(SENDER_CPU, node, [bin('udp-send'), '--json', '--count', '500', '--rate', '100000', '127.0.0.1', String(port), 'x'])).stdout);
    short.push(u.rate / 100_000);
    consistent.push(((u.messages - 1) * 1000) / u.spanMs / u.rate);
  }
  const s = figure('paced:short:udp-send', 'udp-send --count 500 --rate 100000 (a 5 ms run): achieved ÷ asked', 'ratio', short);
  s.target = { text: 'achieved within 1% of asked', met: Math.abs(s.median - 1) <= 0.01 };
  const c = figure('paced:short:span', 'the same runs: (messages − 1) ÷ spanMs, over the rate printed', 'ratio', consistent);
  c.target = { text: '1 in every run (one span for both)', met: c.min > 0.999 && c.max < 1.001 };
  await sink.stop('SIGINT');
}

// 4. Ping-pong round trips: udpkit's echo server and wait path against bare Node on both ends.
if (!receiveOnly) {
  const exchanges = quick ? 1000 : 2000;
  for (const protocol of ['udp', 'tcp']) {
    const mine = [];
    const bare = [];
    for (let r = 0; r < RUNS; r++) {
      note(`${protocol} ping-pong ×${2 * exchanges}: bare Node echo + client, run ${r + 1}/${RUNS}`);
      const echo = startOn(RECEIVER_CPU, node, [baseline('echo-server')]);
      const bport = Number((await echo.waitFor(/\{"ready":(\d+)\}/))[1]);
      // Twice the exchanges; the p50 is over the second half (the first warms up both ends' JIT).
      const b = JSON.parse((await runOn(SENDER_CPU, node, [baseline('ping-pong'), protocol, String(bport), String(2 * exchanges)])).stdout);
      await echo.stop('SIGTERM');
      bare.push(percentile(b.rttUs.slice(exchanges), 50));

      note(`${protocol} ping-pong ×${2 * exchanges}: udp-listen --echo + udp-send --count --wait, run ${r + 1}/${RUNS}`);
      const args = protocol === 'tcp' ? ['--tcp'] : [];
      const echoArgs = protocol === 'udp' ? ['--echo-rate', '0'] : [];
      const server = startOn(RECEIVER_CPU, node, [bin('udp-listen'), ...args, '--host', '127.0.0.1', '--echo', ...echoArgs, '--format', 'raw', '0'], { stdout: 'ignore' });
      const uport = Number((await server.waitFor(/listening on \w+ \S+:(\d+)/))[1]);
      const sendArgs = [...args, '--json', '--count', String(2 * exchanges), '--wait', '2000', '127.0.0.1', String(uport), 'p'.repeat(64)];
      const u = JSON.parse((await runOn(SENDER_CPU, node, [bin('udp-send'), ...sendArgs])).stdout);
      await server.stop('SIGINT');
      mine.push(percentile(u.rttMs.slice(exchanges).filter((v) => v !== null), 50) * 1000);
    }
    const b = figure(`rtt:${protocol}:bare`, `${protocol.toUpperCase()} ping-pong RTT p50, bare Node echo and client`, 'µs', bare);
    const m = figure(`rtt:${protocol}:udpkit`, `${protocol.toUpperCase()} ping-pong RTT p50, udp-listen --echo and udp-send --count N --wait`, 'µs', mine);
    m.vsBaseline = ratioOf(m, b);
    m.target = { text: '<= 1.1x bare Node ping-pong', met: m.vsBaseline <= 1.1 };
  }
}

// 5. Start-up: one-shot udp-send against a bare Node script that sends one datagram.
if (!receiveOnly) {
  const sink = start(node, [baseline('count-receiver'), '0']);
  const port = String(Number((await sink.waitFor(/\{"ready":(\d+)\}/))[1]));
  const perRun = quick ? 5 : 10;
  const time = async (args) => {
    const t0 = performance.now();
    await run(node, args);
    return performance.now() - t0;
  };
  // Warm the code cache and the page cache before measuring.
  for (let i = 0; i < 3; i++) {
    await time([bin('udp-send'), '127.0.0.1', port, 'Hello, World!']);
    await time([baseline('send-one'), port]);
  }
  const mine = [];
  const bare = [];
  for (let r = 0; r < RUNS; r++) {
    note(`start-up: ${perRun} one-shot sends each, interleaved, run ${r + 1}/${RUNS}`);
    const m = [];
    const b = [];
    for (let i = 0; i < perRun; i++) {
      b.push(await time([baseline('send-one'), port]));
      m.push(await time([bin('udp-send'), '127.0.0.1', port, 'Hello, World!']));
    }
    bare.push(summarize(b).median);
    mine.push(summarize(m).median);
  }
  await sink.stop('SIGINT');
  const b = figure('startup:bare', 'bare Node script sending one datagram: wall time', 'ms', bare);
  const m = figure('startup:udp-send', 'udp-send 127.0.0.1 PORT msg: wall time', 'ms', mine);
  m.vsBaseline = ratioOf(m, b);
  m.target = { text: '<= 1.2x the bare Node script', met: m.vsBaseline <= 1.2 };
}

// 5b. The V8 code cache, both ways: udp-send with its per-user cache warm, and with no cache it can read or write
// (a cache directory that cannot be made), as a read-only install without a home would run. And the library's
// import time, ESM and CommonJS, against a bare `node -e ''`.
if (!receiveOnly) {
  const sink = start(node, [baseline('count-receiver'), '0']);
  const port = String(Number((await sink.waitFor(/\{"ready":(\d+)\}/))[1]));
  const perRun = quick ? 5 : 10;
  const cacheHome = join(tmpdir(), `udpkit-bench-cache-${process.pid}`);
  const withCache = { ...process.env, XDG_CACHE_HOME: cacheHome };
  // A regular file where the cache directory would go: the cache can neither be read nor made (ENOTDIR).
  const blocker = join(tmpdir(), `udpkit-bench-not-a-dir-${process.pid}`);
  writeFileSync(blocker, '');
  const noCache = { ...process.env, XDG_CACHE_HOME: blocker };
  const time = async (args, env = process.env) => {
    const t0 = performance.now();
    await run(node, args, { env });
    return performance.now() - t0;
  };
  const send = [bin('udp-send'), '127.0.0.1', port, 'Hello, World!'];
  for (let i = 0; i < 3; i++) await time(send, withCache);
  const samples = { cached: [], uncached: [] };
  for (let r = 0; r < RUNS; r++) {
    note(`code cache: ${perRun} runs each, interleaved, run ${r + 1}/${RUNS}`);
    const runSamples = { cached: [], uncached: [] };
    for (let i = 0; i < perRun; i++) {
      runSamples.cached.push(await time(send, withCache));
      runSamples.uncached.push(await time(send, noCache));
    }
    for (const key of Object.keys(samples)) samples[key].push(summarize(runSamples[key]).median);
  }
  await sink.stop('SIGINT');
  // The import time alone: `node bench/import-time.mjs`.
  Object.assign(samples, await importTimes({ runs: RUNS, perRun, note }));
  rmSync(cacheHome, { recursive: true, force: true });
  rmSync(blocker, { force: true });
  const cached = figure('cache:warm', 'udp-send wall time, V8 code cache warm in $XDG_CACHE_HOME/udpkit', 'ms', samples.cached);
  const uncached = figure('cache:none', 'udp-send wall time, no code cache (cache directory cannot be made)', 'ms', samples.uncached);
  uncached.vsBaseline = ratioOf(uncached, cached);
  const bare = figure('import:bare', "bare `node -e ''`: wall time", 'ms', samples.bare);
  for (const [id, name] of [['import:esm', "node: await import('udpkit'), wall time"], ['import:cjs', "node: require('udpkit'), wall time"]]) {
    const imported = figure(id, name, 'ms', samples[id.slice('import:'.length)]);
    imported.vsBaseline = ratioOf(imported, bare);
    imported.target = { text: `<= ${IMPORT_TARGET}x bare \`node -e ''\``, met: imported.vsBaseline <= IMPORT_TARGET };
  }
}

// 6. Peak RSS of udp-listen after 1,000,000 datagrams.
if (!receiveOnly) {
  const total = quick ? 200_000 : 1_000_000;
  const rate = 200_000;
  const rss = [];
  const received = [];
  for (let r = 0; r < RUNS; r++) {
    note(`memory: ${total} datagrams at ${rate}/s into udp-listen -f text > file, run ${r + 1}/${RUNS}`);
    const listener = await startListen('text');
    await blast(listener.port, total / rate, rate);
    await sleep(300);
    rss.push(peakRss(listener.proc.pid) / 1024 / 1024);
    received.push((await stopListen(listener)).records);
    discard(listener.file);
  }
  const m = figure('rss', `udp-listen peak RSS after ${total} datagrams (${Math.round(summarize(received).median)} received, median)`, 'MB', rss);
  m.target = { text: '< 80 MB', met: m.max < 80 };
}
// 7. udp-proxy: relay throughput beside a bare Node relay and socat, delay and loss precision, RSS with 1,024 sessions.
if (!receiveOnly) {
  const { proxyBench } = await import('./proxy.mjs');
  await proxyBench({ quick, runs: RUNS, figure, ratioOf, note, blast });
}
// 8. udp-probe: 100 targets at 10 ms with /metrics scraped 100 times a second (issue 19), beside one target alone.
if (!receiveOnly) {
  const { probeBench } = await import('./probe.mjs');
  await probeBench({ quick, figure, ratioOf, note });
}
progressDone();

// Report.
const date = new Date().toISOString();
const stolenShare = runSteal();
const report = {
  date,
  quick,
  machine: { kernel: release(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', pinned: pin, stolenShare },
  tools,
  results,
};
// A receive-only run is a measurement while working on the listener: its results go to the temporary directory.
const resultDir = receiveOnly ? tmpdir() : join(root, 'bench/results');
mkdirSync(resultDir, { recursive: true });
const resultFile = join(resultDir, `${receiveOnly ? 'udpkit-bench-receive-' : ''}${date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);

const fmt = (v) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3)) : '–');
const ratioText = (r) => {
  const parts = [];
  if (r.vsBaseline !== undefined) parts.push(`${r.vsBaseline.toFixed(2)}×`);
  if (r.vsCountOnly !== undefined) parts.push(`${r.vsCountOnly.toFixed(2)}× count-only`);
  if (r.vsSocat !== undefined) parts.push(`${r.vsSocat.toFixed(2)}× socat`);
  return parts.join(', ') || '';
};
const percent = (share) => (Number.isFinite(share) ? `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%` : '–');
/** The hypervisor's share of the CPU during a figure's runs, where it was measured: the median, and the worst run. */
const stealText = (r) => {
  if (!Array.isArray(r.steal) || r.steal.length === 0) return '';
  const { median, max } = summarize(r.steal);
  return max > median ? `${percent(median)} (worst ${percent(max)})` : percent(median);
};
const rows = results.map(
  (r) =>
    `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${ratioText(r)} | ${r.target ? `${r.target.text}: ${r.target.met ? '**met**' : '**not met**'}` : ''} | ${stealText(r)} |`,
);
const table = [
  '| figure | median | min | max | unit | ratio (same run) | target | CPU stolen |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
if (receiveOnly) {
  console.log(table);
  console.log(`\nresults: ${resultFile}`);
  process.exit(0);
}
const command = `npm run bench${quick ? ' -- --quick' : ''}`;
const sentFigure = results.find((r) => r.id === 'flood:sent');
const warnings = [
  tools.sockperf
    ? ''
    : '> **sockperf is missing: the floods and the paced runs were sent by `bench/baselines/send-loop.mjs`, a Node loop slower than ' +
      'sockperf. These receive figures are not comparable with runs that had sockperf** (`apt-get install -y sockperf`).',
  sentFigure && !sentFigure.saturated
    ? '> **The flood sender did not outrun the bare Node receiver in this run** (it took in 97% or more of what was sent): the ' +
      'delivered-per-second ratios then measure the sender, not the receivers. The CPU time per datagram is the figure to read.'
    : '',
].filter((text) => text !== '');
/**
 * The hand-written section of docs/BENCHMARKS.md (figures measured beside the suite, with their dates and
 * conditions), kept as it is from the file this run replaces: only the table above it is this run's.
 */
function besideTheSuite() {
  const heading = '## Measured beside the suite\n';
  try {
    const old = readFileSync(join(root, 'docs/BENCHMARKS.md'), 'utf8');
    const at = old.indexOf(heading);
    if (at !== -1) return old.slice(at).replace(/\n*$/, '\n');
  } catch {
    // no earlier file: the heading alone
  }
  return heading;
}

const doc = `# Benchmarks

The latest table from \`${command}\`, run ${date} on Linux ${report.machine.kernel}, Node ${report.machine.node},
${report.machine.cpus} × ${report.machine.cpu}; sockperf: ${tools.sockperf ?? 'missing'}; socat: ${tools.socat ?? 'missing'}.
Every figure is the median, min and max over ${RUNS} runs (5 for the send rate${runsFlag > 0 || quick ? '' : ' and the floods'}); ratios are against baselines measured in the same run
(absolute numbers on these shared machines drift from run to run). Raw results: \`${resultFile.slice(root.length + 1)}\`.
The receive figures name their sender: ${tools.sockperf ? 'sockperf' : '**not sockperf** (missing)'}.
The hypervisor took ${percent(stolenShare)} of the machine's CPU time over the whole run (\`steal\` in /proc/stat); the last column says
how much it took during a figure's own runs, where that was measured.
${warnings.length > 0 ? `\n${warnings.join('\n\n')}\n` : ''}
${table}

## How each figure is made

- **CPUs**: ${pin ? 'receivers and servers pinned to CPU 1, senders and clients to CPU 0 (taskset), for udpkit and the baselines alike' : 'not pinned (taskset or a second CPU missing)'}.
- **Paced**: \`sockperf tp -m 64 --mps=100000\` (or \`bench/baselines/send-loop.mjs --rate 100000\` without sockperf)
  into \`udp-listen -f text|json > file\`; lost = sent − records written (the smaller of the summary and the lines in the file).
- **Unpaced flood**: \`sockperf tp -m 64 --mps=max\` for the stated time into each receiver, the receivers taken in
  turn within each run; delivered per second =
  datagrams it took in / seconds. socat writes raw payloads (file size / 64); udp-listen's count is its summary;
  \`bench/baselines/count-receiver.mjs\` only counts; \`sockperf sr\` is the C ceiling. After each run the output
  file is written to disk (fsync) and removed, so that its writeback does not fall on the next receiver. The targets (issue 17):
  text and json at least 0.85×, raw at least 0.95× the bare Node count-only receiver. sockperf's payload is
  binary (a header of zero bytes, then bytes that look random): text escapes most of it, json writes it in base64.
- **CPU time per datagram**: each receiver's user + system CPU time (\`/proc/PID/stat\`) over the flood, divided by
  the datagrams it took in; its ratio is count-only's time over this one's, what the delivered ratio would be if
  both were saturated. Unlike the rate, it does not depend on the sender outrunning the receivers.
- **Send rate**: \`udp-send --json --count N\` (its \`sendMs\`) against \`bench/baselines/send-loop.mjs\` (same N, 64 bytes).
- **Ping-pong**: p50 of the second half of 2 × N round trips in one run (the first half warms up both ends; 64-byte messages); udpkit = \`udp-listen [--tcp] --echo\` as the
  server and \`udp-send [--tcp] --json --count N --wait 2000\` (ping mode, its \`rttMs\`) as the client; bare =
  \`bench/baselines/echo-server.mjs\` and \`bench/baselines/ping-pong.mjs\`, one socket or connection each.
- **Start-up**: wall time of \`node dist/bin/udp-send.cjs 127.0.0.1 PORT msg\` against \`node bench/baselines/send-one.mjs PORT\`,
  interleaved, median of ${quick ? 5 : 10} per run, after 3 warm-up runs each.
- **Code cache**: the same udp-send with \`XDG_CACHE_HOME\` on a warm cache, and on a path where no cache directory can be
  made (what a read-only install without a writable home pays); **import time**: \`node -e\` importing (ESM) or requiring
  (CommonJS) the built library's root entry (the file package.json \`exports\` names), against a bare \`node -e ''\`;
  interleaved as for start-up; \`node bench/import-time.mjs\` measures it alone.
- **Memory**: VmHWM of udp-listen after the datagrams were sent at 200,000/s.
- **udp-proxy delay precision** (\`bench/proxy.mjs\`): bench/baselines/stamp-probe.mjs sends 64-byte datagrams
  stamped with CLOCK_MONOTONIC at 10,000/s (a 1 ms timer, each wake-up sending what is due) through \`udp-proxy
  --delay 20ms\`, through udp-proxy with no delay, and straight to the receiver, in turn in each run; 2.5 s a run,
  of which the first 0.5 s is relayed but not measured (warm-up). CPU time is the proxy's user + system time.
- **udp-probe** (\`bench/probe.mjs\`, one run of ${quick ? 10 : 60} s each): 100 targets at 10 ms (10,000 probes a second) on
  one \`udp-listen --echo\` with 100 ports, its \`/metrics\` fetched 100 times a second (one every 10 ms whatever the earlier
  ones do); peak RSS (VmHWM, read twice a second while it runs) against the same prober with one target and no scrapes;
  scrapes answered, their p99, and the probes lost on loopback.
- **Web view** (\`npm run bench -- --web\` runs it alone): the unpaced flood into \`udp-listen -f text > file\`
  with \`--web 0\` and a page's event stream open (a Node client reading \`/events\` with the token) against the
  same without \`--web\`, interleaved; target (issue 20): within 10 % of the listener without \`--web\`.

${besideTheSuite()}`;
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/BENCHMARKS.md'), doc);
console.log(table);
console.log(`\nresults: ${resultFile}\ntable: docs/BENCHMARKS.md`);
