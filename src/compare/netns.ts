/**
 * A lossy link between two network namespaces made for one run: a veth pair, an nftables rule in the
 * receiver's input hook that drops a fraction at random, and optionally one in the sender's output hook that
 * duplicates. Always removed: on destroy(), and on process exit. Without root they are made in a user namespace
 * of this process's own (ns-host.ts), which ends with it.
 */
import { randomBytes } from 'node:crypto';
import { errnoOf } from '../errors.js';
import { hostRun as run, namespacesUnavailable, releaseHost, rootless } from './ns-host.js';

/** The two ends of the link. */
export interface LossyLink {
  senderNs: string;
  receiverNs: string;
  senderAddress: string;
  receiverAddress: string;
  /** The sender's end of the veth pair (inside `senderNs`). */
  senderDevice: string;
  /** The receiver's end of the veth pair (inside `receiverNs`). */
  receiverDevice: string;
  /** Removes both namespaces (and with them the veth pair and rules); idempotent, synchronous. */
  destroy(): void;
}

/**
 * Waits (bounded, 3 s) until a veth end reports its carrier (LOWER_UP): until then Node.js does not list the
 * interface (libuv skips interfaces that are not running), so naming it (`--join G@IFACE`) would fail.
 */
function waitRunning(ns: string, device: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let turn = 0; turn < 60; turn++) {
    // Also until its IPv6 link-local address has passed duplicate address detection: a tentative one cannot send.
    const ready =
      /LOWER_UP/.test(run('ip', ['-n', ns, '-o', 'link', 'show', 'dev', device])) &&
      !/tentative/.test(run('ip', ['-n', ns, '-6', '-o', 'addr', 'show', 'dev', device]));
    if (ready) return;
    Atomics.wait(pause, 0, 0, 50);
  }
}

/** New interfaces in `ns` skip duplicate address detection (their IPv6 addresses are usable at once), where allowed. */
function noDad(ns: string): void {
  try {
    run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  } catch {
    // not settable here: waitRunning waits for DAD instead
  }
}

/** Why the lossy link cannot be built here, or undefined when it can. */
export function lossyLinkUnavailable(): string | undefined {
  return namespacesUnavailable(['ip', 'nft'], 'needs root (network namespaces and nftables)');
}

/** Names of namespaces this process made and has not removed yet. */
const live = new Set<string>();
let exitHook = false;

function removeNamespace(name: string): void {
  // Without root, nothing outside the held user namespace is ours to remove (and nothing of it outlives it).
  if (rootless() && !live.has(name)) return;
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
  // Without root, the last namespace gone ends the user namespace that held them.
  if (live.size === 0) releaseHost();
}

/** Removes every namespace this process made, at once (a signal's handler calls this before exiting). */
export function removeLiveNamespaces(): void {
  // Without root, ending the user namespace ends them all once their peers are gone (killLivePeers, or setpriv
  // --pdeathsig when this process dies).
  if (rootless()) live.clear();
  [...live].forEach(removeNamespace);
  releaseHost();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * Removes the namespaces (and the processes in them) left by udp-compare runs that were killed before they
 * could clean up (SIGKILL, a power cut): their names carry the PID, and that PID is gone. Returns their names.
 */
export function removeOrphanNamespaces(): string[] {
  // Without root, a run's namespaces end with it (ns-host.ts): none can be left over.
  if (rootless()) return [];
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

/**
 * Names for one link's devices: this process's PID, the device's role letter, 4 random hex digits (at most 14
 * characters after `uk`, within the kernel's 15), so a device, like a namespace, says which process made it.
 */
function deviceTag(): (role: string) => string {
  const tag = randomBytes(2).toString('hex');
  return (role) => `${process.pid}${role}${tag}`;
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
  const tag = deviceTag();
  const vethA = `uk${tag('a')}`;
  const vethB = `uk${tag('b')}`;
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
      noDad(ns);
    }
    run('ip', ['link', 'add', vethA, 'netns', senderNs, 'type', 'veth', 'peer', 'name', vethB, 'netns', receiverNs]);
    run('ip', ['-n', senderNs, 'addr', 'add', `${senderAddress}/24`, 'dev', vethA]);
    run('ip', ['-n', receiverNs, 'addr', 'add', `${receiverAddress}/24`, 'dev', vethB]);
    run('ip', ['-n', senderNs, 'link', 'set', vethA, 'up']);
    run('ip', ['-n', receiverNs, 'link', 'set', vethB, 'up']);
    waitRunning(senderNs, vethA);
    waitRunning(receiverNs, vethB);
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
  return { senderNs, receiverNs, senderAddress, receiverAddress, senderDevice: vethA, receiverDevice: vethB, destroy };
}

/** One end of a link in a {@link RoutedLine}: its namespace, device and addresses. */
export interface LineEnd {
  ns: string;
  device: string;
  v4: string;
  /** A unique local IPv6 address (added without duplicate address detection, so usable at once). */
  v6: string;
}

/** Three namespaces in a line, sender → router → receiver, each hop its own subnet, the router forwarding. */
export interface RoutedLine {
  sender: LineEnd;
  /** The router's end toward the sender. */
  routerIn: LineEnd;
  /** The router's end toward the receiver (where a qdisc shapes what the receiver gets). */
  routerOut: LineEnd;
  receiver: LineEnd;
  /** Removes the three namespaces (and with them the veth pairs and any qdisc); idempotent, synchronous. */
  destroy(): void;
}

/** Why a routed line cannot be built here, or undefined when it can (needs root and iproute2 only). */
export function routedLineUnavailable(): string | undefined {
  return namespacesUnavailable(['ip'], 'needs root (network namespaces)');
}

/**
 * Builds sender → router → receiver: two veth pairs, IPv4 10.214.X.0/24 and 10.215.X.0/24 and IPv6 fd00:214:X::/64
 * and fd00:215:X::/64, default routes through the router, forwarding on in the router. The namespaces' names
 * carry this process's PID, as the lossy link's do, and are removed on destroy() and at exit.
 * @throws Error when a command fails (what was made so far is removed first)
 */
export function createRoutedLine(): RoutedLine {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const tag = deviceTag();
  const x = 1 + ((randomBytes(1)[0] ?? 0) % 250);
  const names = { s: `${NETNS_PREFIX}${id}-s`, r: `${NETNS_PREFIX}${id}-r`, d: `${NETNS_PREFIX}${id}-d` };
  const sender: LineEnd = { ns: names.s, device: `uk${tag('s')}`, v4: `10.214.${x}.1`, v6: `fd00:214:${x}::1` };
  const routerIn: LineEnd = { ns: names.r, device: `uk${tag('r')}`, v4: `10.214.${x}.2`, v6: `fd00:214:${x}::2` };
  const routerOut: LineEnd = { ns: names.r, device: `uk${tag('q')}`, v4: `10.215.${x}.1`, v6: `fd00:215:${x}::1` };
  const receiver: LineEnd = { ns: names.d, device: `uk${tag('d')}`, v4: `10.215.${x}.2`, v6: `fd00:215:${x}::2` };
  if (!exitHook) {
    exitHook = true;
    process.once('exit', removeLiveNamespaces);
  }
  removeOrphanNamespaces();
  const destroy = (): void => Object.values(names).forEach(removeNamespace);
  try {
    for (const ns of Object.values(names)) {
      run('ip', ['netns', 'add', ns]);
      live.add(ns);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      noDad(ns);
    }
    run('ip', ['link', 'add', sender.device, 'netns', sender.ns, 'type', 'veth', 'peer', 'name', routerIn.device, 'netns', routerIn.ns]);
    run('ip', ['link', 'add', routerOut.device, 'netns', routerOut.ns, 'type', 'veth', 'peer', 'name', receiver.device, 'netns', receiver.ns]);
    for (const end of [sender, routerIn, routerOut, receiver]) {
      run('ip', ['-n', end.ns, 'addr', 'add', `${end.v4}/24`, 'dev', end.device]);
      run('ip', ['-n', end.ns, '-6', 'addr', 'add', `${end.v6}/64`, 'dev', end.device, 'nodad']);
      run('ip', ['-n', end.ns, 'link', 'set', end.device, 'up']);
    }
    for (const end of [sender, routerIn, routerOut, receiver]) waitRunning(end.ns, end.device);
    run('ip', ['netns', 'exec', routerIn.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    run('ip', ['-n', sender.ns, 'route', 'add', 'default', 'via', routerIn.v4]);
    run('ip', ['-n', sender.ns, '-6', 'route', 'add', 'default', 'via', routerIn.v6]);
    run('ip', ['-n', receiver.ns, 'route', 'add', 'default', 'via', routerOut.v4]);
    run('ip', ['-n', receiver.ns, '-6', 'route', 'add', 'default', 'via', routerOut.v6]);
  } catch (error) {
    destroy();
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot build the routed line: ${stderr || (error as Error).message}`);
  }
  return { sender, routerIn, routerOut, receiver, destroy };
}

/** Why a tbf bottleneck cannot be built here (needs `tc` beside the routed line's needs), or undefined. */
export function bottleneckUnavailable(): string | undefined {
  return namespacesUnavailable(['ip', 'tc'], 'needs root (network namespaces and tc)');
}

/**
 * Shapes what the router sends toward the receiver with tbf: `rateBits` per second, a queue where a packet waits
 * at most `bufferMs` (tbf's latency; past it, packets are dropped), and a burst of one 1500-byte packet's worth
 * per millisecond of rate at least.
 */
export function shapeLink(line: RoutedLine, rateBits: number, bufferMs: number): void {
  const burstBytes = Math.max(3000, Math.ceil(rateBits / 8 / 250));
  run('tc', ['-n', line.routerOut.ns, 'qdisc', 'add', 'dev', line.routerOut.device, 'root', 'tbf', 'rate', `${Math.round(rateBits)}bit`, 'burst', `${burstBytes}b`, 'latency', `${bufferMs}ms`]);
}
