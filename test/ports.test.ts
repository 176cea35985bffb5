/**
 * Several ports in one listener: `udp-listen 5005 5006 7000-7010` (and --tcp) binds each, and every record names the
 * local port that received it. Peers are Python sockets; ports are free ones (0) so the tests never collide.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { portRanges } from '../src/cli/summary.js';
import { listenPortsSchema, parseWith } from '../src/core/schemas.js';
import { listen } from '../src/core/udp-listener.js';
import type { DatagramRecord } from '../src/types.js';
import { runBin, startBin, waitFor } from './helpers.js';

const PYTHON_UDP = `
import socket, sys
for port in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(f'to {port}'.encode(), ('127.0.0.1', int(port)))
    s.close()
`;

const PYTHON_TCP = `
import socket, sys
for port in sys.argv[1:]:
    s = socket.create_connection(('127.0.0.1', int(port)), timeout=5)
    s.sendall(f'to {port}'.encode())
    s.close()
`;

/** The ports of a listening line: `listening on udp 127.0.0.1:P1, and ports P2, P3-P5 (N ports)`. */
function portsOf(line: string): number[] {
  const match = /^listening on \w+ \S+:(\d+)(?:, and ports? ([\d, -]+) \(\d+ ports)?/.exec(line);
  if (!match) throw new Error(`no listening line in ${JSON.stringify(line)}`);
  const rest = (match[2] ?? '').split(', ').filter((p) => p !== '').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
  return [Number(match[1]), ...rest];
}

describe('the port list', () => {
  it('expands ranges in order, lets 0 repeat, and refuses overlaps, bad ranges and too many, naming them', () => {
    expect(parseWith(listenPortsSchema, ['5005', '5006', '7000-7003', '0', '0'])).toEqual([5005, 5006, 7000, 7001, 7002, 7003, 0, 0]);
    expect(() => parseWith(listenPortsSchema, ['7000-7010', '7005'])).toThrow('port 7005 is given twice ("7000-7010" and "7005"): give each port once');
    expect(() => parseWith(listenPortsSchema, ['5005', '5005'])).toThrow('port 5005 is given twice ("5005"): give each port once');
    expect(() => parseWith(listenPortsSchema, ['9-3'])).toThrow('invalid port range "9-3": expected FIRST-LAST with 1 <= FIRST <= LAST <= 65535');
    expect(() => parseWith(listenPortsSchema, ['0-5'])).toThrow('invalid port range "0-5"');
    expect(() => parseWith(listenPortsSchema, ['1000-1255', '2000'])).toThrow('too many ports: "2000" takes the count past 256, the most one listener binds');
    expect(() => parseWith(listenPortsSchema, ['70000'])).toThrow('invalid port "70000": expected an integer from 0 to 65535');
  });

  it('writes runs of ports as ranges', () => {
    expect(portRanges([5006, 7000, 7001, 7002, 9, 10])).toBe('5006, 7000-7002, 9, 10');
  });
});

describe('listen with several ports', () => {
  it('hears each port, each record naming its local port; a port in use fails the whole listener and frees the rest', async () => {
    const records: DatagramRecord[] = [];
    await using listener = await listen({ port: [0, 0, 0], host: '127.0.0.1' }, (r) => records.push(r));
    const ports = listener.locals.map((l) => l.port);
    expect(new Set(ports).size).toBe(3);
    const socket = createSocket('udp4');
    for (const port of ports) await new Promise<void>((resolve) => socket.send(`to ${port}`, port, '127.0.0.1', () => resolve()));
    socket.close();
    await waitFor(() => records.length === 3, { timeoutMs: 3000, what: 'three datagrams' });
    expect(records.map((r) => [r.local.port, r.payload.toString()]).sort()).toEqual(ports.map((p) => [p, `to ${p}`]).sort());

    // The second port is taken: nothing stays bound (the first port binds again at once).
    const taken = ports[1] as number;
    const free = await listen({ port: 0, host: '127.0.0.1' }, () => undefined);
    const firstPort = free.local.port;
    await free.close();
    await expect(listen({ port: [firstPort, taken], host: '127.0.0.1' }, () => undefined)).rejects.toThrow(`cannot bind udp 127.0.0.1:${taken}: address already in use`);
    const again = await listen({ port: firstPort, host: '127.0.0.1' }, () => undefined);
    await again.close();
  });
});

describe('udp-listen PORT PORT… against Python peers', () => {
  it('UDP: three free ports, one JSON record stream, each record naming the port a Python sender used', async () => {
    const listener = startBin('udp-listen', ['-f', 'json', '--host', '127.0.0.1', '-c', '3', '0', '0', '0']);
    const ports = portsOf((await listener.stderr.waitFor(/^listening on .*\n/))[0]);
    expect(ports).toHaveLength(3);
    const python = spawnSync('python3', ['-c', PYTHON_UDP, ...ports.map(String)], { encoding: 'utf8', timeout: 10_000 });
    expect(python.status, python.stderr).toBe(0);
    expect((await listener.exit).code).toBe(0);
    const records = listener.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { local: { port: number }; payload: string });
    expect(records.map((r) => [r.local.port, r.payload]).sort()).toEqual(ports.map((p) => [p, `to ${p}`]).sort());
  });

  it('TCP: two free ports, each connection recorded with its local port', async () => {
    const listener = startBin('udp-listen', ['--tcp', '-f', 'json', '--host', '127.0.0.1', '-c', '2', '0', '0']);
    const ports = portsOf((await listener.stderr.waitFor(/^listening on .*\n/))[0]);
    expect(ports).toHaveLength(2);
    const python = spawnSync('python3', ['-c', PYTHON_TCP, ...ports.map(String)], { encoding: 'utf8', timeout: 10_000 });
    expect(python.status, python.stderr).toBe(0);
    expect((await listener.exit).code).toBe(0);
    const data = listener.stdout.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; local: { port: number }; payload?: string })
      .filter((r) => r.event === 'data');
    expect(data.map((r) => [r.local.port, r.payload]).sort()).toEqual(ports.map((p) => [p, `to ${p}`]).sort());
  });

  it.each([
    [['7000-7010', '7005'], 'port 7005 is given twice ("7000-7010" and "7005"): give each port once'],
    [['1-257'], 'too many ports: "1-257" takes the count past 256, the most one listener binds'],
    [['5005', '-p', '5006'], 'ports given both as arguments ("5005") and with -p "5006": give them one way'],
  ])('udp-listen %j: exit 64, one line', async (args, message) => {
    const run = await runBin('udp-listen', args);
    expect(run.code).toBe(64);
    expect(run.stderr).toBe(`udp-listen: ${message}\n`);
  });
});
