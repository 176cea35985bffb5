/** What a command needs from the outside world, passed in so tests can drive the CLI in-process. */
import type { Readable, Writable } from 'node:stream';

/** Streams, environment and a stop signal for one run of a command. */
export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  /** The file descriptor behind stdin, when there is one (0 for the process's own). */
  stdinFd?: number | undefined;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl+C / SIGTERM: the command stops, flushes and prints its summary. */
  signal?: AbortSignal | undefined;
}

/** The process's own streams and environment. */
export function processIO(signal?: AbortSignal): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, stdinFd: 0, env: process.env, signal };
}
