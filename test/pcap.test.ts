/**
 * pcap out and in. `udp-listen --pcap` files are read back by tshark: every address, port, length and payload
 * checked, checksums good, DNS from dig and syslog from logger dissected. A capture tshark made on lo is replayed
 * by `udp-send --pcap` and received byte for byte; a truncated capture is refused, naming where it breaks, and
 * nothing is sent. The encoder and reader round-trip under fast-check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipPacket, pcapFileHeader, pcapRecord, type PcapDatagram } from '../src/format/pcap.js';
import { readCapture } from '../src/format/pcap-read.js';
import { captureStarted, captureUnavailable } from './capture.js';
import { boundSocket, listening, runBin, sleep, startBin, startProcess, waitFor } from './helpers.js';

const noTshark = captureUnavailable();
if (noTshark) console.log(`pcap tests with tshark skipped: ${noTshark}`);
const tools = ['dig', 'logger'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (tools.length > 0) console.log(`pcap test with dig and logger skipped: missing ${tools.join(', ')} (.ci/run installs dnsutils, bsdutils)`);

const dir = mkdtempSync(join(tmpdir(), 'udpkit-pcap-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((n) => n.toString(16)).join(':'));
const datagram = fc.oneof(fc.tuple(ipv4, ipv4), fc.tuple(ipv6, ipv6)).chain(([src, dst]) =>
  fc.record({
    time: fc.integer({ min: 0, max: 4_000_000_000_000 }).map((us) => us / 1000),
    src: fc.constant(src),
    srcPort: fc.integer({ min: 1, max: 65_535 }),
    dst: fc.constant(dst),
    dstPort: fc.integer({ min: 1, max: 65_535 }),
    payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  }),
);

/** The ones' complement sum of 16-bit words, folded: 0xffff over a header whose checksum is right. */
function onesSum(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Normalises an IPv6 address as the reader writes it (compressed), for comparison. */
function canonical(address: string): string {
  return address.includes(':') ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

describe('pcap encoding and reading', () => {
  it('what pcapRecord writes, readCapture reads back: addresses, ports, payload, time to the microsecond (property)', () => {
    fc.assert(
      fc.property(fc.array(datagram, { minLength: 1, maxLength: 5 }), (datagrams: PcapDatagram[]) => {
        const file = Buffer.concat([pcapFileHeader(), ...datagrams.map(pcapRecord)]);
        const read = readCapture(file, 'test');
        expect(read.format).toBe('pcap');
        expect(read.datagrams).toHaveLength(datagrams.length);
        read.datagrams.forEach((got, i) => {
          const sent = datagrams[i] as PcapDatagram;
          expect([got.src, got.srcPort, got.dst, got.dstPort]).toEqual([canonical(sent.src), sent.srcPort, canonical(sent.dst), sent.dstPort]);
          expect(got.payload.equals(sent.payload)).toBe(true);
          expect(got.time).toBeCloseTo(Math.round(sent.time * 1000) / 1000, 6);
        });
      }),
      { seed: 20261123, numRuns: 200 },
    );
  });

  it('the IPv4 header checksum is right, and the UDP checksum with its pseudo-header (property)', () => {
    fc.assert(
      fc.property(datagram, (d: PcapDatagram) => {
        const packet = ipPacket(d);
        const v6 = d.src.includes(':');
        const udpAt = v6 ? 40 : 20;
        if (!v6) expect(onesSum(packet.subarray(0, 20))).toBe(0xffff);
        const udpLength = packet.length - udpAt;
        const pseudo = v6
          ? Buffer.concat([packet.subarray(8, 40), Buffer.from([0, 0, udpLength >> 8, udpLength & 0xff, 0, 0, 0, 17])])
          : Buffer.concat([packet.subarray(12, 20), Buffer.from([0, 17, udpLength >> 8, udpLength & 0xff])]);
        expect(onesSum(Buffer.concat([pseudo, packet.subarray(udpAt), Buffer.alloc(udpLength % 2)]))).toBe(0xffff);
      }),
      { seed: 20261123, numRuns: 200 },
    );
  });

  it('refuses a cut or foreign file, naming the record or block', () => {
    const d: PcapDatagram = { time: 1, src: '10.0.0.1', srcPort: 1, dst: '10.0.0.2', dstPort: 2, payload: Buffer.from('abcdef') };
    const whole = Buffer.concat([pcapFileHeader(), pcapRecord(d), pcapRecord(d)]);
    expect(() => readCapture(whole.subarray(0, whole.length - 3), 'f')).toThrow('f: record 2 is cut short: 31 of its 34 bytes are in the file');
    expect(() => readCapture(whole.subarray(0, 30), 'f')).toThrow('f: record 1 is cut short: its header has 6 of 16 bytes');
    expect(() => readCapture(Buffer.from('GET / HTTP/1.1\r\n'), 'f')).toThrow('f: not a pcap or pcapng capture');
  });
});

describe.skipIf(noTshark !== undefined || tools.length > 0)('udp-listen --pcap read by tshark', () => {
  it('dig, logger and Python (IPv4 and IPv6): every address, port, length and payload as recorded; DNS and syslog dissected', async () => {
    const file4 = join(dir, 'out4.pcap');
    const file6 = join(dir, 'out6.pcap');
    const v4 = startBin('udp-listen', ['-f', 'json', '--host', '127.0.0.1', '-c', '3', '--pcap', file4, '0']);
    const v6 = startBin('udp-listen', ['-f', 'json', '--host', '::1', '-c', '1', '--pcap', file6, '0']);
    const port4 = String(await listening(v4));
    const port6 = String(await listening(v6));
    spawnSync('dig', ['+tries=1', '+timeout=1', '@127.0.0.1', '-p', port4, 'example.com'], { timeout: 10_000 });
    expect(spawnSync('logger', ['-n', '127.0.0.1', '-P', port4, '-d', 'hello syslog']).status).toBe(0);
    const py = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.sendto(bytes(range(256)),('127.0.0.1',${port4}))\n` +
      `t=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\nt.sendto(b'over v6',('::1',${port6}))`;
    expect(spawnSync('python3', ['-c', py]).status).toBe(0);
    expect((await v4.exit).code).toBe(0);
    expect((await v6.exit).code).toBe(0);
    const recorded = [v4, v6].flatMap((l) =>
      l.stdout.text.trim().split('\n').map((line) => JSON.parse(line) as { from: { address: string; port: number }; local: { address: string; port: number }; size: number; encoding: string; payload: string }),
    );
    const fields = ['ip.src', 'ipv6.src', 'udp.srcport', 'ip.dst', 'ipv6.dst', 'udp.dstport', 'udp.length', 'udp.payload', 'udp.checksum.status'];
    /** tshark -r FILE with the options given, one array of fields per packet. */
    const read = (file: string, options: string[], wanted: string[]): string[][] => {
      const tshark = spawnSync('tshark', ['-r', file, ...options, '-T', 'fields', ...wanted.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 30_000 });
      expect(tshark.status, tshark.stderr).toBe(0);
      return tshark.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    };
    const wire = [file4, file6].flatMap((file) => read(file, ['-o', 'udp.check_checksum:TRUE'], fields));
    expect(wire).toHaveLength(4);
    wire.forEach((f, i) => {
      const r = recorded[i] as (typeof recorded)[number];
      const bytes = Buffer.from(r.payload, r.encoding === 'base64' ? 'base64' : 'utf8');
      expect([f[0] || f[1], Number(f[2]), f[3] || f[4], Number(f[5]), Number(f[6])]).toEqual([r.from.address, r.from.port, r.local.address, r.local.port, r.size + 8]);
      expect(Buffer.from((f[7] ?? '').replaceAll(':', ''), 'hex').equals(bytes)).toBe(true);
      expect(f[8]).toBe('1');
    });
    // Dissected as what they are (tshark picks a dissector by port, so the port is named as DNS, then as syslog).
    // Packet 1 is dig's query, packet 2 logger's message.
    expect(read(file4, ['-d', `udp.port==${port4},dns`], ['dns.qry.name'])[0]).toEqual(['example.com']);
    expect(read(file4, ['-d', `udp.port==${port4},syslog`], ['syslog.msg'])[1]?.join('')).toContain('hello syslog');
  });

  it('the file reads at every moment: tshark reads it while the listener still runs, and after SIGKILL', async () => {
    const file = join(dir, 'live.pcap');
    const listener = startBin('udp-listen', ['--host', '127.0.0.1', '--pcap', file, '0']);
    const port = await listening(listener);
    const socket = await boundSocket();
    const payloads = Array.from({ length: 20 }, (_, i) => Buffer.from(`datagram ${i}`));
    for (const payload of payloads) socket.send(payload, port, '127.0.0.1');
    // What the file holds once all twenty are in it, as the same encoder writes them.
    const at = { time: 0, src: '127.0.0.1', srcPort: 1, dst: '127.0.0.1', dstPort: port };
    const whole = pcapFileHeader().length + payloads.reduce((sum, payload) => sum + pcapRecord({ ...at, payload }).length, 0);
    await waitFor(() => existsSync(file) && statSync(file).size >= whole, { timeoutMs: 5000, what: () => `${whole} bytes in ${file}` });
    const lengths = (): string[] => {
      const tshark = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.length'], { encoding: 'utf8', timeout: 30_000 });
      expect(tshark.status, tshark.stderr).toBe(0);
      return tshark.stdout.trim().split('\n');
    };
    expect(lengths()).toHaveLength(20);
    listener.child.kill('SIGKILL');
    await listener.exit;
    expect(lengths()).toHaveLength(20);
  });

  it('a named pipe as the file: tshark reads the capture from it as it comes (a pipe is written, never truncated)', async () => {
    const fifo = join(dir, 'live.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const tshark = startProcess('tshark', ['-r', fifo, '-T', 'fields', '-e', 'udp.length', '-e', 'data.data']);
    const listener = startBin('udp-listen', ['--host', '127.0.0.1', '--pcap', fifo, '--count', '3', '0']);
    const port = await listening(listener);
    const socket = await boundSocket();
    for (const text of ['one', 'two', 'three']) socket.send(text, port, '127.0.0.1');
    expect((await listener.exit).code, listener.stderr.text).toBe(0);
    expect((await tshark.exit).code, tshark.stderr.text).toBe(0);
    const hex = (text: string): string => Buffer.from(text).toString('hex');
    expect(tshark.stdout.text.trim().split('\n')).toEqual([`11\t${hex('one')}`, `11\t${hex('two')}`, `13\t${hex('three')}`]);
  });
});

describe.skipIf(noTshark !== undefined)('udp-send --pcap replays a capture tshark made', () => {
  it.each([['pcapng'], ['pcap']])('%s: the payloads of one port, byte for byte, in order, never sooner than captured', async (format) => {
    const file = join(dir, `made.${format}`);
    const source = await boundSocket();
    const wanted = await boundSocket();
    const other = await boundSocket();
    const ports = [wanted.address().port, other.address().port];
    // -P: a line on stdout for each packet as it goes into the file.
    const filter = `udp and (port ${ports[0]} or port ${ports[1]})`;
    const tshark = startProcess('tshark', ['-i', 'lo', '-F', format, '-w', file, '-P', '-l', '-T', 'fields', '-e', 'udp.dstport', '-f', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
    await captureStarted(tshark);
    const payloads = [Buffer.from('first'), Buffer.from([0, 1, 2, 255, 254]), Buffer.alloc(1400, 0x61)];
    for (const payload of payloads) {
      source.send(payload, ports[0], '127.0.0.1');
      source.send('noise', ports[1], '127.0.0.1');
      // On purpose: the gaps in the capture, which the replay must keep.
      await sleep(200);
    }
    await waitFor(() => tshark.stdout.lines >= 6, { what: () => `tshark to write the six datagrams (it wrote ${tshark.stdout.lines})` });
    tshark.child.kill('SIGINT');
    await tshark.exit;

    const receiver = await boundSocket();
    const got: { payload: Buffer; at: number }[] = [];
    receiver.on('message', (payload: Buffer) => got.push({ payload, at: Date.now() }));
    const run = await runBin('udp-send', ['--pcap', file, '--pcap-filter', String(ports[0]), '127.0.0.1', String(receiver.address().port)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`replayed 3 UDP datagrams of ${file} (${format}; left out: 3 on other ports)`);
    await waitFor(() => got.length === 3, { timeoutMs: 5000, what: 'three datagrams' });
    expect(got.map((g) => g.payload.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    // The capture's gaps (about 200 ms) are kept: never shortened.
    expect((got[2]?.at ?? 0) - (got[0]?.at ?? 0)).toBeGreaterThanOrEqual(350);

    // Cut short: refused with the place it breaks, and nothing sent.
    const bytes = readFileSync(file);
    const cut = join(dir, `cut.${format}`);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    const before = got.length;
    const refused = await runBin('udp-send', ['--pcap', cut, '127.0.0.1', String(receiver.address().port)]);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toMatch(new RegExp(`^udp-send: --pcap "${cut}": (record|block) \\d+ is cut short: \\d+ of its \\d+ bytes are in the file\\n$`));
    // On purpose: a quiet spell in which anything udp-send had sent would have arrived.
    await sleep(200);
    expect(got).toHaveLength(before);
  });

  it.each([
    [['--pcap', 'x.pcap', '127.0.0.1', '9', 'msg'], '--pcap sends the payloads of the capture, not a MESSAGE argument (got "msg")'],
    [['--pcap-filter', '53', '127.0.0.1', '9', 'msg'], '--pcap-filter works with --pcap only'],
    [['--pcap', join(tmpdir(), 'no-such-capture.pcap'), '127.0.0.1', '9'], `cannot read --pcap "${join(tmpdir(), 'no-such-capture.pcap')}": no such file`],
  ])('udp-send %j: one line, the documented code', async (args, message) => {
    const run = await runBin('udp-send', args);
    expect(run.code).toBe(message.startsWith('cannot read') ? 66 : 64);
    expect(run.stderr).toBe(`udp-send: ${message}\n`);
  });
});

describe('udp-listen --pcap when it cannot run', () => {
  it('a port in use leaves an existing capture as it was (exit 69); an unwritable file is exit 74, naming it', async () => {
    const file = join(dir, 'keep.pcap');
    const before = Buffer.concat([pcapFileHeader(), pcapRecord({ time: 1, src: '10.0.0.1', srcPort: 1, dst: '10.0.0.2', dstPort: 2, payload: Buffer.from('kept') })]);
    writeFileSync(file, before);
    const taken = await boundSocket();
    const busy = await runBin('udp-listen', ['--host', '127.0.0.1', '--pcap', file, String(taken.address().port)]);
    expect(busy.code).toBe(69);
    expect(readFileSync(file).equals(before)).toBe(true);
    const missing = join(dir, 'no-such-dir', 'x.pcap');
    const unwritable = await runBin('udp-listen', ['--host', '127.0.0.1', '--pcap', missing, '0']);
    expect(unwritable.code).toBe(74);
    expect(unwritable.stderr).toBe(`udp-listen: cannot write --pcap "${missing}": ENOENT\n`);
  });
});
