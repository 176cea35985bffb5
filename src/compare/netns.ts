/**
 * A lossy link between two network namespaces made for one run: a veth pair, an nftables rule in the
 * receiver's input hook that drops a fraction at random, and optionally one in the sender's output hook that
 * duplicates. Always removed: on destroy(), and on process exit.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The two ends of the link. */
export interface LossyLink {
  senderNs: string;
  receiverNs: string;
  senderAddress: string;
  receiverAddress: string;
  /** The receiver's end of the veth pair (inside `receiverNs`). */
  receiverDevice: string;
  /** Removes both namespaces (and with them the veth pair and rules); idempotent, synchronous. */
  destroy(): void;
}

function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the lossy link cannot be built here, or undefined when it can. */
export function lossyLinkUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)';
  const missing = ['ip', 'nft'].filter((tool) => !has(tool));
  if (missing.length > 0) return `needs ${missing.join(' and ')} (apt-get install -y iproute2 nftables)`;
  return undefined;
}

/** Names of namespaces this process made and has not removed yet. */
const live = new Set<string>();
let exitHook = false;

function removeNamespace(name: string): void {
  // Processes left inside keep a namespace alive after `ip netns del`: end them first.
  try {
    for (const pid of run('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
  try {
    run('ip', ['netns', 'del', name]);
  } catch {
    // already gone
  }
  live.delete(name);
}

/** Removes every namespace this process made, at once (a signal's handler calls this before exiting). */
export function removeLiveNamespaces(): void {
  [...live].forEach(removeNamespace);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes the namespaces (and the processes in them) left by udp-compare runs that were killed before they
 * could clean up (SIGKILL, a power cut): their names carry the PID, and that PID is gone. Returns their names.
 */
export function removeOrphanNamespaces(): string[] {
  const orphans = namespacesWithPrefix(NETNS_PREFIX).filter((name) => {
    const pid = Number(/^udpkit-(\d+)-/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
  });
  orphans.forEach(removeNamespace);
  return orphans;
}

/** Lists namespaces whose names start with `prefix` (for tests that check nothing was left behind). */
export function namespacesWithPrefix(prefix: string): string[] {
  try {
    return run('ip', ['netns', 'list'])
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
}

/** The prefix of every namespace udpkit makes. */
export const NETNS_PREFIX = 'udpkit-';

/**
 * The nftables match for a random share of packets (`numgen random mod 10000 < N `): empty for 100%, where the
 * match would be out of numgen's range and every packet is meant anyway.
 */
export function share(fraction: number): string {
  const per10k = Math.round(fraction * 10_000);
  return per10k >= 10_000 ? '' : `numgen random mod 10000 < ${per10k} `;
}

/**
 * Builds the link. `loss` and `duplicate` are fractions (0.2 = 20%), applied at random per packet.
 * @throws Error when a command fails (what was made so far is removed first)
 */
export function createLossyLink(loss: number, duplicate: number): LossyLink {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const senderNs = `${NETNS_PREFIX}${id}-a`;
  const receiverNs = `${NETNS_PREFIX}${id}-b`;
  const tag = randomBytes(3).toString('hex');
  const vethA = `uka${tag}`;
  const vethB = `ukb${tag}`;
  const subnet = 1 + (randomBytes(1)[0] ?? 0) % 250;
  const senderAddress = `10.213.${subnet}.1`;
  const receiverAddress = `10.213.${subnet}.2`;
  if (!exitHook) {
    exitHook = true;
    process.once('exit', removeLiveNamespaces);
  }
  removeOrphanNamespaces();
  const destroy = (): void => {
    removeNamespace(senderNs);
    removeNamespace(receiverNs);
  };
  try {
    for (const ns of [senderNs, receiverNs]) {
      run('ip', ['netns', 'add', ns]);
      live.add(ns);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    run('ip', ['link', 'add', vethA, 'netns', senderNs, 'type', 'veth', 'peer', 'name', vethB, 'netns', receiverNs]);
    run('ip', ['-n', senderNs, 'addr', 'add', `${senderAddress}/24`, 'dev', vethA]);
    run('ip', ['-n', receiverNs, 'addr', 'add', `${receiverAddress}/24`, 'dev', vethB]);
    run('ip', ['-n', senderNs, 'link', 'set', vethA, 'up']);
    run('ip', ['-n', receiverNs, 'link', 'set', vethB, 'up']);
    run(
      'ip',
      ['netns', 'exec', receiverNs, 'nft', '-f', '-'],
      `table inet udpkit_lossy {\n  chain input {\n    type filter hook input priority 0; policy accept;\n` +
        `    iifname "${vethB}" meta l4proto { tcp, udp } ${share(loss)}drop\n  }\n}\n`,
    );
    if (duplicate > 0) {
      run(
        'ip',
        ['netns', 'exec', senderNs, 'nft', '-f', '-'],
        `table ip udpkit_dup {\n  chain output {\n    type filter hook output priority 0; policy accept;\n` +
          `    oifname "${vethA}" meta l4proto udp ${share(duplicate)}dup to ${receiverAddress} device "${vethA}"\n  }\n}\n`,
      );
    }
  } catch (error) {
    destroy();
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot build the lossy link: ${stderr || (error as Error).message}`);
  }
  return { senderNs, receiverNs, senderAddress, receiverAddress, receiverDevice: vethB, destroy };
}
