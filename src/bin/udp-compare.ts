#!/usr/bin/env node
/** The `udp-compare` executable: wires signals and exit to {@link compareMain}. */
import { compareMain } from '../cli/compare.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';
import { EXIT_INTERRUPTED } from '../cli/compare.js';
import { killLivePeers } from '../compare/peer-process.js';
import { removeLiveNamespaces } from '../compare/netns.js';

exitOnInternalError('udp-compare', () => {
  killLivePeers();
  removeLiveNamespaces();
});
const stop = onShutdown();
// On SIGINT, SIGTERM or SIGHUP the running scenario is stopped at once: its peers are killed and its namespaces
// removed now (not when it ends), so a supervisor's SIGKILL that follows leaks nothing; the report follows.
stop.signal.addEventListener('abort', () => {
  killLivePeers();
  removeLiveNamespaces();
  // A scenario with nothing left to wait for ends at once; should one not, exit anyway, everything removed.
  setTimeout(() => process.exit(EXIT_INTERRUPTED), 3000).unref();
});
void compareMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  // The signal handlers stay: removing them would give a signal that comes while the process exits (its exit
  // handlers remove namespaces) the default action, death by signal instead of the exit code.
  // The command has flushed (or given up on a reader that stopped reading): exit now, not when a blocked pipe frees.
  process.exit(code);
});
