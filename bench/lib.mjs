// Helpers for the benchmark suite: child processes ended by PID, ready lines, statistics, progress, tools.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Every child still running; killed by PID on exit, Ctrl+C or failure. */
const children = new Set();
function killAll() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts a process; stdout and stderr are collected. `stdoutFile` sends stdout to a file descriptor instead.
 * The process is killed after `maxMs` whatever happens.
 */
export function start(command, args, { stdout = 'pipe', maxMs = 120_000, env = process.env } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'], env });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => (out.stdout += chunk));
  child.stderr?.on('data', (chunk) => (out.stderr += chunk));
  const limit = setTimeout(() => child.kill('SIGKILL'), maxMs);
  const exited = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      children.delete(child);
      resolve({ code, signal, ...out });
    }),
  );
  return {
    child,
    pid: child.pid,
    out,
    exited,
    /** Resolves with the match once stdout or stderr matches `pattern`; rejects after `ms` or on exit. */
    waitFor(pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`${command} ${args.join(' ')}: no ${pattern} within ${ms} ms: ${out.stderr}${out.stdout}`));
        }, ms);
        const poll = setInterval(() => {
          const match = pattern.exec(out.stdout) ?? pattern.exec(out.stderr);
          if (match) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null) {
            clearInterval(poll);
            clearTimeout(timer);
            reject(new Error(`${command} ${args.join(' ')} exited ${child.exitCode}: ${out.stderr}${out.stdout}`));
          }
        }, 5);
      });
    },
    /** Sends `signal` and waits for the exit. */
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a command to completion and returns its output. */
export async function run(command, args, options) {
  const proc = start(command, args, options);
  const result = await proc.exited;
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median, min and max of a sample. */
export function summarize(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: values };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), runs: values };
}

/** The p-th percentile by nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Whether a command is on the PATH. */
export function has(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The version line a tool prints, or null when it is missing. */
export function versionOf(command, args = ['--version']) {
  if (!has(command)) return null;
  try {
    const text = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return text.split('\n').find((line) => /\d/.test(line))?.trim() ?? 'present';
  } catch (error) {
    const text = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    return text.split('\n').find((line) => /\d/.test(line))?.trim() ?? 'present';
  }
}

/** Peak resident set size (VmHWM) of a process in bytes, or NaN. */
export function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on every Linux build that matters). */
const TICKS = 100;

/**
 * CPU seconds (user + system) a process has used so far, or NaN where /proc cannot tell. The receive figures use it
 * beside the wall-clock rate: on a shared machine the sender may not outrun a receiver, and then only its CPU time per
 * datagram still says how much it costs.
 */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds the hypervisor has taken from this machine so far (the `steal` column of /proc/stat, all CPUs), or NaN
 * where /proc cannot tell. On a shared virtual machine another guest's load shows up here, not in the figures'
 * own CPU time, as milliseconds of delay and as datagrams a receiver never got to read.
 */
export function stolenSeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    return Number(fields[8]) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Measures the share of the machine's CPU time the hypervisor took while something ran: `const done = stealMeter();
 * …; done()` gives stolen CPU seconds / (wall seconds × CPUs), 0 to 1 (NaN where /proc cannot tell).
 */
export function stealMeter() {
  const stolen = stolenSeconds();
  const started = performance.now();
  return () => {
    const wall = (performance.now() - started) / 1000;
    return (stolenSeconds() - stolen) / (wall * cpus().length);
  };
}

/** A progress line on stderr: rewritten in place on a terminal, one line each otherwise. */
export function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** Ends the progress line. */
export function progressDone() {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
