/**
 * The namespaces tests make are removed on every exit path (test/namespaces.ts): a test process stopped by a signal
 * removes its own (and ends what runs inside), and the ones a SIGKILL left are removed by the next run's sweep.
 * Needs root and iproute2 (CI); skipped otherwise, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsRoot, waitFor } from './helpers.js';
import { makeNamespace, removeNamespace, removeOrphanNamespaces } from './namespaces.js';

const reason = needsRoot() ?? (spawnSync('sh', ['-c', 'command -v ip']).status === 0 ? undefined : 'needs ip (iproute2)');
if (reason !== undefined) console.log(`skipping the namespace clean-up tests: ${reason}`);

/** A process's state letter from /proc (R, S, Z …), or 'gone'. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? 'gone';
  } catch {
    return 'gone';
  }
}

const work = mkdtempSync(join(tmpdir(), 'udpkit-ns-test-'));
const helper = join(work, 'namespaces.mjs');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(reason !== undefined)('test namespaces', () => {
  beforeAll(async () => {
    // The helper as a child process runs it: bundled from the sources, as the test imports it.
    await build({ entryPoints: [join(import.meta.dirname, 'namespaces.ts')], bundle: true, platform: 'node', format: 'esm', outfile: helper, logLevel: 'silent' });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`a process stopped by ${signal} removes its namespace, its /etc files and what runs inside`, { timeout: 20_000 }, async () => {
      const script = join(work, `child-${signal}.mjs`);
      writeFileSync(
        script,
        `import { spawn } from 'node:child_process';
import { makeNamespace } from ${JSON.stringify(helper)};
const name = makeNamespace('signal-check', { hosts: '127.0.0.1 localhost\\n' });
const inside = spawn('ip', ['netns', 'exec', name, 'sleep', '30'], { stdio: 'ignore', detached: true });
inside.unref();
setTimeout(() => process.stdout.write(name + ' ' + inside.pid + '\\n'), 200);
setInterval(() => {}, 1000);
`,
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, how) => resolve(how)));
      await waitFor(() => out.includes('\n'), { timeoutMs: 10_000, what: 'the child to make its namespace' });
      const [name = '', pid = ''] = out.trim().split(' ');
      expect(name).toBe(`udpkit-${child.pid}-signal-check`);
      expect(existsSync(`/run/netns/${name}`)).toBe(true);
      expect(existsSync(`/etc/netns/${name}/hosts`)).toBe(true);
      expect(spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout).toMatch(/\d/);
      expect(stateOf(Number(pid))).toMatch(/^[RS]$/);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(existsSync(`/run/netns/${name}`)).toBe(false);
      expect(existsSync(`/etc/netns/${name}`)).toBe(false);
      // Ended (at most a zombie its new parent has not reaped yet).
      expect(stateOf(Number(pid))).toMatch(/^(gone|Z)$/);
    });
  }

  it('the sweep removes namespaces whose PID is gone, and leaves a running process its own', () => {
    const gone = spawnSync('true').pid;
    const orphan = `udpkit-${gone}-orphan`;
    expect(spawnSync('ip', ['netns', 'add', orphan]).status).toBe(0);
    const mine = makeNamespace('kept');
    try {
      const removed = removeOrphanNamespaces();
      expect(removed).toContain(orphan);
      expect(removed).not.toContain(mine);
      expect(existsSync(`/run/netns/${orphan}`)).toBe(false);
      expect(existsSync(`/run/netns/${mine}`)).toBe(true);
    } finally {
      removeNamespace(orphan);
      removeNamespace(mine);
    }
  });
});
