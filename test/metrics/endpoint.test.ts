/** The /metrics endpoint as curl sees it: names, types and labels as documented, process metrics, nothing else served. */
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { probe } from '../../src/probe/prober.js';
import { pcapFileHeader } from '../../src/format/pcap.js';
import { serveProbeMetrics } from '../../src/metrics/serve.js';
import { fixturePath, listening, runBin, startBin, startProcess } from '../helpers.js';

/** GET with curl (a client udpkit did not write), asynchronously (the server may be in this process): status and body. */
async function curl(url: string): Promise<{ status: number; body: string }> {
  const { stdout: out } = await promisify(execFile)('curl', ['-s', '-w', '\n%{http_code}', url], { encoding: 'utf8', timeout: 10_000 });
  const at = out.lastIndexOf('\n');
  return { status: Number(out.slice(at + 1)), body: out.slice(0, at) };
}

/** `# TYPE name type` lines of an exposition. */
function types(body: string): Record<string, string> {
  return Object.fromEntries([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
}

describe('/metrics', () => {
  it('udp-probe: every documented name with its type; lost by direction unknown against a foreign echo (20 %)', async () => {
    const python = startProcess('python3', [fixturePath('lossy-echo.py'), '5']);
    const port = Number((await python.stdout.waitFor(/^(\d+)\n/))[1]);
    const target = `127.0.0.1:${port}`;
    const prober = await probe({ targets: [target], intervalMs: 5, count: 49, timeoutMs: 300, reportMs: 3_600_000 });
    await prober.done;
    const server = await serveProbeMetrics(prober, { host: '127.0.0.1', port: 0 });
    try {
      const { status, body } = await curl(server.url);
      expect(status).toBe(200);
      expect(types(body)).toMatchObject({
        udpkit_probe_sent_total: 'counter',
        udpkit_probe_received_total: 'counter',
        udpkit_probe_lost_total: 'counter',
        udpkit_probe_late_total: 'counter',
        udpkit_probe_duplicated_total: 'counter',
        udpkit_probe_reordered_total: 'counter',
        udpkit_probe_rtt_seconds: 'histogram',
        udpkit_probe_ipdv_seconds: 'histogram',
        udpkit_build_info: 'gauge',
        process_cpu_seconds_total: 'counter',
        process_resident_memory_bytes: 'gauge',
        nodejs_eventloop_lag_seconds: 'gauge',
      });
      const labels = `target="${target}",protocol="udp"`;
      // The question at the start is datagram 1: probes are datagrams 2-50, the fifth, tenth … 50th dropped.
      expect(body).toContain(`udpkit_probe_sent_total{${labels}} 49\n`);
      expect(body).toContain(`udpkit_probe_received_total{${labels}} 39\n`);
      expect(body).toContain(`udpkit_probe_lost_total{${labels},direction="unknown"} 10\n`);
      expect(body).toContain(`udpkit_probe_rtt_seconds_bucket{${labels},le="+Inf"} 39\n`);
      expect(body).toContain(`udpkit_probe_rtt_seconds_count{${labels}} 39\n`);
      expect(body).toMatch(/^udpkit_build_info\{version="\d+\.\d+\.\d+",node="[\d.]+",command="udp-probe"\} 1$/m);
      expect((await curl(server.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('udp-listen --metrics: labelled port and protocol only, never per sender', async () => {
    const listener = startBin('udp-listen', ['--host', '127.0.0.1', '--metrics', '0', '0']);
    const port = await listening(listener);
    const url = (await listener.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
    execFileSync('python3', ['-c', `import socket\nfor p in range(5):\n  s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b"hello",("127.0.0.1",${port}))`], { timeout: 5000 });
    await listener.stdout.waitFor(/(hello[\s\S]*){5}/);
    const { body } = await curl(url);
    expect(types(body)).toMatchObject({ udpkit_listener_datagrams_total: 'counter', udpkit_listener_bytes_total: 'counter', udpkit_listener_kernel_drops_total: 'counter', udpkit_listener_records_dropped_total: 'counter', udpkit_listener_echoes_total: 'counter', udpkit_listener_senders: 'gauge' });
    expect(body).toContain(`udpkit_listener_datagrams_total{port="${port}",protocol="udp"} 5\n`);
    expect(body).toContain(`udpkit_listener_bytes_total{port="${port}",protocol="udp"} 25\n`);
    expect(body).toContain(`udpkit_listener_senders{port="${port}",protocol="udp"} 5\n`);
    // Asked for gzip (as Prometheus asks), it comes gzipped: curl --compressed decodes it to the same metrics.
    const { stdout: gz } = await promisify(execFile)('curl', ['-s', '--compressed', '-D', '-', url], { encoding: 'utf8', timeout: 10_000 });
    expect(gz).toMatch(/^content-encoding: gzip\r$/im);
    expect(gz).toContain(`udpkit_listener_datagrams_total{port="${port}",protocol="udp"} 5\n`);
    // Five senders, no label naming any of them.
    expect(body).not.toMatch(/udpkit_listener\w*\{[^}]*(address|sender|from)=/);
  });

  it.each([
    [['--metrics', '1.2.3:9464', '0'], 64, 'udp-listen: invalid --metrics "1.2.3:9464": expected [ADDRESS:]PORT'],
    [['--metrics', '192.0.2.1:9464', '0'], 69, 'udp-listen: cannot serve metrics on 192.0.2.1:9464: address not available on this machine (EADDRNOTAVAIL)'],
  ])('udp-listen %j: exit %i, one line', async (args, code, message) => {
    const run = await runBin('udp-listen', args);
    expect(run.code).toBe(code);
    expect(run.stderr.split('\n').find((l) => l.startsWith('udp-listen:'))).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a /metrics port in use ends the run at once with 69 and leaves an existing --pcap file as it was (a new one is not made)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void taken.close());
    const port = (taken.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-metrics-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const existing = join(dir, 'yesterday.pcap');
    const before = Buffer.concat([pcapFileHeader(), Buffer.from('yesterday: a capture worth keeping')]);
    writeFileSync(existing, before);
    const fresh = join(dir, 'new.pcap');
    for (const file of [existing, fresh]) {
      const run = await runBin('udp-listen', ['--pcap', file, '--metrics', `127.0.0.1:${port}`, '--host', '127.0.0.1', '0']);
      expect(run.code, run.stderr).toBe(69);
      expect(run.stderr).toMatch(new RegExp(`^udp-listen: cannot serve metrics on 127\\.0\\.0\\.1:${port}: `, 'm'));
    }
    expect(readFileSync(existing)).toEqual(before);
    expect(existsSync(fresh)).toBe(false);
  });

  it('with every port bound, --pcap starts the file anew: the header, then the datagrams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpkit-metrics-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'capture.pcap');
    writeFileSync(file, Buffer.alloc(4096, 0x55));
    const run = startBin('udp-listen', ['--pcap', file, '--metrics', '0', '--count', '1', '--host', '127.0.0.1', '0']);
    const port = await listening(run);
    const client = createSocket('udp4');
    onTestFinished(() => void client.close());
    await new Promise<void>((resolve) => client.send('kept', port, '127.0.0.1', () => resolve()));
    expect((await run.exit).code).toBe(0);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 24)).toEqual(pcapFileHeader());
    // One record (16-byte header, IPv4 20 + UDP 8 + 4 bytes of payload) and nothing of the old 4 KiB.
    expect(bytes.length).toBe(24 + 16 + 20 + 8 + 4);
    expect(bytes.subarray(-4).toString()).toBe('kept');
  });

  it('a --web port in use after /metrics started: exit 69 at once, the metrics server closed with the rest', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void taken.close());
    const port = (taken.address() as { port: number }).port;
    const run = await runBin('udp-listen', ['--metrics', '0', '--web', `127.0.0.1:${port}`, '--host', '127.0.0.1', '0']);
    expect(run.code, run.stderr).toBe(69);
    expect(run.stderr).toMatch(/^metrics on http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(run.stderr).toMatch(new RegExp(`^udp-listen: cannot serve --web on 127\\.0\\.0\\.1:${port}: `, 'm'));
  });
});
