/**
 * Runs in every test process before its test file: a test process stopped by a signal removes the network
 * namespaces it made, through test/namespaces.ts or udp-compare's own code (src/compare/netns.ts, whose exit hook
 * a signal would skip).
 */
import { cleanUpOnSignals } from './namespaces.js';

cleanUpOnSignals();
