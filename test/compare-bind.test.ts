/** udp-compare's own UDP clients: a bind that fails rejects with a UdpkitError naming the address, never hangs. */
import { describe, expect, it } from 'vitest';
import { blastUdp } from '../src/compare/blast.js';
import { udpEchoClient } from '../src/compare/echo-client.js';
import { openUdpSocket } from '../src/compare/udp-socket.js';
import { UdpkitError } from '../src/errors.js';
import { boundSocket, deadPort, hasIPv6 } from './helpers.js';

/** TEST-NET-2 (RFC 5737): documentation only, configured on no host, this one included. */
const NOT_HERE = '198.51.100.1';
const ipv6 = await hasIPv6();

describe('binding the comparison clients', () => {
  it('udpEchoClient: an address not on this host rejects with E_UNAVAILABLE', async () => {
    const target = { host: '127.0.0.1', family: 'IPv4' as const, udpPort: await deadPort(), tcpPort: 1, local: true, thisHost: true };
    const client = udpEchoClient(target, { address: NOT_HERE });
    await expect(client).rejects.toThrow(`cannot bind udp ${NOT_HERE}:0: address not available on this machine (EADDRNOTAVAIL)`);
    await expect(client).rejects.toMatchObject({ code: 'E_UNAVAILABLE', errno: 'EADDRNOTAVAIL' });
  });

  it('blastUdp: a port another socket holds rejects with E_ADDR_IN_USE, and nothing is sent', async () => {
    const holder = await boundSocket('udp4');
    const taken = holder.address().port;
    let got = 0;
    holder.on('message', () => (got += 1));
    const blast = blastUdp({ host: '127.0.0.1', port: taken, count: 5, size: 16, rate: 0, local: { address: '127.0.0.1', port: taken } });
    await expect(blast).rejects.toThrow(`cannot bind udp 127.0.0.1:${taken}: address already in use (EADDRINUSE)`);
    await expect(blast).rejects.toBeInstanceOf(UdpkitError);
    expect(got).toBe(0);
  });

  it.skipIf(!ipv6)('IPv6: a taken port on ::1 rejects, the address in brackets', async () => {
    const holder = await boundSocket('udp6');
    const taken = holder.address().port;
    await expect(openUdpSocket('IPv6', { address: '::1', port: taken })).rejects.toThrow(`cannot bind udp [::1]:${taken}: address already in use (EADDRINUSE)`);
  });

  it('a bind that works gives a socket that sends, with a port the system picked', async () => {
    const receiver = await boundSocket('udp4');
    const socket = await openUdpSocket('IPv4', { address: '127.0.0.1' });
    try {
      expect(socket.address().port).toBeGreaterThan(0);
      const arrived = new Promise<Buffer>((resolve) => receiver.once('message', resolve));
      socket.send('x', receiver.address().port, '127.0.0.1');
      expect((await arrived).toString()).toBe('x');
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  });
});
