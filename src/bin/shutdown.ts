/** One shutdown path for the bins: the first Ctrl+C, SIGTERM or SIGHUP asks the command to stop and flush; a second forces exit. */
import { internalErrorText } from '../cli/run.js';
import { ERROR_CODES } from '../errors.js';

/**
 * An AbortSignal raised by SIGINT/SIGTERM/SIGHUP. The handlers are never removed: without one, a signal that
 * comes while the process exits would kill it by its default action instead of letting the exit code stand.
 */
export interface Shutdown {
  signal: AbortSignal;
}

/** The signals that ask a run to end: Ctrl+C, a supervisor's stop, a closed terminal or dropped ssh session. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Listens for SIGINT, SIGTERM and SIGHUP; the second signal exits at once with 130. */
export function onShutdown(): Shutdown {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return { signal: controller.signal };
}

/**
 * Any error that escapes a command (a throw in an event handler, a rejection nobody awaited) is a bug in udpkit:
 * print it with its stack and exit 70, as for one the command itself caught, after `cleanup` (e.g. removing
 * namespaces). stderr is written synchronously for files, pipes and terminals on Linux, so the line is not lost.
 */
export function exitOnInternalError(name: string, cleanup?: () => void): void {
  const die = (error: unknown): void => {
    try {
      cleanup?.();
      process.stderr.write(internalErrorText(name, error));
    } finally {
      process.exit(ERROR_CODES.E_INTERNAL);
    }
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
