/**
 * The library checks its options with the CLI's own zod schemas: `listen({ port: 5.5 })` is refused, naming the
 * value, rather than binding port 5 (or, for 65536 or -1, some other port). Only what can be wrong is checked;
 * the rest passes through as it was given. The schemas (and zod) are loaded on the first check, not when udpkit is
 * imported: zod's modules alone cost more than the rest of the library's import time.
 */

/**
 * Checks a listener's options; returns them with the checked values as numbers, and `port` as the list of ports.
 * @throws UdpkitError E_USAGE naming the bad value
 */
export async function checkListenOptions<T extends { port: number | readonly number[] }>(options: T): Promise<Omit<T, 'port'> & { port: number[] }> {
  const { parseListenOptions } = await import('./option-schemas.js');
  return { ...options, ...parseListenOptions(options) };
}

/**
 * Checks a sender's options; returns them with the checked values as numbers.
 * @throws UdpkitError E_USAGE naming the bad value
 */
export async function checkSendOptions<T extends { port: number; host: string }>(options: T): Promise<T> {
  const { parseSendOptions } = await import('./option-schemas.js');
  return { ...options, ...parseSendOptions(options) };
}

/** Closes a listener (with drain) when `signal` aborts, at once if it already has. */
export function watchSignal(signal: AbortSignal | undefined, close: (options: { drain: boolean }) => Promise<unknown>): void {
  if (signal === undefined) return;
  const stop = (): void => void close({ drain: true });
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
}
