/** Flags driven through the CLI in-process, each with an outcome that fails if the flag stops working. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareMain } from '../src/cli/compare.js';
import { listenMain } from '../src/cli/listen.js';
import { sendMain } from '../src/cli/send.js';
import { listen } from '../src/core/udp-listener.js';
import { boundSocket, closed, hasIPv6, memoryIO, sendFrom, startListen, tcpClient } from './helpers.js';

const ipv6 = await hasIPv6();

describe('udp-listen flags', () => {
  it.skipIf(!ipv6)('-6 binds :: for IPv6 only: an IPv4 sender does not get through', async () => {
    const run = await startListen(['-6', '--count', '1', '0']);
    expect(run.address).toBe('[::]');
    const v4 = await boundSocket('udp4');
    await sendFrom(v4, 'four', run.port, '127.0.0.1');
    const v6 = await boundSocket('udp6');
    await sendFrom(v6, 'six', run.port, '::1');
    expect(await run.exit).toBe(0);
    expect(run.stdout.text).toMatch(/udp \[::1\]:\d+ 3 bytes: six\n$/);
  });

  it('--rcvbuf beyond the kernel limit says what it got', async () => {
    const run = await startListen(['--host', '127.0.0.1', '--rcvbuf', '2000000000', '--timeout', '0.1', '0']);
    expect(await run.exit).toBe(75);
    expect(run.stderr.text).toMatch(/receive buffer: asked for 2000000000 bytes, the kernel granted \d+ \(net\.core\.rmem_max caps it/);
  });

  it('the default receive buffer capped by net.core.rmem_max is said too (one line), and not when it fits', async () => {
    const ceiling = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const run = await startListen(['--host', '127.0.0.1', '--timeout', '0.1', '0']);
    expect(await run.exit).toBe(75);
    const line = `receive buffer: asked for 8388608 bytes (the default), the kernel granted ${ceiling} (net.core.rmem_max caps it; raise it with sysctl -w net.core.rmem_max=N)\n`;
    if (ceiling < 8 * 2 ** 20) expect(run.stderr.text).toContain(line);
    else expect(run.stderr.text).not.toMatch(/receive buffer/);
  });

  it('--tcp --max-conns 1 closes the second connection with a record', async () => {
    const run = await startListen(['--tcp', '--host', '127.0.0.1', '--max-conns', '1', '--format', 'json', '0'], 'tcp');
    await tcpClient(run.port);
    await run.stdout.waitFor(/"event":"open"/);
    const second = await tcpClient(run.port);
    await closed(second);
    await run.stdout.waitFor(/"reason":"max-conns"/);
    run.stop();
    expect(await run.exit).toBe(0);
  });

  it('--tcp --idle-timeout closes a silent connection', async () => {
    const run = await startListen(['--tcp', '--host', '127.0.0.1', '--idle-timeout', '0.2', '0'], 'tcp');
    const client = await tcpClient(run.port);
    await closed(client);
    await run.stdout.waitFor(/close \(idle-timeout\)/);
    run.stop();
    expect(await run.exit).toBe(0);
  });

  it('--tcp --frame line --max-frame 8 reports the oversize frame as an error record', async () => {
    const run = await startListen(['--tcp', '--host', '127.0.0.1', '--frame', 'line', '--max-frame', '8', '0'], 'tcp');
    const client = await tcpClient(run.port);
    client.end('far too long for eight\n');
    await run.stdout.waitFor(/close \(max-frame\)/);
    expect(run.stdout.text).toMatch(/error EMAXFRAME: frame of \d+ bytes or more exceeds --max-frame 8/);
    run.stop();
    expect(await run.exit).toBe(0);
  });

  it('--max-frame without --tcp is a usage error', async () => {
    const { io, stderr } = memoryIO();
    expect(await listenMain(['--max-frame', '8', '0'], io)).toBe(64);
    expect(stderr.text).toBe('udp-listen: --max-frame works with --tcp only\n');
  });
});

describe('udp-send flags', () => {
  it('--wait --format hex prints the reply as a hex dump', async () => {
    const listener = await listen({ port: 0, host: '127.0.0.1', echo: true, count: 1 }, () => undefined);
    const { io, stdout } = memoryIO();
    expect(await sendMain(['--wait', '1000', '--format', 'hex', '127.0.0.1', String(listener.local.port), 'AB'], io)).toBe(0);
    expect(stdout.text.split('\n')[1]).toBe('00000000: 4142                                     AB');
    await listener.close();
  });

  it('--interval spaces the datagrams out', async () => {
    const times: number[] = [];
    const listener = await listen({ port: 0, host: '127.0.0.1', count: 3 }, (r) => times.push(r.time));
    const { io } = memoryIO();
    expect(await sendMain(['--count', '3', '--interval', '100', '127.0.0.1', String(listener.local.port), 'tick'], io)).toBe(0);
    await listener.done;
    await listener.close();
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(190);
  });
});

describe('udp-compare flags', () => {
  it('--size and --rate reach the workload, and the boundaries scenario uses the size', async () => {
    const { io, stdout } = memoryIO();
    expect(await compareMain(['-f', 'json', '-s', 'boundaries', '--size', '100', '--rate', '500', '--messages', '10'], io)).toBe(0);
    const report = JSON.parse(stdout.text) as { workload: { size: number; rate: number; messages: number }; scenarios: { rows: { measurement: string; udp: { value: unknown } }[] }[] };
    expect(report.workload).toMatchObject({ size: 100, rate: 500, messages: 10 });
    const written = report.scenarios[0]?.rows.find((r) => r.measurement === 'messages written');
    expect(written?.udp.value).toBe(10);
  });
});

