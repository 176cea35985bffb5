#!/usr/bin/env node
/** The `udp-send` executable: wires signals (Ctrl+C ends a run with its summary) and exit to {@link sendMain}. */
import { sendMain } from '../cli/send.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';

exitOnInternalError('udp-send');
const stop = onShutdown();
void sendMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  // The signal handlers stay until the process is gone (see udp-listen.ts).
  process.exit(code);
});
