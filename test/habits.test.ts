/** Habits people bring from nc and the shell: `--`, nc's flags, durations with units, unknown options named. */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseCompareArgs } from '../src/cli/compare-args.js';
import { listenMain } from '../src/cli/listen.js';
import { parseListenArgs } from '../src/cli/listen-args.js';
import { sendMain } from '../src/cli/send.js';
import { parseSendArgs } from '../src/cli/send-args.js';
import { durationMs } from '../src/core/schemas.js';
import { binPath, boundSocket, memoryIO, startListen } from './helpers.js';

async function received(args: (port: string) => string[]): Promise<{ code: number; payload: string; stderr: string }> {
  const socket = await boundSocket();
  const got = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
  const { io, stderr } = memoryIO('');
  const code = await sendMain(args(String(socket.address().port)), io);
  return { code, payload: code === 0 ? await got : '', stderr: stderr.text };
}

describe('`--` ends the options', () => {
  it('udp-send HOST PORT -- -x sends "-x"', async () => {
    const result = await received((port) => ['127.0.0.1', port, '--', '-x']);
    expect(result).toMatchObject({ code: 0, payload: '-x' });
  });

  it('udp-send -- HOST PORT -x sends "-x"', async () => {
    const result = await received((port) => ['--', '127.0.0.1', port, '-x']);
    expect(result).toMatchObject({ code: 0, payload: '-x' });
  });

  it('options before `--` still count: udp-send -e HOST PORT -- "-a\\tb"', async () => {
    const result = await received((port) => ['-e', '127.0.0.1', port, '--', '-a\\tb']);
    expect(result).toMatchObject({ code: 0, payload: '-a\tb' });
  });

  it('too many arguments after `--` are named, not sent', async () => {
    const result = await received((port) => ['127.0.0.1', port, '--', '-x', '-y']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe('udp-send: unknown argument "-y"\n');
  });

  it('udp-listen -- 0 listens', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--', '0']);
    expect(run.address).toBe('127.0.0.1');
    run.stop();
    expect(await run.exit).toBe(0);
  });

  it('udp-compare -s setup -- HOST PORT measures HOST PORT', async () => {
    const config = await parseCompareArgs(['-s', 'setup', '--', '127.0.0.2', '6000'], memoryIO().io);
    expect(config).toMatchObject({ scenarios: ['setup'], remote: { host: '127.0.0.2', port: 6000 } });
  });
});

describe('nc habits', () => {
  it('udp-listen -u -l -k -p PORT and -ulp PORT are the port, as nc reads them', async () => {
    for (const argv of [['-u', '-l', '-k', '-p', '5005'], ['-ulp', '5005'], ['-l', '5005'], ['-p', '5005', '5005']]) {
      expect((await parseListenArgs(argv, memoryIO().io))?.ports).toEqual([5005]);
    }
  });

  it.each([
    [['-p', '1', '2'], 'ports given both as arguments ("2") and with -p "1": give them one way'],
    [[], 'missing the port to listen on (udp-listen PORT, or -p PORT)'],
    [['-u', '--tcp', '5005'], '-u (UDP) and --tcp cannot be used together'],
    [['-p', '70000'], 'invalid port "70000": expected an integer from 0 to 65535'],
  ])('udp-listen %j is refused: %s', async (argv, message) => {
    const { io, stderr } = memoryIO();
    expect(await listenMain(argv, io)).toBe(64);
    expect(stderr.text).toBe(`udp-listen: ${message}\n`);
  });

  it('udp-send -u is UDP, and -w 2s is two seconds', async () => {
    const config = await parseSendArgs(['-u', '-w', '2s', '127.0.0.1', '5005', 'x'], memoryIO().io);
    expect(config).toMatchObject({ tcp: false, waitMs: 2000 });
  });

  it('udp-listen -v: a line per new sender; udp-send -v: the address it sent from', async () => {
    const run = await startListen(['-v', '--host', '127.0.0.1', '0']);
    expect(run.address).toBe('127.0.0.1');
    const sender = memoryIO('');
    expect(await sendMain(['-v', '-c', '2', '127.0.0.1', String(run.port), 'hi'], sender.io)).toBe(0);
    const from = /^from 127\.0\.0\.1:(\d+) to 127\.0\.0\.1:\d+ over udp\n/.exec(sender.stderr.text);
    expect(from, sender.stderr.text).not.toBeNull();
    await run.stderr.waitFor(/new sender/);
    run.stop();
    expect(await run.exit).toBe(0);
    // Two datagrams from one sender: one line.
    expect(run.stderr.text.match(/new sender .*\n/g)).toEqual([`new sender 127.0.0.1:${from?.[1]} (to 127.0.0.1:${run.port})\n`]);
  });
});

describe('durations take units', () => {
  it.each([
    [['--wait', '500ms'], 'waitMs', 500],
    [['--wait', '2s'], 'waitMs', 2000],
    [['--wait', '1m'], 'waitMs', 60_000],
    [['--wait', '250'], 'waitMs', 250],
    [['-i', '250us'], 'intervalMs', 0.25],
    [['--tcp', '--connect-timeout', '1.5s'], 'connectTimeoutMs', 1500],
  ])('udp-send %j', async (flags, key, value) => {
    const config = await parseSendArgs([...flags, '127.0.0.1', '5005', 'x'], memoryIO().io);
    expect(config?.[key as 'waitMs']).toBe(value);
  });

  it.each([
    [['--timeout', '500ms'], 'timeoutMs', 500],
    [['--timeout', '2'], 'timeoutMs', 2000],
    [['--tcp', '--idle-timeout', '1m'], 'idleTimeoutMs', 60_000],
  ])('udp-listen %j', async (flags, key, value) => {
    const config = await parseListenArgs([...flags, '5005'], memoryIO().io);
    expect(config?.[key as 'timeoutMs']).toBe(value);
  });

  it('durationMs: any number with any unit is that many milliseconds; anything else is undefined', () => {
    const units = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), (n, unit) => {
        expect(durationMs(`${n}${unit}`, 'seconds')).toBe(n * units[unit]);
        expect(durationMs(String(n), 'seconds')).toBe(n * 1000);
        expect(durationMs(String(n), 'milliseconds')).toBe(n);
      }),
      { seed: 20261123, numRuns: 300 },
    );
    for (const bad of ['', '2 s', '-1s', '1d', 's', '1e3ms', '0x10']) expect(durationMs(bad, 'milliseconds')).toBeUndefined();
  });
});

describe('raw bytes and a terminal', () => {
  const noScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'script (util-linux) is not installed';
  if (noScript) console.log(`raw-to-terminal tests skipped: ${noScript}`);

  /** Runs a bin with a pseudo-terminal as stdout (`script -qec`); returns its exit code and what it printed. */
  function onTerminal(name: string, args: string[]): { code: number | null; output: string } {
    const command = [process.execPath, binPath(name), ...args].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 10_000 });
    return { code: run.status, output: run.stdout };
  }

  it.skipIf(noScript !== undefined)('udp-listen -f raw to a terminal is refused with exit 64 and a hint', () => {
    const run = onTerminal('udp-listen', ['-f', 'raw', '0']);
    expect(run.code).toBe(64);
    expect(run.output).toMatch(/^udp-listen: refusing to write raw payload bytes to a terminal .*add --force\r?\n$/);
  });

  it.skipIf(noScript !== undefined)('udp-send -w 1s -f raw to a terminal too; --force lets it through', () => {
    expect(onTerminal('udp-send', ['-w', '1s', '-f', 'raw', '127.0.0.1', '9', 'x']).code).toBe(64);
    // With --force it runs: nothing answers on the discard port, so it ends with "no reply" (75), not 64.
    expect(onTerminal('udp-send', ['--force', '-w', '100ms', '-f', 'raw', '127.0.0.1', '9', 'x']).code).toBe(75);
  });
});

describe('shell completion', () => {
  it('udp-send completion, eval-ed in bash, completes --fr to --frame and --conn to --connect and --connect-timeout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-completion-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // The script calls the command by name, as it is on the PATH after `npm i -g udpkit`.
    writeFileSync(join(dir, 'udp-send'), `#!/bin/sh\nexec "${process.execPath}" "${binPath('udp-send')}" "$@"\n`, { mode: 0o755 });
    const complete = (word: string): string[] => {
      const script = `eval "$(udp-send completion)"; COMP_WORDS=(udp-send ${word}); COMP_CWORD=1; _udp_send_completions; echo "\${COMPREPLY[@]}"`;
      const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, SHELL: '/bin/bash' } });
      return run.stdout.trim().split(' ').sort();
    };
    expect(complete('--fr')).toEqual(['--frame']);
    expect(complete('--conn')).toEqual(['--connect', '--connect-timeout']);
  });

  it('the zsh script is written when asked for, or when the login shell is zsh', async () => {
    const { io, stdout } = memoryIO();
    expect(await listenMain(['completion', 'zsh'], io)).toBe(0);
    expect(stdout.text).toMatch(/^#compdef udp-listen\n[\s\S]*compdef _udp_listen_completions udp-listen\n/);
    const login = memoryIO();
    expect(await listenMain(['completion'], { ...login.io, env: { SHELL: '/usr/bin/zsh' } })).toBe(0);
    expect(login.stdout.text).toMatch(/^#compdef udp-listen/);
  });
});
