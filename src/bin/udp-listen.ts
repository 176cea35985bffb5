#!/usr/bin/env node
/** The `udp-listen` executable: wires process signals and exit to {@link listenMain}. */
import { listenMain } from '../cli/listen.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';

exitOnInternalError('udp-listen');
const stop = onShutdown();
void listenMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  stop.dispose();
  // The command has flushed (or given up on a reader that stopped reading): exit now, not when a blocked pipe frees.
  process.exit(code);
});
