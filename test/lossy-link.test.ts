/** The lossy-link scenario across two network namespaces (root, ip and nft: CI installs them), and its clean-up. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../src/compare/run.js';
import { NETNS_PREFIX, lossyLinkUnavailable, namespacesWithPrefix } from '../src/compare/netns.js';
import { peerUnavailable } from '../src/compare/peer-process.js';
import { binPath, until } from './helpers.js';

const reason = lossyLinkUnavailable() ?? peerUnavailable();
if (reason) console.log(`lossy-link tests skipped: ${reason}`);

describe.skipIf(reason !== undefined)('lossy link', () => {
  it('at 20% loss TCP delivers 100% in order and UDP less; the namespaces are gone afterwards', async () => {
    const report = await runCompare({
      scenarios: ['lossy-link'],
      workload: { messages: 1000, size: 64, rate: 10_000, loss: 0.2, duplicate: 0, linkRate: 20e6, linkBufferMs: 50 },
    });
    const result = report.scenarios[0];
    expect(result?.status, result?.reason).toBe('ok');
    const value = (measurement: string, side: 'udp' | 'tcp') => result?.rows.find((r) => r.measurement.startsWith(measurement))?.[side].value;
    expect(value('delivered', 'tcp')).toBe(100);
    expect(value('reordered', 'tcp')).toBe(0);
    expect(value('delivered', 'udp') as number).toBeLessThan(100);
    expect(value('delivered', 'udp') as number).toBeGreaterThan(60);
    expect(value('lost', 'udp') as number).toBeGreaterThan(0);
    expect(namespacesWithPrefix(`${NETNS_PREFIX}${process.pid}-`)).toEqual([]);
  });

  it('--duplicate makes UDP deliver some messages twice', async () => {
    const report = await runCompare({
      scenarios: ['lossy-link'],
      workload: { messages: 500, size: 64, rate: 10_000, loss: 0, duplicate: 0.3, linkRate: 20e6, linkBufferMs: 50 },
    });
    const rows = report.scenarios[0]?.rows ?? [];
    expect(rows.find((r) => r.measurement === 'duplicated')?.udp.value as number).toBeGreaterThan(0);
    expect(rows.find((r) => r.measurement === 'duplicated')?.tcp.value).toBe(0);
    expect(namespacesWithPrefix(`${NETNS_PREFIX}${process.pid}-`)).toEqual([]);
  });

  it('a process that fails after building the link still removes its namespaces', () => {
    const netns = fileURLToPath(new URL('../dist/compare/netns.js', import.meta.url));
    const script = `import(${JSON.stringify(netns)}).then((m) => { const l = m.createLossyLink(0.2, 0); console.log(l.receiverNs); throw new Error('boom'); });`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain('boom');
    expect(child.stdout).toMatch(/^udpkit-\d+-[0-9a-f]+-b\n$/);
    expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
  });

  it('Ctrl+C twice during the lossy link exits 130 and removes the namespaces', async () => {
    const child = spawn(process.execPath, [binPath('udp-compare'), '-s', 'lossy-link', '--messages', '20000', '--rate', '5000'], { stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2, 10_000, 'the namespaces to appear');
      child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGINT');
      expect(await exit).toBe(130);
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      // Whatever happened, leave no namespace behind.
      for (const ns of namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)) spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});

describe.skipIf(reason !== undefined)('lossy link: one signal stops it at once', () => {
  const peersOf = (pid: number | undefined): number =>
    spawnSync('pgrep', ['-P', String(pid), '-f', 'peer\\.m?js'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;

  it.each(['SIGHUP', 'SIGTERM', 'SIGINT'] as const)('%s mid-scenario: exit 130, no namespace and no peer left', async (signal) => {
    const child = spawn(process.execPath, [binPath('udp-compare'), '-s', 'lossy-link', '--messages', '20000', '--rate', '2000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2 && peersOf(child.pid) > 0, 10_000, 'namespaces and peers');
      child.kill(signal);
      expect(await exit).toBe(130);
      expect(stderr).toBe('udp-compare: interrupted: every namespace and peer process it made was removed\n');
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
      expect(spawnSync('pgrep', ['-f', `peer\\.m?js .*--host 10\\.213\\.`]).status).toBe(1);
    } finally {
      child.kill('SIGKILL');
      for (const ns of namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)) spawnSync('ip', ['netns', 'del', ns]);
    }
  });

  it('namespaces and peers of a run killed with SIGKILL are removed by the next run', async () => {
    const child = spawn(process.execPath, [binPath('udp-compare'), '-s', 'lossy-link', '--messages', '20000', '--rate', '2000'], { stdio: 'ignore' });
    const exit = new Promise<unknown>((resolve) => child.on('close', resolve));
    try {
      await until(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2, 10_000, 'the namespaces to appear');
      child.kill('SIGKILL');
      await exit;
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toHaveLength(2);
      const report = await runCompare({ scenarios: ['lossy-link'], workload: { messages: 100, size: 64, rate: 10_000, loss: 1, duplicate: 1, linkRate: 20e6, linkBufferMs: 50 } });
      // --loss 100% and --duplicate 100% build valid rules: nothing crosses, and that is measured, not a failure.
      expect(report.scenarios[0]?.status, report.scenarios[0]?.reason).toBe('ok');
      expect(report.scenarios[0]?.rows.find((r) => r.measurement.startsWith('delivered'))?.udp.value).toBe(0);
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
      expect(spawnSync('pgrep', ['-f', `peer\\.m?js .*--host 10\\.213\\.`]).status).toBe(1);
    } finally {
      for (const ns of namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)) spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
