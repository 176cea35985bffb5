#!/usr/bin/env node
/** The `udp-listen` executable: wires process signals and exit to {@link listenMain}. */
import { listenMain } from '../cli/listen.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';

exitOnInternalError('udp-listen');
const stop = onShutdown();
void listenMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  // The signal handlers stay: removing them would give a signal that comes while the process exits (its exit
  // handlers remove namespaces) the default action, death by signal instead of the exit code.
  // The command has flushed (or given up on a reader that stopped reading): exit now, not when a blocked pipe frees.
  process.exit(code);
});
