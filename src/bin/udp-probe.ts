#!/usr/bin/env node
/** The `udp-probe` executable: wires process signals and exit to {@link probeMain}. */
import { probeMain } from '../cli/probe.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';

exitOnInternalError('udp-probe');
const stop = onShutdown();
void probeMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  process.exit(code);
});
