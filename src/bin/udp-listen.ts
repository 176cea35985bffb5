#!/usr/bin/env node
/** The `udp-listen` executable: wires process signals and exit to {@link listenMain}. */
import { listenMain } from '../cli/listen.js';
import { processIO } from '../cli/io.js';
import { onShutdown } from './shutdown.js';

const stop = onShutdown();
void listenMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  process.exitCode = code;
  stop.dispose();
});
