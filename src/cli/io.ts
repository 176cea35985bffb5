/** What a command needs from the outside world, passed in so tests can drive the CLI in-process. */
import type { Readable, Writable } from 'node:stream';
import { UdpkitError } from '../errors.js';

/** Streams, environment and a stop signal for one run of a command. */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
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

/**
 * Refuses `-f raw` to a terminal, as curl does for binary output: control bytes in a payload could clear the
 * screen or recolour what follows. A redirect, a pipe or `--force` lets it through.
 * @throws UdpkitError E_USAGE
 */
export function refuseRawToTerminal(io: CliIO, format: string, force: boolean): void {
  if (format === 'raw' && io.stdout.isTTY === true && !force) {
    throw new UdpkitError(
      'E_USAGE',
      'refusing to write raw payload bytes to a terminal (they may hold control codes): redirect to a file or a pipe (> out.bin, | xxd), use -f hex or text, or add --force',
    );
  }
}
