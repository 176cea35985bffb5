/**
 * The calling thread's CPU time, in milliseconds: what the regex budget is measured in, so a thread that waits for
 * a core (a busy machine) is not charged for the wait. The one place that knows how each platform tells it.
 */
import { openSync, readSync } from 'node:fs';

/** `process.threadCpuUsage` (Node.js 23.9 and later), when the runtime has it. */
const threadCpuUsage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;

/** Linux: /proc/thread-self/schedstat, opened once per thread (its first field: nanoseconds on a CPU). */
let schedstat: number | null | undefined;
const schedstatBuffer = Buffer.alloc(64);

function schedstatMs(): number | undefined {
  if (schedstat === null) return undefined;
  try {
    schedstat ??= openSync('/proc/thread-self/schedstat', 'r');
    const n = readSync(schedstat, schedstatBuffer, 0, schedstatBuffer.length, 0);
    const text = schedstatBuffer.toString('latin1', 0, n);
    const ns = Number(text.slice(0, text.indexOf(' ')));
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // Not Linux, or /proc is not mounted: the next source below.
  }
  schedstat = null;
  return undefined;
}

/** Where {@link threadCpuMs} reads: the thread's own clock, or the process's (every thread's CPU, an overcount). */
export const cpuClockSource: 'thread' | 'process' = threadCpuUsage !== undefined || schedstatMs() !== undefined ? 'thread' : 'process';

/**
 * CPU milliseconds the calling thread has used, from an arbitrary start (compare two readings only). Where the
 * platform has no per-thread clock, the process's CPU time: it counts other threads too, never less than this one.
 */
export function threadCpuMs(): number {
  if (threadCpuUsage !== undefined) {
    const usage = threadCpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  const ms = schedstatMs();
  if (ms !== undefined) return ms;
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
