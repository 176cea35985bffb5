/**
 * Where udp-compare's network namespaces live: the host's own (as root), or, without root, a user namespace of
 * this process's own (`unshare --user --map-root-user --mount --net`), in which this process is root and can make
 * namespaces, veths, nftables rules and qdiscs that nobody else sees. Every command that builds or enters a
 * namespace goes through here, so the rest of compare/ names namespaces the same way in both cases.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

/** Runs a command to its end (10 s at most) and returns its stdout; throws with its stderr when it fails. */
export function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Whether `command` is on the PATH. */
export function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The process holding this process's user namespace (without root), while one is held. */
let holder: ChildProcess | undefined;

/** Whether the namespaces are made in a user namespace of this process's own (not root). */
export function rootless(): boolean {
  return process.getuid?.() !== 0;
}

/** A kernel setting read from /proc/sys (`user/max_user_namespaces`), or undefined where it does not exist. */
function sysctl(path: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The kernel settings that decide whether an unprivileged process may make a user namespace. */
export interface UsernsSettings {
  /** kernel.unprivileged_userns_clone (Debian and Ubuntu kernels; absent elsewhere). */
  unprivilegedClone?: string | undefined;
  /** user.max_user_namespaces. */
  maxUserNamespaces?: string | undefined;
  /** kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10 and later). */
  apparmorRestrict?: string | undefined;
}

/**
 * Why this kernel refuses an unprivileged user namespace, and what would allow it, from its settings and what
 * `unshare` said; names the setting that is off when one is.
 */
export function usernsRefusal(settings: UsernsSettings, said: string): string {
  const allow = (setting: string, value: string): string =>
    `this kernel refuses unprivileged user namespaces (${setting}): run as root, or allow them with sysctl -w ${value}`;
  if (settings.unprivilegedClone === '0') return allow('kernel.unprivileged_userns_clone = 0', 'kernel.unprivileged_userns_clone=1');
  if (settings.maxUserNamespaces === '0') return allow('user.max_user_namespaces = 0', 'user.max_user_namespaces=10000');
  if (settings.apparmorRestrict === '1') {
    return `${allow('kernel.apparmor_restrict_unprivileged_userns = 1', 'kernel.apparmor_restrict_unprivileged_userns=0')} (or an AppArmor profile that grants node userns)`;
  }
  return `needs root, or an unprivileged user namespace, which this system refused (unshare --user --map-root-user --net: ${said || 'failed'}); a container may forbid unshare(2) (seccomp), where only root on the host helps`;
}

let usernsVerdict: string | undefined | null = null;

/** Why an unprivileged user and network namespace cannot be made here (tried once), or undefined when it can. */
function usernsUnavailable(): string | undefined {
  if (usernsVerdict !== null) return usernsVerdict;
  try {
    run('unshare', ['--user', '--map-root-user', '--mount', '--net', 'true']);
    usernsVerdict = undefined;
  } catch (error) {
    const said = ((error as { stderr?: string }).stderr ?? '').trim().split('\n')[0] ?? '';
    const settings = {
      unprivilegedClone: sysctl('kernel/unprivileged_userns_clone'),
      maxUserNamespaces: sysctl('user/max_user_namespaces'),
      apparmorRestrict: sysctl('kernel/apparmor_restrict_unprivileged_userns'),
    };
    usernsVerdict = usernsRefusal(settings, said);
  }
  return usernsVerdict;
}

/**
 * Why namespaces with `tools` in them cannot be made here, or undefined when they can: Linux, the tools, and
 * root or an unprivileged user namespace (then also unshare, nsenter and setpriv, from util-linux).
 */
export function namespacesUnavailable(tools: readonly string[], what: string): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  const needed = rootless() ? [...tools, 'unshare', 'nsenter', 'setpriv'] : tools;
  const missing = needed.filter((tool) => !has(tool));
  if (missing.length > 0) return `needs ${missing.join(' and ')} (apt-get install -y iproute2 util-linux${needed.includes('nft') ? ' nftables' : ''})`;
  if (!rootless()) return undefined;
  const refused = usernsUnavailable();
  return refused === undefined ? undefined : `${what}: ${refused}`;
}

/** Waits (bounded, 3 s) until process `pid` is in a user namespace other than this process's. */
function waitUnshared(pid: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const own = readlinkSync('/proc/self/ns/user');
  for (let turn = 0; turn < 60; turn++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/user`) !== own) return;
    } catch {
      // not there yet, or gone: the mount below says which
    }
    Atomics.wait(pause, 0, 0, 50);
  }
}

/**
 * The held user namespace, made on first use: a shell that waits on a pipe from this process, so it ends when
 * this process does (SIGKILL included), and with it every namespace made in it. Its /run/netns is a tmpfs of its
 * own, so `ip netns add` works there and no name it makes shows on the host.
 */
function held(): number {
  if (holder?.pid !== undefined && holder.exitCode === null && holder.signalCode === null) return holder.pid;
  const child = spawn('unshare', ['--user', '--map-root-user', '--mount', '--net', '--propagation', 'private', 'sh', '-c', 'read _', `udpkit-userns-${process.pid}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => undefined);
  holder = child;
  if (child.pid === undefined) throw new Error('cannot start unshare');
  waitUnshared(child.pid);
  // Where ip keeps namespace names: on the host's directory when it exists (hidden under the tmpfs), else on /run.
  run('nsenter', [...enter(child.pid), 'mount', '-t', 'tmpfs', `udpkit-${process.pid}`, existsSync('/run/netns') ? '/run/netns' : '/run']);
  return child.pid;
}

/** nsenter's options to enter the held namespaces as their root (the mapped uid keeps its own credentials). */
function enter(pid: number): string[] {
  return ['--target', String(pid), '--user', '--mount', '--net', '--preserve-credentials'];
}

/** Ends the held user namespace (and every namespace in it); idempotent. */
export function releaseHost(): void {
  if (holder !== undefined && holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
  holder = undefined;
}

/** The PID of the process holding the user namespace, while one is held (for tests that look inside). */
export function hostPid(): number | undefined {
  return holder?.exitCode === null && holder.signalCode === null ? holder.pid : undefined;
}

/** Runs a command where the namespaces are made: here as root, else inside the held user namespace. */
export function hostRun(command: string, args: string[], input?: string): string {
  return rootless() ? run('nsenter', [...enter(held()), command, ...args], input) : run(command, args, input);
}

/**
 * The command prefix that runs a program inside namespace `ns`. Without root, through the held user namespace,
 * and the program is killed when this process dies (setpriv --pdeathsig), as nothing else would end it.
 */
export function inNamespace(ns: string): string[] {
  if (!rootless()) return ['ip', 'netns', 'exec', ns];
  return ['nsenter', ...enter(held()), 'ip', 'netns', 'exec', ns, 'setpriv', '--pdeathsig', 'KILL'];
}
