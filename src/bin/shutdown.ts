/** One shutdown path for the bins: the first Ctrl+C or SIGTERM asks the command to stop and flush; a second forces exit. */

/** An AbortSignal raised by SIGINT/SIGTERM, and a way to remove the handlers. */
export interface Shutdown {
  signal: AbortSignal;
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM; the second signal exits at once with 130. */
export function onShutdown(): Shutdown {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
