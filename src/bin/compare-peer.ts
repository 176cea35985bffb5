#!/usr/bin/env node
/**
 * udp-compare's helper process: a counting receiver or a sender, run as its own process (slowed, or inside a
 * network namespace; started by compare/peer-process.ts). Prints `{"ready":PORT}` once bound, then one JSON line with what it measured.
 * Internal: not a user command.
 */
import { parseArgs } from 'node:util';
import { blastTcp, blastUdp } from '../compare/blast.js';
import { receiveTcp, receiveUdp } from '../compare/receivers.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    count: { type: 'string', default: '1000' },
    size: { type: 'string', default: '64' },
    rate: { type: 'string', default: '0' },
    'slow-us': { type: 'string', default: '0' },
    rcvbuf: { type: 'string', default: '0' },
    'idle-ms': { type: 'string', default: '500' },
    'max-ms': { type: 'string', default: '30000' },
  },
});
const role = positionals[0];
const host = values.host;
const port = Number(values.port);
const write = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
const receiver = {
  host,
  port,
  slowUs: Number(values['slow-us']),
  rcvbuf: Number(values.rcvbuf),
  idleMs: Number(values['idle-ms']),
  maxMs: Math.min(Number(values['max-ms']), 120_000),
  onReady: (bound: number) => write({ ready: bound }),
  stop: stopSignal(),
};
const blast = { host, port, count: Number(values.count), size: Number(values.size), rate: Number(values.rate) };

/** SIGTERM from udp-compare: the sender is done, report what arrived now. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

switch (role) {
  case 'udp-recv':
    write(await receiveUdp(receiver));
    break;
  case 'tcp-recv':
    write(await receiveTcp(receiver));
    break;
  case 'udp-send':
    write(await blastUdp(blast));
    break;
  case 'tcp-send':
    write(await blastTcp(blast));
    break;
  default:
    process.stderr.write(`peer: unknown role ${JSON.stringify(role)}: expected udp-recv, tcp-recv, udp-send or tcp-send\n`);
    process.exitCode = 64;
}
