/** Starting udp-compare's peer process (optionally inside a network namespace) and reading its JSON lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Peer processes still running; killed by PID if this process exits first (Ctrl+C, a crash). */
const live = new Set<ChildProcess>();
let exitHook = false;

/** Kills every peer process still running, at once (a signal's handler calls this before exiting). */
export function killLivePeers(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Where the build puts the peer (src/bin/compare-peer.ts, bundled), from the package root. */
const PEER = join('dist', 'bin', 'compare-peer.mjs');

/**
 * The peer script: UDPKIT_PEER_SCRIPT when set (the tests bundle the peer from the sources they test, so an old
 * dist/ is never what they measure), else the built one in the nearest directory above this module that has it.
 * This module runs from src/compare, dist/compare, a library bundle or chunk (dist/cjs, dist/esm/chunks) and a bin
 * bundle (dist/bin), each a different depth below the package root.
 */
export function peerScript(): string {
  if (process.env.UDPKIT_PEER_SCRIPT !== undefined) return process.env.UDPKIT_PEER_SCRIPT;
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, PEER))) return join(dir, PEER);
    if (dirname(dir) === dir) return join(here, '..', '..', PEER);
  }
}

/** Why peers cannot run here, or undefined when they can. */
export function peerUnavailable(): string | undefined {
  return existsSync(peerScript()) ? undefined : `${peerScript()} is missing: run npm run build`;
}

/** A running peer: its bound port (receivers), its final report, and a way to end it. */
export interface Peer<T> {
  /** The port a receiver bound (0 for senders). */
  port: number;
  result: Promise<T>;
  kill(): void;
  /** Asks a receiver to report what arrived now (SIGTERM). */
  stop(): void;
}

/**
 * Starts the peer with `args`, prefixed by `wrapper` (e.g. `ip netns exec NAME`). Receivers resolve once
 * they print `{"ready":PORT}`. The process is killed by PID after `maxMs` whatever happens.
 */
export function startPeer<T>(args: string[], options: { wrapper?: string[]; receiver: boolean; maxMs?: number }): Promise<Peer<T>> {
  const command = [...(options.wrapper ?? []), process.execPath, peerScript(), ...args];
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', killLivePeers);
  }
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const limit = setTimeout(kill, options.maxMs ?? 60_000);
  let stdout = '';
  let stderr = '';
  let onReady: ((port: number) => void) | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const ready = /^\{"ready":(\d+)\}$/m.exec(stdout);
    if (ready && onReady) {
      onReady(Number(ready[1]));
      onReady = undefined;
    }
  });
  const result = new Promise<T>((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(limit);
      live.delete(child);
      const last = stdout.trim().split('\n').filter((line) => !line.startsWith('{"ready"')).at(-1);
      if (code === 0 && last) resolve(JSON.parse(last) as T);
      else reject(new Error(`peer ${args[0]} exited ${code}: ${stderr.trim() || stdout.trim() || 'no output'}`));
    });
  });
  if (!options.receiver) return Promise.resolve({ port: 0, result, kill, stop });
  return new Promise((resolve, reject) => {
    onReady = (port) => resolve({ port, result, kill, stop });
    result.then(
      () => reject(new Error(`peer ${args[0]} ended before it was ready`)),
      (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    );
  });
}
