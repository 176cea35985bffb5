/**
 * The README as a test. Every example it gives (each command in a table, each shell session with the output it
 * shows) and every `--help` example runs as written, by bash, inside a network namespace of the test's own: the
 * fixed ports the examples use (5005, 514, 53 …) collide with nothing, `eth0` is a veth pair of the test's, and
 * 10.0.0.2, 10.0.0.7, 192.168.1.2 and 192.0.2.10 are its addresses (nothing leaves the namespace). A listener
 * example is sent a datagram (or a connection) and must record it and exit 0; a sender example gets a udpkit peer
 * on its port and must exit with the code the README gives (0 unless it says otherwise), its datagrams received.
 * Where the README shows output, the output must match it line by line: times, ephemeral ports, durations and
 * rates are patterns, nothing else is loosened. Needs root and iproute2 (CI); skipped otherwise, saying why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcapFileHeader, pcapRecord, ipPacket } from '../src/format/pcap.js';
import { helpExamples, parseCommand, readmeExamples, type SessionStep } from './readme-examples.js';
import { binPath, Capture, waitFor } from './helpers.js';
import { makeNamespace, removeNamespace } from './namespaces.js';

/** Every command the package installs (package.json "bin"), so that each example finds its program on PATH. */
const PACKAGE_BINS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin;

const unavailable =
  process.platform !== 'linux' ? 'needs Linux network namespaces' : process.getuid?.() !== 0 ? 'needs root (a network namespace of its own)' : spawnSync('ip', ['-V']).status !== 0 ? 'needs ip (iproute2)' : undefined;
if (unavailable) console.log(`README examples skipped: ${unavailable}`);

/** The namespace's name: made in beforeAll (test/namespaces.ts), with its own hosts file. */
const NS = `udpkit-${process.pid}-readme`;
const work = mkdtempSync(join(tmpdir(), 'udpkit-readme-'));
const cwd = join(work, 'cwd');
const bin = join(work, 'bin');

const { commands, sessions, scripts, files } = readmeExamples();

/** --help names its example files so (`--respond-file dev.yaml`, `--script talk.yaml`): the README's files of that kind. */
const HELP_FILES: Record<string, string> = { 'dev.yaml': 'sensor.yaml', 'talk.yaml': 'sensor-test.yaml' };

/**
 * The device a `--expect` or `--script` example talks to: the README's sensor (its `--respond` rules, then its
 * sensor.yaml), on the example's port; what no rule answers is echoed (`--expect 'ping*' … ping`).
 */
const DEVICE = `udp-listen --echo --respond 'READ? => TEMP=21' --respond '/^SET (\\w+)=(\\d+)$/ => OK {{1}} {{2}} #{{seq}}' --respond-file sensor.yaml`;

/** Expected outcomes the README states in words beside the example (the default: exit 0, received). */
const OUTCOMES: Record<string, { code: number; peer?: false }> = {
  // "uses a connected UDP socket, which hears ICMP port-unreachable: exit 69"
  'udp-send --connect 127.0.0.1 5006 hi': { code: 69, peer: false },
  // "give up connecting after D … exit 75": 10.0.0.1 is on eth0's subnet, and nobody answers there
  'udp-send --tcp --connect-timeout 300 10.0.0.1 5005 x': { code: 75, peer: false },
};

function ns(...args: string[]): string {
  const run = spawnSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8', timeout: 10_000 });
  if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** A UDP datagram to or from port 53 and one that is not, as a capture holds them. */
function datagrams(): { time: number; src: string; srcPort: number; dst: string; dstPort: number; payload: Buffer }[] {
  return [
    { time: 1_796_000_000_000, src: '10.0.0.9', srcPort: 40000, dst: '10.0.0.53', dstPort: 53, payload: Buffer.from('query one') },
    { time: 1_796_000_000_050, src: '10.0.0.9', srcPort: 40001, dst: '10.0.0.80', dstPort: 8080, payload: Buffer.from('not dns') },
    { time: 1_796_000_000_100, src: '10.0.0.9', srcPort: 40002, dst: '10.0.0.53', dstPort: 53, payload: Buffer.from('query two') },
  ];
}

/** The same datagrams as pcapng: a section header, one raw-IP interface, an enhanced packet block each. */
function pcapng(): Buffer {
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const out = Buffer.alloc(12 + padded.length);
    out.writeUInt32LE(type, 0);
    out.writeUInt32LE(out.length, 4);
    padded.copy(out, 8);
    out.writeUInt32LE(out.length, out.length - 4);
    return out;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(101, 0);
  idb.writeUInt32LE(65535, 4);
  const packets = datagrams().map((d) => {
    const packet = ipPacket(d);
    const head = Buffer.alloc(20);
    const micros = BigInt(d.time) * 1000n;
    head.writeUInt32LE(Number(micros >> 32n), 4);
    head.writeUInt32LE(Number(micros & 0xffffffffn), 8);
    head.writeUInt32LE(packet.length, 12);
    head.writeUInt32LE(packet.length, 16);
    return block(6, Buffer.concat([head, packet]));
  });
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), ...packets]);
}

beforeAll(() => {
  if (unavailable) return;
  // `ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts: localhost as a stock Debian /etc/hosts has it (a
  // container's may lack ::1), for `-6 localhost` and `--host localhost`, and the names the examples use.
  expect(makeNamespace('readme', { hosts: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\tdb1\n10.0.0.7\tdb2\n' })).toBe(NS);
  ns('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
  for (const address of ['10.0.0.2/24', '10.0.0.7/24', '192.168.1.2/24', '192.0.2.10/24']) ns('ip', 'addr', 'add', address, 'dev', 'eth0');
  ns('ip', 'link', 'set', 'eth0', 'up');
  ns('ip', 'link', 'set', 'eth1', 'up');
  ns('ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
  mkdirSync(cwd);
  mkdirSync(bin);
  for (const name of Object.keys(PACKAGE_BINS)) symlinkSync(binPath(name), join(bin, name));
  writeFileSync(join(cwd, 'packet.bin'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a]));
  writeFileSync(join(cwd, 'query.bin'), Buffer.from('a DNS query, as far as an echo server can tell'));
  writeFileSync(join(cwd, 'file'), 'the file\n');
  writeFileSync(join(cwd, 'big.bin'), Buffer.alloc(2 ** 20, 0x62));
  writeFileSync(join(cwd, 'app.log'), 'line one\nline two\nline three\n');
  writeFileSync(join(cwd, 'all.pcap'), Buffer.concat([pcapFileHeader(), ...datagrams().map(pcapRecord)]));
  writeFileSync(join(cwd, 'dns.pcapng'), pcapng());
  // The YAML files the README shows (`# sensor.yaml: …`), and the names --help gives the same kind of file.
  for (const file of files) writeFileSync(join(cwd, file.name), `${file.text}\n`);
  for (const [alias, name] of Object.entries(HELP_FILES)) {
    const file = files.find((f) => f.name === name);
    if (file !== undefined) writeFileSync(join(cwd, alias), `${file.text}\n`);
  }
}, 30_000);

afterAll(() => {
  removeNamespace(NS);
  rmSync(work, { recursive: true, force: true });
});

/** A shell command running in the namespace, in its own process group (so a pipeline gets Ctrl+C as a whole). */
interface Shell {
  child: ChildProcess;
  stdout: Capture;
  stderr: Capture;
  exit: Promise<number | null>;
  interrupt(): void;
  /**
   * Ctrl+C as a terminal sends it to a pipeline: to the shell's children (the job), not to the shell. Signalled
   * too, a non-interactive bash kills itself when the last child it reaps died of SIGINT (`tail -f` in
   * `tail -f … | udp-send --lines`), whatever udp-send's own exit, and which is reaped last is a race.
   */
  interruptJob(): void;
}

function shell(command: string, ms = 60_000): Shell {
  const child = spawn('ip', ['netns', 'exec', NS, 'bash', '-c', command], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: work, XDG_CACHE_HOME: join(work, 'cache'), LANG: 'C.UTF-8' },
  });
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout?.pipe(stdout);
  child.stderr?.pipe(stderr);
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      // the group has ended
    }
  };
  const timer = setTimeout(() => group('SIGKILL'), ms);
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  const interruptJob = (): void => void spawnSync('pkill', ['-INT', '-P', String(child.pid ?? 0)]);
  return { child, stdout, stderr, exit, interrupt: () => group('SIGINT'), interruptJob };
}

/** A command that runs until stopped (a listener, a proxy), started once it says it is ready. */
async function started(command: string): Promise<Shell> {
  const run = shell(`exec ${command}`);
  await run.stderr.waitFor(/^(listening on|udp-proxy|probing|web view)/m, 10_000).catch(() => {
    throw new Error(`${command} did not start: ${run.stderr.text}`);
  });
  return run;
}

/** A udpkit peer on `port`: an echo server (UDP, or TCP for a sender that waits) or a TCP listener. */
async function peer(protocol: 'udp' | 'tcp', port: string, echo: boolean): Promise<Shell> {
  // --echo-rate bounds UDP echoes only (a TCP echo is paced by its reader, and the flag is refused there).
  const echoArgs = echo ? (protocol === 'tcp' ? '--echo ' : '--echo --echo-rate 0 ') : '';
  const run = shell(`exec udp-listen -f json ${protocol === 'tcp' ? '--tcp ' : ''}${echoArgs}${port}`);
  await run.stderr.waitFor(/^listening on /m, 10_000);
  return run;
}

async function stop(run: Shell): Promise<number | null> {
  run.interrupt();
  return run.exit;
}

/** The first port a listener names in its `listening on` line. */
async function listenedPort(run: Shell): Promise<number> {
  const match = await run.stderr.waitFor(/listening on (?:udp|tcp) (?:\[[^\]]*\]|[^\s:]+):(\d+)/, 10_000);
  return Number(match[1]);
}

/** A listener example: started, sent one datagram or connection of what it listens for, then Ctrl+C. */
async function runListener(command: string): Promise<void> {
  const run = shell(command);
  try {
    await pokeListener(command, run);
  } finally {
    run.interrupt();
    await run.exit;
  }
}

async function pokeListener(command: string, run: Shell): Promise<void> {
  const { options } = parseCommand(command);
  const port = await listenedPort(run);
  const payload = typeof options.get('stop-on') === 'string' ? (options.get('stop-on') as string) : 'hi from the README test';
  const join = options.get('join');
  const group = typeof join === 'string' ? join.split('@')[0] : undefined;
  const source = options.get('source-filter');
  const frame = options.get('frame');
  const poke = [
    options.has('tcp') ? '--tcp' : '',
    typeof frame === 'string' && frame !== 'none' ? `--frame ${frame}` : '',
    group === undefined ? '' : '--multicast-if eth0',
    typeof source === 'string' ? `-s ${source}` : '',
    options.has('echo') ? '-w 2s' : '',
    group ?? (options.has('6') ? '::1' : '127.0.0.1'),
    String(port),
    `'${payload}'`,
  ].filter((part) => part !== '');
  const sent = shell(`udp-send ${poke.join(' ')}`, 15_000);
  expect(await sent.exit, `udp-send ${poke.join(' ')} → ${sent.stderr.text}`).toBe(0);
  const endsItself = ['c', 'count', 'stop-on', 't', 'timeout'].some((name) => options.has(name));
  const redirect = /(?:^|\s)>\s*(\S+)/.exec(command)?.[1];
  // What it recorded: on stdout, or in the file stdout went to.
  const recorded = (): string => (redirect === undefined ? run.stdout.text : redirect === '/dev/null' ? payload : existsSync(join_(redirect)) ? readFileSync(join_(redirect), 'latin1') : '');
  await waitFor(() => recorded().includes(payload), { timeoutMs: 5000, what: () => `${command} to record "${payload}" (stdout ${JSON.stringify(run.stdout.text)}, stderr ${JSON.stringify(run.stderr.text)})` });
  const code = endsItself ? await run.exit : await stop(run);
  expect(code, run.stderr.text).toBe(0);
  expect(run.stderr.text).toMatch(/^summary: /m);
  const pcap = options.get('pcap');
  if (typeof pcap === 'string') expect(readFileSync(join_(pcap)).includes(Buffer.from(payload))).toBe(true);
}

function join_(file: string): string {
  return file.startsWith('/') ? file : join(cwd, file);
}

/** A sender example: a peer on its port (unless it must find none), then the example, to its exit code. */
async function runSender(command: string): Promise<void> {
  const { options, positionals } = parseCommand(command);
  const [host = '', port = ''] = positionals;
  const outcome = OUTCOMES[command] ?? { code: 0 };
  const tcp = options.has('tcp');
  const waits = options.has('w') || options.has('wait');
  const device = options.has('expect') || options.has('script');
  const server = outcome.peer === false ? undefined : device ? await started(`${DEVICE}${tcp ? ' --tcp' : ''} ${port}`) : await peer(tcp ? 'tcp' : 'udp', port, !tcp || waits);
  const run = shell(command, 30_000);
  try {
    if (command.startsWith('tail -f')) {
      // `tail -f` never ends: once every line of the log has arrived, Ctrl+C, as a person would.
      await waitFor(() => (server?.stdout.lines ?? 0) >= 3, { timeoutMs: 10_000, what: () => `the log's three lines (${server?.stdout.text ?? ''})` });
      run.interruptJob();
    }
    expect(await run.exit, `${command}: ${run.stderr.text}`).toBe(outcome.code);
    if (server === undefined) return;
    const loopback = ['127.0.0.1', '::1', '[::1]', 'localhost', '10.0.0.7', '10.0.0.2'].includes(host);
    if (loopback && outcome.code === 0) {
      await waitFor(() => server.stdout.lines > 0, { timeoutMs: 5000, what: () => `${command} to reach its peer` });
    }
    expect(await stop(server), server.stderr.text).toBe(0);
  } finally {
    run.interrupt();
    if (server !== undefined) await stop(server);
  }
}

async function runCompare(command: string): Promise<void> {
  const remote = /udp-compare (\d+\.\d+\.\d+\.\d+) (\d+)$/.exec(command);
  const servers = remote ? [await peer('udp', remote[2] ?? '', true), await peer('tcp', remote[2] ?? '', true)] : [];
  const run = shell(command, 600_000);
  try {
    expect(await run.exit, `${command}: ${run.stderr.text}`).toBe(0);
    const redirect = /(?:^|\s)>\s*(\S+)/.exec(command)?.[1];
    if (redirect !== undefined) expect(/^<!doctype html>/i.test(readFileSync(join_(redirect), 'utf8')), `${redirect} is an HTML page`).toBe(true);
    else expect(run.stdout.text.length).toBeGreaterThan(0);
    const saved = /^report: (.*\.html)$/m.exec(run.stderr.text)?.[1];
    if (command.includes('--save')) expect(saved !== undefined && existsSync(saved), run.stderr.text).toBe(true);
    for (const server of servers) expect(await stop(server)).toBe(0);
  } finally {
    run.interrupt();
    for (const server of servers) await stop(server);
  }
}

/** A proxy example: an echo server at its target, the proxy, a few exchanges through it, then Ctrl+C. */
async function runProxy(command: string): Promise<void> {
  const { options, positionals } = parseCommand(command);
  const [listen = '', , targetPort = ''] = positionals;
  const tcp = options.has('tcp');
  const target = await peer(tcp ? 'tcp' : 'udp', targetPort, true);
  const proxy = await started(command).catch(async (error: unknown) => {
    await stop(target);
    throw error;
  });
  try {
    // A few exchanges, so that a lossy link (--loss 10%) or an outage at the start still answers one.
    const poke = shell(`udp-send ${tcp ? '--tcp -w 3s' : '-c 5 -w 1s'} 127.0.0.1 ${listen} 'hi through the proxy'`, 20_000);
    expect(await poke.exit, `${command}: the client got no answer: ${poke.stderr.text}; proxy: ${proxy.stderr.text}`).toBe(0);
    expect(await stop(proxy), proxy.stderr.text).toBe(0);
    const pcap = options.get('pcap');
    if (typeof pcap === 'string') expect(readFileSync(join_(pcap)).includes(Buffer.from('hi through the proxy'))).toBe(true);
  } finally {
    proxy.interrupt();
    await stop(target);
  }
}

/** A probe example: an echo server on each target's port; bounded to a few seconds when the example is not. */
async function runProbe(command: string): Promise<void> {
  const { options, positionals } = parseCommand(command);
  const ports = [...new Set(positionals.map((target) => /:(\d+)$/.exec(target)?.[1] ?? ''))];
  const servers = await Promise.all(ports.map((port) => peer('udp', port, true)));
  const run = shell(command, 60_000);
  try {
    const bounded = ['count', 'duration'].some((name) => options.has(name));
    if (!bounded) {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      run.interrupt();
    }
    expect(await run.exit, `${command}: ${run.stderr.text}`).toBe(0);
    expect(run.stderr.text + run.stdout.text).toMatch(/\S/);
  } finally {
    run.interrupt();
    for (const server of servers) await stop(server);
  }
}

/** The port a long-running command holds: a listener's last port argument, a proxy's listening port. */
function heldPort(command: string): string | undefined {
  const { tool, options, positionals } = parseCommand(command);
  if (tool === 'udp-proxy') return positionals[0];
  if (tool === 'udp-listen') return (options.get('p') as string | undefined) ?? positionals.at(-1);
  return undefined;
}

/**
 * A worked example, line by line as a person types it: servers (udp-listen, udp-proxy, a line ending in `&`) are
 * started and left running (a new one on the port of an earlier one replaces it, as Ctrl+C and a new command
 * would); every other line must exit 0. At the end every server is stopped with Ctrl+C and must exit 0.
 */
async function runScript(lines: readonly string[], shown: Readonly<Record<string, string[]>> = {}): Promise<void> {
  const servers: { command: string; run: Shell }[] = [];
  try {
    for (const line of lines) {
      const background = /\s&\s*(#.*)?$/.test(line);
      const command = line.replace(/\s&\s*(#.*)?$/, '');
      const tool = parseCommand(command).tool;
      if (background || tool === 'udp-listen' || tool === 'udp-proxy') {
        const port = heldPort(command);
        for (const old of servers.filter((s) => port !== undefined && heldPort(s.command) === port)) {
          expect(await stop(old.run), old.run.stderr.text).toBe(0);
          servers.splice(servers.indexOf(old), 1);
        }
        const run = tool.startsWith('udp-') ? await started(command) : shell(`exec ${command}`);
        if (!tool.startsWith('udp-')) await new Promise((resolve) => setTimeout(resolve, 1000));
        servers.push({ command, run });
        continue;
      }
      const lines = shown[command];
      const run = shell(lines === undefined ? command : `exec 2>&1; ${command}`, 60_000);
      expect(await run.exit, `${command}: ${run.stderr.text}${run.stdout.text}`).toBe(0);
      if (lines !== undefined) compareShown({ command, shown: lines }, run.stdout.text);
    }
    for (const { command, run } of servers) {
      const code = await stop(run);
      // A udpkit server ends with 0 on Ctrl+C; python3's http.server ends with its signal.
      if (parseCommand(command).tool.startsWith('udp-')) expect(code, `${command}: ${run.stderr.text}`).toBe(0);
    }
  } finally {
    for (const { run } of servers) run.interrupt();
  }
}

async function runExample(command: string): Promise<void> {
  const { tool } = parseCommand(command);
  if (tool === 'udp-compare') return runCompare(command);
  if (tool === 'udp-proxy') return runProxy(command);
  if (tool === 'udp-probe') return runProbe(command);
  if (tool === 'udp-listen') return runListener(command);
  return runSender(command);
}

/** A line the README shows, as a pattern: times, ephemeral ports, durations and rates vary; nothing else does. */
function shownPattern(line: string): RegExp {
  const FIXED = new Set(['5005', '5006', '514', '53', '80']);
  let pattern = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  pattern = pattern.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\\\.\d{3}Z/g, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z');
  pattern = pattern.replace(/(127\\\.0\\\.0\\\.1|\\\]):(\d+)/g, (all, before: string, port: string) => (FIXED.has(port) ? all : `${before}:\\d+`));
  pattern = pattern.replace(/\d+(?:\\\.\d+)? ms\b/g, '[\\d.]+ ms');
  pattern = pattern.replace(/[\d,]+(?:\\\.\d+)? (messages|datagrams)\/s/g, '[\\d,.]+ $1/s');
  pattern = pattern.replace(/granted \d+/g, 'granted \\d+');
  // How many reads a TCP stream took depends on timing (see mergeChunks).
  pattern = pattern.replace(/ in \d+ chunks?,/g, ' in \\d+ chunks?,');
  // A prober's report: how many probes had been sent and settled by the report's moment depends on timing.
  pattern = pattern.replace(/ \\\(0 of \d+\\\)/g, ' \\(0 of \\d+\\)').replace(/total \d+ sent, \d+ received/g, 'total \\d+ sent, \\d+ received');
  // A counter scraped at some moment.
  pattern = pattern.replace(/^(udpkit_\w+_total\\\{.*\\\}) \d+$/, '$1 \\d+');
  return new RegExp(`^${pattern}$`);
}

/**
 * What a session printed, as the README would show it: stdout and stderr in order (2>&1), the line saying the
 * host's net.core.rmem_max caps the receive buffer dropped where the README's line does not show it (it depends on
 * the host), and a listener's summary dropped (the README's session leaves the listener running).
 */
function printed(text: string, shown: readonly string[]): string[] {
  const showsBuffer = shown.some((line) => line.startsWith('receive buffer: '));
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('summary: ') && (showsBuffer || !line.startsWith('receive buffer: ')));
}

/**
 * TCP data records of one connection that follow one another, as one: a stream has no message boundaries, and
 * whether five small writes arrive in one read or two depends on timing (the README says so beside its example).
 */
function mergeChunks(lines: string[]): string[] {
  const DATA = /^(\S+ tcp \S+ #\d+) (\d+) bytes: (.*)$/;
  const out: string[] = [];
  for (const line of lines) {
    const now = DATA.exec(line);
    const before = DATA.exec(out.at(-1) ?? '');
    if (now && before && now[1]?.replace(/^\S+/, '') === before[1]?.replace(/^\S+/, '')) {
      out[out.length - 1] = `${before[1] ?? ''} ${Number(before[2]) + Number(now[2])} bytes: ${before[3] ?? ''}${now[3] ?? ''}`;
    } else out.push(line);
  }
  return out;
}

function compareShown(step: SessionStep, text: string): void {
  const got = mergeChunks(printed(text, step.shown));
  const buffer = step.shown.findIndex((line) => line.startsWith('receive buffer: '));
  // A host whose rmem_max lets 8 MiB through prints no such line: the README's is then not expected either.
  const shown = mergeChunks(buffer >= 0 && !got.some((line) => line.startsWith('receive buffer: ')) ? step.shown.filter((_, i) => i !== buffer) : step.shown);
  expect(got.length, `$ ${step.command}\n${got.join('\n')}`).toBe(shown.length);
  shown.forEach((line, i) => expect(got[i], `$ ${step.command}: line ${i + 1}`).toMatch(shownPattern(line)));
}

async function runSession(steps: SessionStep[]): Promise<void> {
  const background: { step: SessionStep; run: Shell }[] = [];
  const servers: Shell[] = [];
  try {
    for (const step of steps) {
      if (parseCommand(step.command).tool === 'udp-listen') {
        const run = shell(`exec 2>&1; exec ${step.command}`);
        await run.stdout.waitFor(/^listening on /m, 10_000);
        background.push({ step, run });
        continue;
      }
      if (/\s&$/.test(step.command)) {
        // Another server left running (`udp-probe … &`): what it printed before the next line was typed, as a
        // terminal shows it; it runs on until the end, then Ctrl+C.
        const run = shell(`exec 2>&1; exec ${step.command.replace(/\s&$/, '')}`);
        await waitFor(() => printed(run.stdout.text, step.shown).length >= step.shown.length, { timeoutMs: 10_000, what: () => `the output of ${step.command}: ${run.stdout.text}` });
        compareShown(step, printed(run.stdout.text, step.shown).slice(0, step.shown.length).join('\n'));
        servers.push(run);
        continue;
      }
      const run = shell(`exec 2>&1; ${step.command}`, 30_000);
      await run.exit;
      compareShown(step, run.stdout.text);
    }
    for (const run of servers) expect(await stop(run), run.stdout.text).toBe(0);
    for (const { step, run } of background) {
      // What the listeners printed, once what was sent to them has arrived.
      await waitFor(() => printed(run.stdout.text, step.shown).length >= step.shown.length - 1, { timeoutMs: 5000, what: `the output of ${step.command}` });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await stop(run)).toBe(0);
      compareShown(step, run.stdout.text);
    }
  } finally {
    for (const { run } of background) run.interrupt();
    for (const run of servers) run.interrupt();
  }
}

const compares = commands.filter((c) => parseCommand(c).tool === 'udp-compare');
const help = helpExamples();

describe.skipIf(unavailable !== undefined)('README examples', () => {
  it('are found: the tables, the sessions and --help give what this test runs', () => {
    expect(commands.length).toBeGreaterThan(60);
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    expect(help.length).toBeGreaterThanOrEqual(20);
    // The script's output block, checked against what `udp-send --script` prints.
    expect(scripts.flatMap((script) => Object.values(script.shown)).some((lines) => lines.some((line) => line.startsWith('step 2 expect WELCOME')))).toBe(true);
  });

  it.each(commands.filter((c) => !compares.includes(c)))('%s', async (command) => {
    await runExample(command);
  }, 60_000);

  it.each(sessions.map((steps) => [steps.map((s) => s.command).join(' ; '), steps] as const))('session: %s', async (_name, steps) => {
    await runSession([...steps]);
  }, 60_000);

  it.each(scripts.map((script) => [script.section, script.lines, script.shown] as const))('worked example in %s', async (_section, lines, shown) => {
    // A lone listener line is a listener example: it is sent a datagram as the table's are.
    if (lines.length === 1 && parseCommand(lines[0] ?? '').tool === 'udp-listen') await runExample(lines[0] ?? '');
    else await runScript(lines, shown);
  }, 120_000);
});

describe.skipIf(unavailable !== undefined)('--help examples', () => {
  it.each(help.filter((c) => parseCommand(c).tool !== 'udp-compare'))('%s', async (command) => {
    await runExample(command);
  }, 60_000);
});

describe.skipIf(unavailable !== undefined)('udp-compare examples (README and --help)', () => {
  it.each([...compares, ...help.filter((c) => parseCommand(c).tool === 'udp-compare' && !compares.includes(c))])('%s', async (command) => {
    await runExample(command);
  }, 600_000);
});
