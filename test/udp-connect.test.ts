/** Connected vs unconnected UDP to a loopback port where nothing listens: the ICMP error only a connected socket hears. */
import { describe, expect, it } from 'vitest';
import { sendMain } from '../src/cli/send.js';
import { send } from '../src/core/udp-sender.js';
import { UdpkitError } from '../src/errors.js';
import { deadPort, hasIPv6, memoryIO } from './helpers.js';

const ipv6 = await hasIPv6();

describe.each([
  { host: '127.0.0.1', type: 'udp4' },
  { host: '::1', type: 'udp6' },
] as const)('nothing listening on $host', ({ host, type }) => {
  it.skipIf(type === 'udp6' && !ipv6)('plain sendto reports success: the datagram just vanishes', async () => {
    const port = await deadPort(type);
    const result = await send({ host, port, payload: Buffer.from('anyone?'), count: 3 });
    expect(result).toMatchObject({ messages: 3, connected: false, totalBytes: 21 });
  });

  it.skipIf(type === 'udp6' && !ipv6)('a connected socket learns of the ICMP port-unreachable: E_REFUSED', async () => {
    const port = await deadPort(type);
    const sending = send({ host, port, payload: Buffer.from('anyone?'), connect: true });
    await expect(sending).rejects.toThrow(UdpkitError);
    await expect(sending).rejects.toMatchObject({ code: 'E_REFUSED', errno: 'ECONNREFUSED', exitCode: 69 });
    await expect(sending).rejects.toThrow(/connection refused by .*:\d+ over udp/);
  });
});

describe('udp-send exit codes for the two paths', () => {
  it('unconnected: exit 0 and "sent"', async () => {
    const port = await deadPort();
    const { io, stderr } = memoryIO();
    expect(await sendMain(['127.0.0.1', String(port), 'x'], io)).toBe(0);
    expect(stderr.text).toBe(`sent 1 byte to 127.0.0.1:${port} over udp\n`);
  });

  it('--connect: exit 69 and "connection refused"', async () => {
    const port = await deadPort();
    const { io, stderr } = memoryIO();
    expect(await sendMain(['--connect', '127.0.0.1', String(port), 'x'], io)).toBe(69);
    expect(stderr.text).toBe(
      `udp-send: connection refused by 127.0.0.1:${port} over udp (ICMP port unreachable: nothing listens there)\n`,
    );
  });

  it('--connect --count 5 --interval 20: the refusal ends the run with E_REFUSED', async () => {
    const port = await deadPort();
    const sending = send({ host: '127.0.0.1', port, payload: Buffer.from('x'), connect: true, count: 5, intervalMs: 20 });
    await expect(sending).rejects.toMatchObject({ code: 'E_REFUSED' });
  });
});
