#!/usr/bin/env node
/** The `udp-compare` executable: wires signals and exit to {@link compareMain}. */
import { compareMain } from '../cli/compare.js';
import { processIO } from '../cli/io.js';
import { onShutdown } from './shutdown.js';

const stop = onShutdown();
void compareMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  stop.dispose();
  // The command has flushed (or given up on a reader that stopped reading): exit now, not when a blocked pipe frees.
  process.exit(code);
});
