/**
 * The Prometheus files shipped under docs/prometheus/ are checked, not only shown: promtool checks the scrape config
 * and the rules, runs the rule test (and fails a wrong one), every metric name the dashboard and the rules use is in
 * a live /metrics, and the systemd unit's command line is one udp-listen accepts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseListenArgs } from '../../src/cli/listen-args.js';
import { listening, memoryIO, startBin } from '../helpers.js';

const DOCS = fileURLToPath(new URL('../../docs/prometheus/', import.meta.url));
const doc = (name: string): string => join(DOCS, name);
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) console.log('skipping the promtool checks of docs/prometheus: promtool is not installed (apt-get install prometheus; .ci/run installs it)');

function runPromtool(args: string[], cwd = DOCS): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The udpkit metric names a file uses (a recording rule's own name, `target:udpkit_…:…`, is not one). */
function namesUsed(text: string): Set<string> {
  return new Set(text.match(/(?<![\w:])udpkit_[a-z_]+(?![\w:])/g) ?? []);
}

/** The names of an exposition: every sample's (`…_bucket`, `…_sum` too) and every metric's own (`# TYPE name …`). */
function sampleNames(exposition: string): Set<string> {
  const names = exposition.split('\n').map((l) => (l.startsWith('# TYPE ') ? l.split(' ')[2] : l.startsWith('#') ? '' : l.split(/[{ ]/)[0]));
  return new Set(names.filter((name): name is string => name !== undefined && name !== ''));
}

describe.skipIf(!promtool)('docs/prometheus with promtool', () => {
  it('promtool check config and check rules pass', () => {
    const config = runPromtool(['check', 'config', 'prometheus.yml']);
    expect(config.status, config.output).toBe(0);
    expect(config.output).toContain('SUCCESS: 1 rule files found');
    const rules = runPromtool(['check', 'rules', 'udpkit-rules.yml']);
    expect(rules.status, rules.output).toBe(0);
    expect(rules.output).toContain('SUCCESS: 2 rules found');
  });

  it('promtool test rules: the loss alert fires on the synthetic series after 5 minutes; a test expecting it sooner fails', () => {
    const passing = runPromtool(['test', 'rules', 'udpkit-rules.test.yml']);
    expect(passing.status, passing.output).toBe(0);
    // The same test, expecting the alert at 4 minutes (it is only pending then): promtool must fail it.
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-rules-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(doc('udpkit-rules.yml'), join(dir, 'udpkit-rules.yml'));
    const wrong = readFileSync(doc('udpkit-rules.test.yml'), 'utf8').replace('eval_time: 10m', 'eval_time: 4m30s');
    writeFileSync(join(dir, 'wrong.test.yml'), wrong);
    const failing = runPromtool(['test', 'rules', 'wrong.test.yml'], dir);
    expect(failing.status).not.toBe(0);
    expect(failing.output).toContain('UdpkitProbeLoss');
  });
});

describe('docs/prometheus against live /metrics', () => {
  it('every udpkit metric the dashboard and the rules use is in the /metrics of udp-probe or udp-listen', async () => {
    const echo = startBin('udp-listen', ['--echo', '--host', '127.0.0.1', '--metrics', '0', '0']);
    const port = await listening(echo);
    const listenUrl = (await echo.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
    const prober = startBin('udp-probe', ['--interval', '20ms', '--metrics', '0', `127.0.0.1:${port}`]);
    const probeUrl = (await prober.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
    await echo.stdout.waitFor(/(\n[^\n]*){5}/);
    const live = new Set([...sampleNames(await (await fetch(listenUrl)).text()), ...sampleNames(await (await fetch(probeUrl)).text())]);
    const used = new Set([...namesUsed(readFileSync(doc('udpkit-dashboard.json'), 'utf8')), ...namesUsed(readFileSync(doc('udpkit-rules.yml'), 'utf8'))]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !live.has(name))).toEqual([]);
    const dashboard = JSON.parse(readFileSync(doc('udpkit-dashboard.json'), 'utf8')) as { panels: { title: string }[] };
    expect(dashboard.panels.map((p) => p.title)).toEqual(expect.arrayContaining(['Loss per direction', 'RTT percentiles', 'Jitter (mean |IPDV|)', 'Echo servers: kernel drops']));
  });

  it("the systemd unit's ExecStart is a udp-listen command line that parses: echo, metrics on 0.0.0.0:9464", async () => {
    const unit = readFileSync(doc('udpkit-echo.service'), 'utf8');
    const exec = /^ExecStart=\/usr\/bin\/env udp-listen (.*)$/m.exec(unit)?.[1];
    expect(exec).toBeDefined();
    const config = await parseListenArgs((exec ?? '').split(' '), memoryIO().io);
    expect(config).toMatchObject({ echo: true, ports: [5005], metrics: { host: '0.0.0.0', port: 9464 } });
    const verify = spawnSync('systemd-analyze', ['verify', doc('udpkit-echo.service')], { encoding: 'utf8', timeout: 30_000 });
    if (verify.error === undefined) expect(verify.status, verify.stderr).toBe(0);
    else console.log('systemd-analyze is not installed: the unit file is not verified');
  });
});
