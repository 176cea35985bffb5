/**
 * `udp-send --expect` and `--script` end to end: exit 0, 65 and 75 each produced by a real peer (a Python device),
 * and a script that passes against a `--respond-file` listener and fails at the right step against a wrong one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { binPath, fixturePath, listening, runBin, startBin, startProcess } from '../helpers.js';

async function pythonDevice(): Promise<number> {
  const run = startProcess('python3', [fixturePath('device_server.py')], { timeoutMs: 60_000 });
  const match = await run.stdout.waitFor(/^(\d+)\n/);
  return Number(match[1]);
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'udpkit-script-')), name);
  writeFileSync(path, text);
  return path;
}

describe('udp-send --expect', () => {
  it('exits 0 when the reply matches, and prints it', async () => {
    const port = await pythonDevice();
    const run = await runBin('udp-send', ['-w', '1s', '--expect', '/^TEMP=\\d+/', '127.0.0.1', String(port), 'READ?']);
    expect(run.stderr).toMatch(/^1 expectation held, 2 steps with 127\.0\.0\.1:\d+ over udp\n$/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/udp 127\.0\.0\.1:\d+ 7 bytes: TEMP=21\n$/);
  });

  it('exits 65 when replies came and none matched, saying which came', async () => {
    const port = await pythonDevice();
    const run = await runBin('udp-send', ['-w', '300ms', '--expect', 'TEMP=*', '127.0.0.1', String(port), 'WRITE']);
    expect(run.code).toBe(65);
    expect(run.stderr).toBe('udp-send: step 2 (expect TEMP=*): 1 reply came, none matched: "ERR WRITE"\n');
  });

  it('exits 75 when nothing came', async () => {
    const port = await pythonDevice();
    const run = await runBin('udp-send', ['-w', '300ms', '--expect', 'TEMP=*', '127.0.0.1', String(port), 'QUIET']);
    expect(run.code).toBe(75);
    expect(run.stderr).toBe('udp-send: step 2 (expect TEMP=*): no reply within 300 ms\n');
  });

  it('with --count every request must be answered; --expect twice wants two replies in order', async () => {
    const { run: listener, port } = await (async () => {
      const run = startBin('udp-listen', ['--host', '127.0.0.1', '--respond-file', file('r.yaml', 'rules:\n  - match: GET*\n    reply: [VALUE, END]\n'), '0'], { timeoutMs: 30_000 });
      return { run, port: await listening(run) };
    })();
    const ok = await runBin('udp-send', ['-w', '1s', '-c', '3', '--expect', 'VALUE', '--expect', 'END', '127.0.0.1', String(port), 'GET x']);
    expect(ok.stderr).toContain('6 expectations held, 9 steps');
    expect(ok.code).toBe(0);
    const wrongOrder = await runBin('udp-send', ['-w', '300ms', '--expect', 'END', '--expect', 'VALUE', '127.0.0.1', String(port), 'GET x']);
    // An expectation passes over replies that do not match it: END takes VALUE's place, and nothing is left for VALUE.
    expect(wrongOrder.code).toBe(75);
    expect(wrongOrder.stderr).toBe('udp-send: step 3 (expect VALUE): no reply within 300 ms\n');
    listener.child.kill('SIGINT');
  });

  it('refuses --expect without --wait', async () => {
    const run = await runBin('udp-send', ['--expect', 'x', '127.0.0.1', '9', 'hi']);
    expect(run.code).toBe(64);
    expect(run.stderr).toBe('udp-send: --expect needs --wait: how long to wait for each reply (e.g. -w 1s)\n');
  });
});

describe('udp-send --script', () => {
  const rules = ['rules:', '  - match: HELLO', '    reply: WELCOME', '    then: connected', '  - match: DATA*', '    when: connected', '    reply: ACK {{seq}}'].join('\n');
  const script = ['steps:', '  - send: HELLO', '  - expect: WELCOME', '    timeout: 1s', '  - sleep: 10ms', '  - send: DATA 1', '  - expect: /^ACK \\d+$/', '    timeout: 2s'].join('\n');

  async function device(text: string, tcp = false) {
    const args = ['--host', '127.0.0.1', '--respond-file', file('rules.yaml', text), ...(tcp ? ['--tcp', '--frame', 'line'] : []), '0'];
    const run = startBin('udp-listen', args, { timeoutMs: 30_000 });
    return listening(run, tcp ? 'tcp' : 'udp');
  }

  it('passes against a --respond-file listener, printing each step', async () => {
    const port = await device(rules);
    const run = await runBin('udp-send', ['--script', file('talk.yaml', script), '127.0.0.1', String(port)]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/ok in [\d.]+ ms/, 'ok'))).toEqual([
      'step 1 send 5 bytes: "HELLO": sent',
      'step 2 expect WELCOME: ok: "WELCOME"',
      'step 3 sleep 10 ms: done',
      'step 4 send 6 bytes: "DATA 1": sent',
      'step 5 expect /^ACK \\d+$/: ok: "ACK 1"',
    ]);
  });

  it('over TCP with --frame line', async () => {
    const port = await device(rules, true);
    const run = await runBin('udp-send', ['--tcp', '--frame', 'line', '--script', file('talk.yaml', script), '127.0.0.1', String(port)]);
    expect(run.stderr).toMatch(/2 expectations held, 5 steps with 127\.0\.0\.1:\d+ over tcp/);
    expect(run.code).toBe(0);
  });

  it('fails at the right step against a listener that answers wrong', async () => {
    const port = await device(rules.replace('ACK {{seq}}', 'NAK'));
    const run = await runBin('udp-send', ['--script', file('talk.yaml', script), '127.0.0.1', String(port)]);
    expect(run.code).toBe(65);
    expect(run.stdout).toContain('step 5 expect /^ACK \\d+$/: FAILED: 1 reply came, none matched: "NAK"');
    expect(run.stderr).toBe('udp-send: step 5 (expect /^ACK \\d+$/): 1 reply came, none matched: "NAK"\n');
  });

  it('a bad script names the file, the step and what was expected', async () => {
    const path = file('bad.yaml', 'steps:\n  - send: hi\n  - expect: HI\n    timeout: soon\n');
    const run = await runBin('udp-send', ['--script', path, '127.0.0.1', '9']);
    expect(run.code).toBe(64);
    expect(run.stderr).toBe(`udp-send: ${path}: steps[1] (step 2): "soon": expected a duration up to 1h (100ms, 1s; a bare number is milliseconds)\n`);
  });
});

describe('shell completion', () => {
  it('completes --resp to --respond and --respond-file, --exp to --expect, --scr to --script (bash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-completion-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const complete = (name: string, word: string): string[] => {
      writeFileSync(join(dir, name), `#!/bin/sh\nexec "${process.execPath}" "${binPath(name)}" "$@"\n`, { mode: 0o755 });
      const fn = `_${name.replace('-', '_')}_completions`;
      const script = `eval "$(${name} completion)"; COMP_WORDS=(${name} ${word}); COMP_CWORD=1; ${fn}; echo "\${COMPREPLY[@]}"`;
      const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, SHELL: '/bin/bash' } });
      return run.stdout.trim().split(' ').sort();
    };
    expect(complete('udp-listen', '--resp')).toEqual(['--respond', '--respond-file']);
    expect(complete('udp-send', '--exp')).toEqual(['--expect']);
    expect(complete('udp-send', '--scr')).toEqual(['--script']);
  });
});
