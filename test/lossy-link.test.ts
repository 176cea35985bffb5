/** The lossy-link scenario across two network namespaces (root, ip and nft: CI installs them), and its clean-up. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../src/compare/run.js';
import { compareReportSchema } from '../src/compare/schema.js';
import { NETNS_PREFIX, lossyLinkUnavailable, namespacesWithPrefix } from '../src/compare/netns.js';
import { peerUnavailable } from '../src/compare/peer-process.js';
import { peerPids, peersOf, sleep, startBin, waitFor } from './helpers.js';

const reason = lossyLinkUnavailable() ?? peerUnavailable();

/** Whatever happened in a test, leaves no namespace of process `pid` behind. */
function removeNamespaces(pid: number | undefined): void {
  for (const ns of namespacesWithPrefix(`${NETNS_PREFIX}${pid}-`)) spawnSync('ip', ['netns', 'del', ns]);
}
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
    const { child, exit } = startBin('udp-compare', ['-s', 'lossy-link', '--messages', '20000', '--rate', '5000'], { stdio: 'ignore' });
    try {
      await waitFor(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2, { timeoutMs: 10_000, what: 'the namespaces to appear' });
      child.kill('SIGINT');
      // On purpose: a person's second Ctrl+C a moment after the first, while the first one's clean-up runs.
      await sleep(100);
      child.kill('SIGINT');
      expect((await exit).code).toBe(130);
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      removeNamespaces(child.pid);
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(reason !== undefined)('lossy link: one signal stops it at once', () => {
  it.each(['SIGHUP', 'SIGTERM', 'SIGINT'] as const)('%s mid-scenario: exit 130, no namespace and no peer left', async (signal) => {
    const { child, stdout, stderr, exit } = startBin('udp-compare', ['-f', 'json', '-s', 'lossy-link', '--messages', '20000', '--rate', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitFor(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2 && peersOf(child.pid) > 0, { timeoutMs: 10_000, what: 'namespaces and peers' });
      const peers = peerPids(child.pid);
      child.kill(signal);
      expect((await exit).code).toBe(130);
      expect(stderr.text).toBe('udp-compare: interrupted: every namespace and peer process it made was removed\n');
      // The report says it as the README does, and as its schema allows: skipped, reason interrupted.
      const report = compareReportSchema.parse(JSON.parse(stdout.text));
      expect(report.scenarios.map((s) => [s.name, s.status, s.reason])).toEqual([['lossy-link', 'skipped', 'interrupted']]);
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
      expect(peers.filter(alive)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      removeNamespaces(child.pid);
    }
  });

  it('namespaces and peers of a run killed with SIGKILL are removed by the next run', async () => {
    const { child, exit } = startBin('udp-compare', ['-s', 'lossy-link', '--messages', '20000', '--rate', '2000'], { stdio: 'ignore' });
    try {
      await waitFor(() => namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`).length === 2 && peersOf(child.pid) > 0, { timeoutMs: 10_000, what: 'the namespaces and peers to appear' });
      const peers = peerPids(child.pid);
      child.kill('SIGKILL');
      await exit;
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toHaveLength(2);
      const report = await runCompare({ scenarios: ['lossy-link'], workload: { messages: 100, size: 64, rate: 10_000, loss: 1, duplicate: 1, linkRate: 20e6, linkBufferMs: 50 } });
      // --loss 100% and --duplicate 100% build valid rules: nothing crosses, and that is measured, not a failure.
      expect(report.scenarios[0]?.status, report.scenarios[0]?.reason).toBe('ok');
      expect(report.scenarios[0]?.rows.find((r) => r.measurement.startsWith('delivered'))?.udp.value).toBe(0);
      expect(namespacesWithPrefix(`${NETNS_PREFIX}${child.pid}-`)).toEqual([]);
      expect(peers.filter(alive)).toEqual([]);
    } finally {
      removeNamespaces(child.pid);
    }
  });
});
