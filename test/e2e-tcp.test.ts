/** End to end over TCP with the built bins, and the same message over UDP and TCP side by side. */
import { describe, expect, it } from 'vitest';
import { listening, runBin, startBin } from './helpers.js';

type Json = Record<string, unknown> & { from: Record<string, unknown> };

describe('built bins over TCP', () => {
  it('the same message over UDP and over TCP gives records that differ only in protocol-specific fields', async () => {
    const message = 'Hello, World!';
    const udp = startBin('udp-listen', ['--host', '127.0.0.1', '--format', 'json', '--count', '1', '0']);
    const udpPort = await listening(udp, 'udp');
    expect((await runBin('udp-send', ['127.0.0.1', String(udpPort), message])).code).toBe(0);
    await udp.exit;

    const tcp = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '--format', 'json', '0']);
    const tcpPort = await listening(tcp, 'tcp');
    const sent = await runBin('udp-send', ['--tcp', '127.0.0.1', String(tcpPort), message]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(new RegExp(`^sent 13 bytes to 127\\.0\\.0\\.1:${tcpPort} over tcp \\(connected in [\\d.]+ ms\\)\\n$`));
    // udp-send waits for the listener to close its side, so the connection is over: stop the listener.
    tcp.child.kill('SIGINT');
    expect((await tcp.exit).code).toBe(0);

    const udpRecords = udp.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as Json);
    const tcpRecords = tcp.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as Json);
    expect(udpRecords.map((r) => r.event)).toEqual(['datagram']);
    expect(tcpRecords.map((r) => r.event)).toEqual(['open', 'data', 'close']);
    const udpData = udpRecords[0] as Json;
    const tcpData = tcpRecords[1] as Json;
    // What differs, and why: the protocol, the event name, the connection id and chunk unit (TCP only),
    // the time, and the ports (each listener and each sender has its own).
    const common = (r: Json) => {
      const { time: _t, timeSeconds: _s, protocol: _p, event: _e, conn: _c, unit: _u, local, from, ...rest } = r;
      return { ...rest, from: { address: from.address, family: from.family }, local: { ...(local as object), port: 0 } };
    };
    expect(common(tcpData)).toEqual(common(udpData));
    expect(udpData).toMatchObject({ protocol: 'udp', size: 13, encoding: 'utf8', payload: message });
    expect(tcpData).toMatchObject({ protocol: 'tcp', conn: 1, unit: 'chunk' });
    expect(tcpRecords[2]).toMatchObject({ reason: 'fin', received: { bytes: 13, chunks: 1 }, sent: { bytes: 0, chunks: 0 } });
  });

  it('SIGINT: every record of every open connection flushed, then the summary, exit 0', async () => {
    const listen = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '--frame', 'line', '0']);
    const port = await listening(listen, 'tcp');
    const sent = await runBin('udp-send', ['--tcp', '-c', '2000', '--frame', 'line', '127.0.0.1', String(port), 'line']);
    expect(sent.code).toBe(0);
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    const lines = listen.stdout.text.trimEnd().split('\n');
    expect(lines.filter((l) => l.endsWith(' 4 bytes: line'))).toHaveLength(2000);
    expect(lines.at(-1)).toMatch(/#1 close \(fin\) received 10000 bytes/);
    expect(listen.stderr.text).toMatch(/summary: 2000 records, 10000 bytes from 1 connection in [\d.]+ s/);
  });

  it('udp-send --tcp to a closed port: exit 69 and one line', async () => {
    const listen = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '--count', '1', '--timeout', '0.2', '0']);
    const port = await listening(listen, 'tcp');
    await listen.exit;
    const result = await runBin('udp-send', ['--tcp', '127.0.0.1', String(port), 'x']);
    expect(result).toMatchObject({ code: 69, stderr: `udp-send: connection refused by 127.0.0.1:${port} over tcp\n` });
  });
});
