#!/usr/bin/env node
/** The `udp-send` executable: runs {@link sendMain} and exits with its code. */
import { sendMain } from '../cli/send.js';
import { processIO } from '../cli/io.js';

void sendMain(process.argv.slice(2), processIO()).then((code) => {
  process.exitCode = code;
});
