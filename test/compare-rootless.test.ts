/**
 * lossy-link and bottleneck without root: the built udp-compare run as nobody (setpriv) makes its namespaces in a
 * user namespace of its own, measures real loss and rates across them, and leaves nothing behind on any exit
 * (the end of the run, a signal, SIGKILL). Also: the sentence that says why, where the kernel refuses.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { usernsRefusal } from '../src/compare/ns-host.js';
import { compareReportSchema } from '../src/compare/schema.js';
import { binPath, peerPids, startProcess, waitFor, type Running } from './helpers.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** Why these tests cannot run here: they need root to become nobody, and a kernel that lets nobody unshare. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (to run udp-compare as uid 65534 with setpriv)';
  const probe = spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), 'unshare', '-rn', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '50ms'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return `this kernel does not let nobody make a user and network namespace with tbf in it: ${probe.stderr.trim()}`;
  return ['nft', 'nsenter', 'unshare'].find((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}
const reason = unavailable();
if (reason) console.log(`rootless compare tests skipped: ${reason}`);

/** udp-compare as nobody. */
function compareAsNobody(args: string[], timeoutMs: number): Running {
  const [command, ...rest] = [...NOBODY, process.execPath, binPath('udp-compare'), ...args];
  return startProcess(command as string, rest, { stdio: ['ignore', 'pipe', 'pipe'], timeoutMs });
}

/** The PID of the process holding udp-compare `pid`'s user namespace, if it runs. */
function holderOf(pid: number | undefined): number | undefined {
  const found = spawnSync('pgrep', ['-f', `^sh -c read _ udpkit-userns-${pid}$`], { encoding: 'utf8' }).stdout.trim();
  return found === '' ? undefined : Number(found.split('\n')[0]);
}

/** Every process whose user namespace is `userns` (as /proc/PID/ns/user reads, `user:[N]`). */
function processesIn(userns: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/user`) === userns;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Runs a command inside the user and mount namespace held by `holder` (the test is root, so it may). */
function inside(holder: number, args: string[]): string {
  return spawnSync('nsenter', ['--target', String(holder), '--user', '--mount', '--net', ...args], { encoding: 'utf8', timeout: 10_000 }).stdout;
}

describe('usernsRefusal', () => {
  it.each([
    [{ unprivilegedClone: '0', maxUserNamespaces: '1000' }, 'kernel.unprivileged_userns_clone = 0', 'sysctl -w kernel.unprivileged_userns_clone=1'],
    [{ unprivilegedClone: '1', maxUserNamespaces: '0' }, 'user.max_user_namespaces = 0', 'sysctl -w user.max_user_namespaces=10000'],
    [{ maxUserNamespaces: '1000', apparmorRestrict: '1' }, 'kernel.apparmor_restrict_unprivileged_userns = 1', 'an AppArmor profile'],
    [{ maxUserNamespaces: '1000' }, 'unshare --user --map-root-user --net: unshare failed: Operation not permitted', 'seccomp'],
  ])('%j: names the setting and what would allow it', (settings, setting, allow) => {
    const text = usernsRefusal(settings, 'unshare failed: Operation not permitted');
    expect(text).toContain(setting);
    expect(text).toContain(allow);
  });
});

describe.skipIf(reason !== undefined)('udp-compare without root (uid 65534, user namespace)', () => {
  it('lossy-link and bottleneck measure real loss and rates; nothing of theirs is left', async () => {
    const run = compareAsNobody(['-f', 'json', '-s', 'lossy-link', '-s', 'bottleneck', '--messages', '1000', '--loss', '20%', '--link-rate', '20mbit'], 120_000);
    const pid = run.child.pid;
    // While it runs: its namespaces (named with its PID) exist inside its own user namespace, none on the host.
    await waitFor(() => holderOf(pid) !== undefined, { timeoutMs: 10_000, what: 'the user namespace holder' });
    const holder = holderOf(pid) as number;
    const userns = readlinkSync(`/proc/${holder}/ns/user`);
    await waitFor(() => inside(holder, ['ip', 'netns', 'list']).includes(`udpkit-${pid}-`), { timeoutMs: 10_000, what: 'namespaces inside' });
    const names = inside(holder, ['ip', 'netns', 'list']);
    expect(names).toMatch(new RegExp(`^udpkit-${pid}-[0-9a-f]+-[ab]\\b`, 'm'));
    const ns = /^(udpkit-\S+)/m.exec(names)?.[1] as string;
    const device = new RegExp(`uk${pid}[ab][0-9a-f]{4}@`);
    await waitFor(() => device.test(inside(holder, ['ip', '-n', ns, '-o', 'link', 'show'])), { timeoutMs: 10_000, what: `a veth named ${device.source}` });
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`udpkit-${pid}-`);
    const { code } = await run.exit;
    expect(code, run.stderr.text).toBe(0);
    const report = compareReportSchema.parse(JSON.parse(run.stdout.text));
    const [lossy, bottleneck] = report.scenarios;
    expect(lossy?.status, lossy?.reason).toBe('ok');
    expect(bottleneck?.status, bottleneck?.reason).toBe('ok');
    const value = (result: typeof lossy, id: string, side: 'udp' | 'tcp') => result?.rows.find((r) => r.id === id)?.[side].value as number;
    // 20% asked over 1,000 datagrams: the drop rule in the receiver's namespace really dropped.
    expect(value(lossy, 'delivered', 'udp')).toBeGreaterThan(65);
    expect(value(lossy, 'delivered', 'udp')).toBeLessThan(95);
    expect(value(lossy, 'lost', 'udp')).toBeGreaterThan(50);
    expect(value(lossy, 'delivered', 'tcp')).toBe(100);
    // Twice the link rate offered: tbf on the router really shaped it.
    expect(value(bottleneck, 'delivered', 'udp')).toBeGreaterThanOrEqual(30);
    expect(value(bottleneck, 'delivered', 'udp')).toBeLessThanOrEqual(70);
    expect(value(bottleneck, 'goodput', 'udp')).toBeLessThanOrEqual(20 * 1.1);
    expect(value(bottleneck, 'goodput', 'tcp')).toBeGreaterThanOrEqual(0.8 * 20);
    expect(value(bottleneck, 'delivered', 'tcp')).toBe(100);
    console.log(
      `as nobody: lossy-link UDP delivered ${value(lossy, 'delivered', 'udp')}% at 20% asked; bottleneck UDP ${value(bottleneck, 'delivered', 'udp').toFixed(1)}% ` +
        `(${value(bottleneck, 'goodput', 'udp').toFixed(1)} Mbit/s), TCP ${value(bottleneck, 'goodput', 'tcp').toFixed(1)} Mbit/s of 20`,
    );
    expect(processesIn(userns)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('%s mid-scenario: no process of its user namespace (so no namespace) and no peer left', async (signal) => {
    const run = compareAsNobody(['-s', 'lossy-link', '--messages', '20000', '--rate', '2000'], 60_000);
    const pid = run.child.pid;
    await waitFor(() => holderOf(pid) !== undefined && peerPids(pid).length > 0, { timeoutMs: 10_000, what: 'the namespaces and peers' });
    const userns = readlinkSync(`/proc/${holderOf(pid)}/ns/user`);
    const peers = peerPids(pid);
    run.child.kill(signal);
    const { code } = await run.exit;
    if (signal === 'SIGTERM') expect(code).toBe(130);
    // After SIGKILL nothing in udp-compare runs: the kernel ends the rest (the holder reads EOF, peers get pdeathsig).
    await waitFor(() => processesIn(userns).length === 0, { timeoutMs: 5000, what: `every process of ${userns} to end` });
    expect(peers.filter((peer) => spawnSync('kill', ['-0', String(peer)]).status === 0)).toEqual([]);
  });
});
