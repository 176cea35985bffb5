/** udp-compare HOST PORT where HOST is this host: the packets counted before the data are both ends', and say so. */
import { networkInterfaces } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenTcp } from '../src/core/tcp-listener.js';
import { listen } from '../src/core/udp-listener.js';
import { runCompare } from '../src/compare/run.js';
import { remoteTarget } from '../src/compare/target.js';
import { isLocalAddress } from '../src/core/local-address.js';
import { EchoGuard } from '../src/core/echo-guard.js';
import type { Workload } from '../src/compare/types.js';

const workload: Workload = { messages: 50, size: 64, rate: 10_000, loss: 0, duplicate: 0, linkRate: 20e6, linkBufferMs: 50 };

/** An address of one of this host's interfaces that is not loopback, when there is one. */
const own = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;

/** `udp-listen --echo` and `udp-listen --tcp --echo` on one loopback port, in this process; closed after the test. */
async function echoPair(): Promise<number> {
  const udp = await listen({ port: 0, host: '127.0.0.1', echo: true, echoRate: 0 }, () => undefined);
  onTestFinished(async () => {
    await udp.close();
  });
  const tcp = await listenTcp({ port: udp.local.port, host: '127.0.0.1', echo: true }, () => undefined);
  onTestFinished(async () => {
    await tcp.close();
  });
  return udp.local.port;
}

describe('is the remote this host?', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', true],
    ['::', true],
    ['198.51.100.1', false],
    ['2001:db8::1', false],
    ['::ffff:198.51.100.1', false],
  ])('%s: %s (udp-compare and the echo guard agree)', (address, expected) => {
    expect(isLocalAddress(address)).toBe(expected);
    // The echo guard refuses to answer its own port on any address of this host, and answers it elsewhere.
    expect(new EchoGuard(new Set([5005]), 0).allow(address, 5005, 0)).toBe(!expected);
  });

  it.skipIf(own === undefined)('an address of one of its interfaces is this host', async () => {
    expect(isLocalAddress(own as string)).toBe(true);
    expect(new EchoGuard(new Set([5005]), 0).isLocal(own as string)).toBe(true);
    expect((await remoteTarget(own as string, 9)).target).toMatchObject({ local: false, thisHost: true });
  });

  it('a remote elsewhere is not: scenarios needing the far side are skipped, and only this end is counted', async () => {
    expect((await remoteTarget('198.51.100.1', 9)).target).toMatchObject({ local: false, thisHost: false });
  });
});

describe('setup against a "remote" on 127.0.0.1', () => {
  it('labels the handshake count "both ends" (3 packets: SYN, SYN-ACK, ACK), not "this end"', async () => {
    const port = await echoPair();
    const report = await runCompare({ remote: { host: '127.0.0.1', port }, scenarios: ['setup'], workload });
    const setup = report.scenarios[0];
    expect(setup?.status, setup?.reason).toBe('ok');
    const row = setup?.rows.find((r) => r.id === 'packets-before-data');
    expect(row?.measurement).toBe('packets sent before the data (both ends)');
    expect(row?.udp.value).toBe(0);
    // Fewest over 20 tries: other traffic on the host can only add; this end alone would be 2.
    expect(row?.tcp.value).toBeGreaterThanOrEqual(3);
    expect(setup?.sentence).toMatch(/^Before its first byte TCP sent \d+ packets, counted at both ends \(/);
  });
});
