/** Waiting until a socket has nothing more queued: the drain step of a graceful shutdown. @internal */

/** The longest a graceful shutdown reads what is queued: under a flood that never stops, it ends anyway. */
export const DRAIN_MAX_MS = 300;

/**
 * Resolves after two event-loop turns in a row in which `arrivals()` did not change: each turn polls the
 * sockets once, so by then everything the kernel had queued has been read. Bounded to 2 s.
 */
export async function waitUntilQuiet(arrivals: () => number, maxMs = 2000): Promise<void> {
  let idleTurns = 0;
  const deadline = Date.now() + maxMs;
  for (let turn = 0; turn < 100_000 && idleTurns < 2 && Date.now() < deadline; turn++) {
    const before = arrivals();
    await new Promise((resolve) => setImmediate(resolve));
    idleTurns = arrivals() === before ? idleTurns + 1 : 0;
  }
}
