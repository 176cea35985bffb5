/**
 * Network namespaces that tests make. Each is named `udpkit-PID-TAG` (PID: the test process's, as udp-compare names
 * its own), may carry files for /etc (what `ip netns exec` mounts over /etc: a hosts file, a resolv.conf), and is
 * removed, with every process left inside it:
 * - when the caller says (a test's teardown), and at the process's exit;
 * - on SIGTERM, SIGINT or SIGHUP (a vitest run stopped, a CI job cancelled): the handler removes them, with the
 *   namespaces udp-compare's code made in this process, tells the programs the tests started to stop (a
 *   udp-compare among them removes its own), and raises the signal again so the process ends as it would have;
 * - after SIGKILL, by the next run: {@link removeOrphanNamespaces} (called by the global setup) removes every
 *   `udpkit-PID-*` whose PID is gone.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeLiveNamespaces, removeOrphanNamespaces as removeOrphansOfRuns } from '../src/compare/netns.js';

const made = new Set<string>();
/** Programs the tests started (helpers.ts startProcess): told to stop (SIGTERM) when this process is stopped. */
const children = new Set<ChildProcess>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
let hooked = false;

function etcOf(name: string): string {
  return `/etc/netns/${name}`;
}

/** Ends every process inside `name`, deletes it and its /etc files. Quiet when it is gone already. */
export function removeNamespace(name: string): void {
  if (existsSync(`/run/netns/${name}`)) {
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) ?? [];
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['netns', 'del', name]);
  }
  rmSync(etcOf(name), { recursive: true, force: true });
  made.delete(name);
}

/** Removes every namespace this process made here and through udp-compare's code. */
export function removeAllNamespaces(): void {
  for (const name of [...made]) removeNamespace(name);
  removeLiveNamespaces();
}

/** Tells the programs the tests started to stop (a udp-compare among them removes its own namespaces), and removes ours. */
function stopAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  removeAllNamespaces();
}

/** `child` is told to stop (SIGTERM) if this process is stopped by a signal before it ends. */
export function stopOnSignal(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Installs the exit and signal handlers (once per process; test/worker-setup.ts calls it in every test process). */
export function cleanUpOnSignals(): void {
  if (hooked) return;
  hooked = true;
  // A test process also ends when vitest does (its IPC channel closes): the same then, on 'exit'.
  process.once('exit', stopAll);
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      stopAll();
      // The handler was once: raised again, the signal does what it would have done without it.
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Makes namespace `udpkit-PID-TAG` with loopback up (an old one of the same name is removed first), with `etc`'s
 * files under /etc/netns/NAME. Returns its name; {@link removeNamespace} removes it.
 */
export function makeNamespace(tag: string, etc: Record<string, string> = {}): string {
  const name = `udpkit-${process.pid}-${tag}`;
  cleanUpOnSignals();
  removeNamespace(name);
  made.add(name);
  const added = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`ip netns add ${name} failed: ${added.stderr.trim()}`);
  const up = spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`bringing lo up in ${name} failed: ${up.stderr.trim()}`);
  // After the namespace (`ip netns exec` reads them when it runs): an /etc/netns directory never outlives its
  // namespace's making, so the sweep below finds both by the namespace.
  if (Object.keys(etc).length > 0) {
    mkdirSync(etcOf(name), { recursive: true });
    for (const [file, text] of Object.entries(etc)) writeFileSync(join(etcOf(name), file), text);
  }
  return name;
}

/**
 * Removes the namespaces named `udpkit-PID-…` whose PID is no longer running (udp-compare's own sweep, which also
 * ends what runs inside), with their /etc/netns directories: what a test process or a udp-compare run killed by
 * SIGKILL left. Returns their names.
 */
export function removeOrphanNamespaces(): string[] {
  const orphans = removeOrphansOfRuns();
  for (const name of orphans) rmSync(etcOf(name), { recursive: true, force: true });
  return orphans;
}
