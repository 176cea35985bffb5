/**
 * The regex budget is CPU time, not wall time: a run the watchdog stopped while the thread was kept off the CPU is
 * run again (shown with a "regex" that sleeps, and with the built responder at nice 10 beside processes that keep
 * every core busy), while a pattern that really burns its budget is stopped, counted, and does not answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RegexBudget, REGEX_MAX_RUNS, regexCpuCeilingMs } from '../../src/respond/regex-budget.js';
import { threadCpuMs } from '../../src/respond/cpu-clock.js';
import { fixturePath, waitFor } from '../helpers.js';

/** A "regex" whose first `sleeps` runs wait `ms` without using the CPU (as a thread kept off a busy core does). */
function sleepy(sleeps: number, ms: number): RegExp & { calls: number } {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const fake = {
    calls: 0,
    exec(s: string): string[] {
      fake.calls += 1;
      if (fake.calls <= sleeps) Atomics.wait(cell, 0, 0, ms);
      return [s, s.slice(0, 3)];
    },
  };
  return fake as unknown as RegExp & { calls: number };
}

/** A "regex" that uses `ms` of the thread's CPU and matches nothing. */
function burner(ms: number): RegExp {
  return {
    exec(): null {
      const t0 = threadCpuMs();
      while (threadCpuMs() - t0 < ms);
      return null;
    },
  } as unknown as RegExp;
}

describe('the regex budget counts CPU time', () => {
  it('a run stopped while the thread slept is run again, not refused', () => {
    const budget = new RegexBudget(20);
    const regex = sleepy(2, 500);
    budget.beginPayload();
    // The first run sleeps past its 20 ms timeout; having had no CPU, the second gets twice that, and sleeps past it
    // too; the third matches.
    const outcome = budget.exec(regex, 'GET key');
    expect(outcome).not.toBe('timeout');
    expect((outcome as Buffer[]).map(String)).toEqual(['GET']);
    expect(regex.calls).toBe(3);
    expect(budget.reruns).toBe(2);
  });

  it('a thread that never gets its CPU is given up after REGEX_MAX_RUNS runs', () => {
    // 20 ms: a run that only sleeps uses far less CPU than 18 ms, even with a garbage collection in it.
    const budget = new RegexBudget(20);
    const regex = sleepy(100, 60_000);
    budget.beginPayload();
    expect(budget.exec(regex, 'x')).toBe('timeout');
    expect(regex.calls).toBe(REGEX_MAX_RUNS);
  });

  it('a pattern that burns its budget is stopped at once; the budget is per payload', () => {
    const budget = new RegexBudget(20);
    budget.beginPayload();
    const cpu0 = threadCpuMs();
    expect(budget.exec(/^(a+)+$/, `${'a'.repeat(30_000)}!`)).toBe('timeout');
    // Not a speed assertion: the ceiling the design gives (stopped runs short of the allowance, then a last long one).
    expect(threadCpuMs() - cpu0).toBeLessThan(regexCpuCeilingMs(20));
    budget.beginPayload();
    expect(budget.exec(burner(12), 'x')).toBe('none');
    // What is left of this payload's 20 ms (8) is far less than the 40 a second match would take: over budget, however
    // the machine's load stretches the watchdog (12 + 12 could pass when a re-run was given its time again).
    expect(budget.exec(burner(40), 'x')).toBe('timeout');
    budget.beginPayload();
    expect(budget.exec(burner(12), 'x')).toBe('none');
  });
});

describe('the responder on a busy machine', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('at nice 10 beside a busy process per core, no legitimate match is refused; /^(a+)+$/ still is', async () => {
    const dist = join(fileURLToPath(new URL('../../dist/respond', import.meta.url)));
    const child = spawn('nice', ['-n', '10', process.execPath, fixturePath('regex-under-load.mjs'), dist, '60'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out.startsWith('ready\n'), { what: 'the child ready', timeoutMs: 20_000 });
    // Each spinner stops by itself after 30 s, should the test die before its teardown.
    for (let i = 0; i <= availableParallelism(); i++) {
      children.push(spawn(process.execPath, ['-e', 'const end = Date.now() + 30000; while (Date.now() < end);'], { stdio: 'ignore' }));
    }
    child.stdin.end('go\n');
    // On top of the load, the child is stopped 25 ms in every 100 (at most 400 times): longer than the budget, so a
    // wall-clock budget would refuse whatever match a stop lands in.
    let stops = 0;
    const stopper = setInterval(() => {
      if (stops++ >= 400 || child.exitCode !== null) return clearInterval(stopper);
      child.kill('SIGSTOP');
      setTimeout(() => child.kill('SIGCONT'), 25);
    }, 100);
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    clearInterval(stopper);
    const counts = JSON.parse(out.slice('ready\n'.length)) as { sent: number; answered: number; timeouts: number; reruns: number; evilAnswered: boolean };
    console.log(`under load: ${JSON.stringify(counts)}`);
    expect(counts.sent).toBeGreaterThanOrEqual(60);
    // The load did keep the child off the CPU in the middle of matches (else this test would show nothing).
    expect(counts.reruns).toBeGreaterThan(0);
    expect(counts).toMatchObject({ answered: counts.sent, timeouts: 1, evilAnswered: false });
  }, 60_000);
});
