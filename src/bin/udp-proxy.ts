#!/usr/bin/env node
/** The `udp-proxy` executable: wires process signals and exit to {@link proxyMain}. */
import { proxyMain } from '../cli/proxy.js';
import { processIO } from '../cli/io.js';
import { exitOnInternalError, onShutdown } from './shutdown.js';

exitOnInternalError('udp-proxy');
const stop = onShutdown();
void proxyMain(process.argv.slice(2), processIO(stop.signal)).then((code) => {
  process.exit(code);
});
