/**
 * Truthful with peers udpkit did not write: Python socket programs (fixtures/peers.py) as clients and servers,
 * with tshark on `lo` (CI, as root) checking the claims about packets: the client's address and port, FIN or RST.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { captureLo, captureUnavailable } from './capture.js';
import { boundSocket, deadPort, fixturePath, listening, runBin, startBin, startProcess, tcpServer, waitFor } from './helpers.js';

const noCapture = captureUnavailable();
if (noCapture) console.log(`wire checks with tshark skipped: ${noCapture}`);

/** Runs a peers.py mode (bounded to 20 s); `first` resolves with its first line (the port it bound, or its client port). */
function python(...args: string[]) {
  const run = startProcess('python3', [fixturePath('peers.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeoutMs: 20_000 });
  const exit = run.exit.then(({ code }) => code);
  const first = run.stdout.waitFor(/^(\d+)\n/, 10_000).then((m) => Number(m[1]));
  return { child: run.child, exit, first, err: run.stderr };
}

/**
 * What the established loopback TCP connections to `port` hold in the kernel (/proc/net/tcp, IPv4): bytes the
 * server side has not read, and bytes the client side has not had acknowledged.
 */
function tcpQueues(port: number): { unread: number; unsent: number } {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let unread = 0;
  let unsent = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, state, queues] = line.trim().split(/\s+/);
    if (state !== '01' || queues === undefined) continue;
    const [tx = 0, rx = 0] = queues.split(':').map((hex) => parseInt(hex, 16));
    if (local?.endsWith(hexPort)) unread += rx;
    if (remote?.endsWith(hexPort)) unsent += tx;
  }
  return { unread, unsent };
}

interface TcpJson {
  event: string;
  conn: number;
  from: { address: string; port: number };
  reason?: string;
  payload?: string;
}

describe('TCP clients that end with an RST', () => {
  /** Three Python clients: RST after data, RST without data, FIN after data. Returns their ports. */
  async function clients(port: number): Promise<{ rstData: number; rstBare: number; fin: number }> {
    const a = python('rst-client', String(port), 'hello');
    const b = python('rst-client', String(port));
    const c = python('fin-client', String(port), 'bye');
    const ports = { rstData: await a.first, rstBare: await b.first, fin: await c.first };
    expect([await a.exit, await b.exit, await c.exit]).toEqual([0, 0, 0]);
    return ports;
  }

  function byPort(records: TcpJson[], port: number): TcpJson[] {
    return records.filter((r) => r.from.port === port);
  }

  function checkRecords(records: TcpJson[], ports: { rstData: number; rstBare: number; fin: number }): void {
    // Every record names a real client: no `:0`, no empty address.
    expect(records.filter((r) => r.from.port === 0 || r.from.address !== '127.0.0.1')).toEqual([]);
    expect(byPort(records, ports.rstData).map((r) => r.event)).toEqual(['open', 'data', 'close']);
    expect(byPort(records, ports.rstData)[1]?.payload).toBe('hello');
    expect(byPort(records, ports.rstData)[2]?.reason).toBe('reset');
    expect(byPort(records, ports.rstBare).map((r) => [r.event, r.reason])).toEqual([['open', undefined], ['close', 'reset']]);
    expect(byPort(records, ports.fin).map((r) => [r.event, r.reason])).toEqual([['open', undefined], ['data', undefined], ['close', 'fin']]);
  }

  it('accepted at once: address, port and close reason match what the clients did', async () => {
    const listen = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '-f', 'json', '0']);
    const port = await listening(listen, 'tcp');
    const ports = await clients(port);
    await waitFor(() => listen.stdout.text.split('"event":"close"').length === 4, { timeoutMs: 10_000, what: 'three close records' });
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    checkRecords(listen.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as TcpJson), ports);
    // Two resets are two `close (reset)` records, not the listener's errors (they were once `2 socket errors`).
    expect(listen.stderr.text).toMatch(/^summary: 2 records, 8 bytes from 3 connections in [\d.]+ s \(\d+ records?\/s\)\n$/m);
  });

  it('reset before the listener could accept (it was stopped): the address is still the real one, in json and text', async () => {
    for (const format of ['json', 'text']) {
      const listen = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '-f', format, '0']);
      const port = await listening(listen, 'tcp');
      // SIGSTOP: the kernel completes the handshakes and takes the RSTs while nothing accepts.
      listen.child.kill('SIGSTOP');
      const ports = await clients(port);
      listen.child.kill('SIGCONT');
      await waitFor(() => listen.stdout.text.split(format === 'json' ? '"event":"close"' : ' close (').length === 4, { timeoutMs: 10_000, what: 'three closes' });
      listen.child.kill('SIGINT');
      expect((await listen.exit).code).toBe(0);
      const text = listen.stdout.text;
      if (format === 'json') {
        checkRecords(text.trim().split('\n').map((l) => JSON.parse(l) as TcpJson), ports);
      } else {
        expect(text).not.toMatch(/ tcp :0 /);
        expect(text).toMatch(new RegExp(`tcp 127\\.0\\.0\\.1:${ports.rstData} #\\d+ close \\(reset\\) received 5 bytes`));
        expect(text).toMatch(new RegExp(`tcp 127\\.0\\.0\\.1:${ports.rstBare} #\\d+ close \\(reset\\) received 0 bytes`));
        expect(text).toMatch(new RegExp(`tcp 127\\.0\\.0\\.1:${ports.fin} #\\d+ close \\(fin\\) received 3 bytes`));
      }
    }
  });

  it.skipIf(noCapture !== undefined)('the wire agrees: each reset client sent an RST and no FIN, the other a FIN and no RST', async () => {
    const listen = startBin('udp-listen', ['--tcp', '--host', '127.0.0.1', '-f', 'json', '0']);
    const port = await listening(listen, 'tcp');
    const capture = await captureLo(`tcp port ${port}`);
    listen.child.kill('SIGSTOP');
    const ports = await clients(port);
    listen.child.kill('SIGCONT');
    await waitFor(() => listen.stdout.text.split('"event":"close"').length === 4, { timeoutMs: 10_000, what: 'three close records' });
    // Enough once the RST of each reset client and the FIN of the other are in.
    const packets = await capture.stop((seen) =>
      [ports.rstData, ports.rstBare].every((client) => seen.some((p) => p.srcPort === client && p.rst)) && seen.some((p) => p.srcPort === ports.fin && p.fin),
    );
    listen.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    const records = listen.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as TcpJson);
    checkRecords(records, ports);
    // Every client port in a record is one whose SYN tshark saw, from that address.
    const syns = packets.filter((p) => p.syn && !p.rst && p.dstPort === port);
    for (const r of records) expect(syns.some((p) => p.src === r.from.address && p.srcPort === r.from.port)).toBe(true);
    const fromClient = (clientPort: number) => packets.filter((p) => p.srcPort === clientPort && p.dstPort === port);
    for (const clientPort of [ports.rstData, ports.rstBare]) {
      expect(fromClient(clientPort).some((p) => p.rst)).toBe(true);
      expect(fromClient(clientPort).some((p) => p.fin)).toBe(false);
    }
    expect(fromClient(ports.fin).some((p) => p.fin)).toBe(true);
    expect(fromClient(ports.fin).some((p) => p.rst)).toBe(false);
    console.log(`tshark on lo: ${packets.length} packets; RST from ${ports.rstData} and ${ports.rstBare}, FIN from ${ports.fin}`);
  });
});

describe('udp-send --tcp against Python servers that go away', () => {
  it('a server that answers 2 of 5 and closes: stops at once, says so, exit 69', async () => {
    const server = python('answer-then-close', '2');
    const port = await server.first;
    const sent = await runBin('udp-send', ['--tcp', '-c', '5', '--wait', '2000', '127.0.0.1', String(port), 'ping']);
    expect(sent.code).toBe(69);
    const last = sent.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(new RegExp(`^udp-send: peer (closed|reset) the connection after 2 of 5 exchanges: 127\\.0\\.0\\.1:${port} over tcp \\([23] messages sent, 8 reply bytes received\\)$`));
    // Each reply as a record: exactly the two that came back.
    expect(sent.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `tcp 127.0.0.1:${port} #1 4 bytes: ping`,
      `tcp 127.0.0.1:${port} #1 4 bytes: ping`,
    ]);
    expect(await server.exit).toBe(0);
  });

  it('a server that answers 2 of 5 and resets: the same, naming the reset', async () => {
    const server = python('answer-then-reset', '2');
    const port = await server.first;
    const sent = await runBin('udp-send', ['--tcp', '-c', '5', '--wait', '2000', '127.0.0.1', String(port), 'ping']);
    expect(sent.code).toBe(69);
    expect(sent.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^udp-send: peer reset the connection after 2 of 5 exchanges: 127\\.0\\.0\\.1:${port} over tcp \\([23] messages sent, 8 reply bytes received\\)$`),
    );
    expect(await server.exit).toBe(0);
  });

  it('--wait and a server that closes without replying: exit 75, saying so', async () => {
    const server = python('close-without-reply');
    const port = await server.first;
    const sent = await runBin('udp-send', ['--tcp', '--wait', '2000', '127.0.0.1', String(port), 'hello?']);
    expect(sent.stderr).toBe(`udp-send: no reply from 127.0.0.1:${port} over tcp: the peer closed the connection without replying\n`);
    expect(sent.code).toBe(75);
    expect(sent.stdout).toBe('');
    expect(await server.exit).toBe(0);
  });

  // A stream the peer stopped taking is a failure, whichever way it closed: once this read `sent 3 messages (2 of 6
  // bytes)` and exited 0 after a FIN (69 after an RST).
  it.each([
    ['close-without-reply', 'closed'],
    ['reset-after-one', 'reset'],
  ])('-c 3 -i 50 to a server that reads one message and ends (%s): exit 69, saying how far the writes got', async (mode, how) => {
    const server = python(mode);
    const port = await server.first;
    const sent = await runBin('udp-send', ['--tcp', '-c', '3', '-i', '50', '127.0.0.1', String(port), 'hi']);
    expect(sent.stderr).toMatch(
      new RegExp(`^udp-send: (peer ${how} the connection before everything was delivered: 127\\.0\\.0\\.1:${port} over tcp \\(1 of 3 messages, 2 bytes, had been handed to the kernel by then\\)|connection reset by 127\\.0\\.0\\.1:${port} over tcp while sending: 2 of [46] bytes had been handed to the kernel)\n$`),
    );
    expect(sent.stderr).not.toMatch(/^sent /m);
    expect(sent.code).toBe(69);
    expect(await server.exit).toBe(0);
  });

  it("-c 3 -i 50 to the README's own `udp-listen --tcp -c 1`: exit 69, not `sent 3 messages`", async () => {
    const listen = startBin('udp-listen', ['--tcp', '-c', '1', '--host', '127.0.0.1', '0']);
    const port = await listening(listen, 'tcp');
    const sent = await runBin('udp-send', ['--tcp', '-c', '3', '-i', '50', '127.0.0.1', String(port), 'hi']);
    expect(sent.stderr).toMatch(/^udp-send: peer closed the connection before everything was delivered: .* \(1 of 3 messages, 2 bytes, had been handed to the kernel by then\)\n$/);
    expect(sent.code).toBe(69);
    expect(await listen.exit.then((e) => e.code)).toBe(0);
  });

  it('a server that resets mid-send: the sentence is whole and counts the bytes handed over', async () => {
    const server = python('reset-mid-send', '100000');
    const port = await server.first;
    const file = join(tmpdir(), `udpkit-peers-${process.pid}.bin`);
    writeFileSync(file, Buffer.alloc(32 * 2 ** 20, 0x61));
    const sent = await runBin('udp-send', ['--tcp', '--file', file, '127.0.0.1', String(port)]);
    rmSync(file, { force: true });
    expect(sent.code).toBe(69);
    const match = new RegExp(
      `^udp-send: connection reset by 127\\.0\\.0\\.1:${port} over tcp while sending: (\\d+) of (\\d+) bytes had been handed to the kernel\\n$`,
    ).exec(sent.stderr);
    expect(match, sent.stderr).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(100_000);
    expect(Number(match?.[1])).toBeLessThan(Number(match?.[2]));
    expect(await server.exit).toBe(0);
  });
});

describe('udp-send and Ctrl+C', () => {
  it('the first SIGINT ends a --count/--interval run with the summary of what was sent', async () => {
    const receiver = await boundSocket();
    let got = 0;
    receiver.on('message', () => (got += 1));
    const send = startBin('udp-send', ['-c', '1000', '-i', '20', '127.0.0.1', String(receiver.address().port), 'tick']);
    await waitFor(() => got >= 3, { timeoutMs: 10_000, what: 'three datagrams' });
    send.child.kill('SIGINT');
    const { code } = await send.exit;
    expect(code).toBe(0);
    const match = /^sent (\d+) datagrams? of 4 bytes \(\d+ bytes\) to 127\.0\.0\.1:\d+ over udp \(interrupted\)/.exec(send.stderr.text);
    expect(match, send.stderr.text).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(match?.[1])).toBeLessThan(1000);
  });
});

describe('ping mode matches each reply to its own request', () => {
  interface PingJson {
    rttMs: (number | null)[];
    lateReplies: number;
    local: { port: number };
    replies?: { payload: string; local: { port: number } }[];

  }

  it('UDP: a reply to exchange 1 that comes after its wait is late, not the answer to exchange 2', async () => {
    // Request 1 is answered after 1.5 s, past the 1 s wait, while exchange 2 waits; 2 and 3 at once.
    const server = python('udp-tagged', '1500,0,0');
    const port = await server.first;
    const sent = await runBin('udp-send', ['-c', '3', '--wait', '1s', '--json', '127.0.0.1', String(port), 'ping']);
    expect(sent.code, sent.stderr).toBe(0);
    const json = JSON.parse(sent.stdout.trim().split('\n').at(-1) ?? '') as PingJson;
    expect(json.replies?.map((r) => r.payload)).toEqual(['answer 2', 'answer 3']);
    expect(json.rttMs[0]).toBeNull();
    expect(json.rttMs.slice(1).every((v) => v !== null && v < 1000)).toBe(true);
    expect(json.lateReplies).toBe(1);
    // Exchange 2 went out from a fresh port, so the late answer to 1 could not be taken for it.
    expect(json.replies?.[0]?.local.port).not.toBe(json.local.port);
    expect(sent.stderr).toMatch(/2 of 3 answered \(1 without a reply in time; 1 late reply came after\)/);
    expect(await server.exit).toBe(0);
  });

  it('UDP: every exchange answered in time keeps one source port', async () => {
    const server = python('udp-tagged', '0,0,0');
    const port = await server.first;
    const sent = await runBin('udp-send', ['-c', '3', '--wait', '2000', '--json', '127.0.0.1', String(port), 'ping']);
    expect(sent.code, sent.stderr).toBe(0);
    const json = JSON.parse(sent.stdout.trim().split('\n').at(-1) ?? '') as PingJson;
    expect(json.replies?.map((r) => [r.payload, r.local.port])).toEqual([1, 2, 3].map((k) => [`answer ${k}`, json.local.port]));
    expect(json.lateReplies).toBe(0);
  });

  it('TCP with --frame line: replies are matched in order, a late one counted late', async () => {
    const server = python('tcp-tagged', '1500,0,0');
    const port = await server.first;
    const sent = await runBin('udp-send', ['--tcp', '--frame', 'line', '-c', '3', '--wait', '1s', '--json', '127.0.0.1', String(port), 'ping']);
    expect(sent.code, sent.stderr).toBe(0);
    const json = JSON.parse(sent.stdout.trim().split('\n').at(-1) ?? '') as PingJson;
    expect(json.rttMs[0]).toBeNull();
    expect(json.rttMs.slice(1).every((v) => v !== null)).toBe(true);
    expect(json.lateReplies).toBe(1);
    expect(json.replies?.map((r) => r.payload)).toEqual(['answer 1', 'answer 2', 'answer 3']);
    expect(sent.stderr).toMatch(/2 of 3 answered \(1 without a reply in time; 1 late reply came after\)/);
    expect(await server.exit).toBe(0);
  });
});

describe('udp-send --tcp and Ctrl+C while the peer does not read', () => {
  it('the first SIGINT ends a stalled write at once, reporting what reached the kernel', async () => {
    const accepted = new Set<Socket>();
    const port = await tcpServer((socket) => accepted.add(socket.pause()));
    const file = join(tmpdir(), `udpkit-stall-${process.pid}.bin`);
    writeFileSync(file, Buffer.alloc(48 * 2 ** 20, 0x62));
    onTestFinished(() => rmSync(file, { force: true }));
    const send = startBin('udp-send', ['--tcp', '--send-timeout', '60000', '--file', file, '127.0.0.1', String(port)]);
    await waitFor(() => accepted.size === 1, { timeoutMs: 10_000, what: 'the connection' });
    // The writes fill the kernel's buffers, then stall: interrupt once the server's unread bytes stop growing while
    // the sender's kernel still holds more.
    let before = -1;
    await waitFor(() => {
      const { unread, unsent } = tcpQueues(port);
      const stalled = unsent > 0 && unread > 0 && unread === before;
      before = unread;
      return stalled;
    }, { timeoutMs: 10_000, intervalMs: 50, what: () => `the write to stall (${JSON.stringify(tcpQueues(port))})` });
    send.child.kill('SIGINT');
    expect((await send.exit).code).toBe(0);
    const match = /^sent (\d+) of 50331648 bytes to 127\.0\.0\.1:\d+ over tcp \(connected in [\d.]+ ms\) \(interrupted\)\n$/.exec(send.stderr.text);
    expect(match, send.stderr.text).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThan(50331648);
  });
});

/** Accepts one TCP connection, prints its peer's address and port and what it sent. */
const PYTHON_ACCEPT = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(1)
s.settimeout(10)
print('port', s.getsockname()[1], flush=True)
c, peer = s.accept()
data = b''
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    data += chunk
print('peer', peer[0], peer[1], data.decode(), flush=True)
c.close()
`;

describe('udp-send --source and --source-port', () => {
  it('the datagram leaves from the port asked: the receiver and tshark on lo both see it', async () => {
    const receiver = await boundSocket();
    const got = new Promise<{ address: string; port: number }>((resolve) => receiver.once('message', (_m, rinfo) => resolve(rinfo)));
    const source = await deadPort();
    const capture = noCapture === undefined ? await captureLo(`udp port ${receiver.address().port}`) : undefined;
    const sent = await runBin('udp-send', ['-s', '127.0.0.1', '-p', String(source), '127.0.0.1', String(receiver.address().port), 'from here']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(await got).toMatchObject({ address: '127.0.0.1', port: source });
    if (capture) {
      const packets = await capture.stop(1);
      expect(packets.filter((p) => p.dstPort === receiver.address().port).map((p) => [p.src, p.srcPort, p.length])).toEqual([['127.0.0.1', source, 9]]);
    }
  });

  it('a source port in use, an address that is not local, a name: each its own clear error, over UDP and TCP', async () => {
    const taken = await boundSocket();
    const port = String(taken.address().port);
    const inUse = await runBin('udp-send', ['--source-port', port, '127.0.0.1', '9', 'x']);
    expect([inUse.code, inUse.stderr]).toEqual([69, `udp-send: cannot send from *:${port}: address already in use (EADDRINUSE)\n`]);
    const notLocal = await runBin('udp-send', ['--source', '192.0.2.123', '127.0.0.1', '9', 'x']);
    expect(notLocal.code).toBe(69);
    expect(notLocal.stderr).toBe('udp-send: cannot send from 192.0.2.123: address not available on this machine (EADDRNOTAVAIL)\n');
    const name = await runBin('udp-send', ['--source', 'localhost', '127.0.0.1', '9', 'x']);
    expect([name.code, name.stderr]).toEqual([64, 'udp-send: --source "localhost": give a local IP address, not a name\n']);
    const serverPort = String(await tcpServer());
    const tcpInUse = await runBin('udp-send', ['--tcp', '-p', serverPort, '127.0.0.1', serverPort, 'x']);
    expect([tcpInUse.code, tcpInUse.stderr]).toEqual([69, `udp-send: cannot send from *:${serverPort}: address already in use (EADDRINUSE)\n`]);
    const tcpNotLocal = await runBin('udp-send', ['--tcp', '-s', '192.0.2.123', '127.0.0.1', serverPort, 'x']);
    expect([tcpNotLocal.code, tcpNotLocal.stderr]).toEqual([69, 'udp-send: cannot send from 192.0.2.123: address not available on this machine (EADDRNOTAVAIL)\n']);
    const wrongFamily = await runBin('udp-send', ['--tcp', '-s', '::1', '127.0.0.1', serverPort, 'x']);
    expect([wrongFamily.code, wrongFamily.stderr]).toEqual([64, 'udp-send: --source "::1" is IPv6 but the destination is IPv4\n']);
  });

  it('TCP: the connection comes from the address and port asked: a Python server and tshark (the SYN) both see it', async () => {
    const server = startProcess('python3', ['-c', PYTHON_ACCEPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    const said = server.stdout;
    const port = (await said.waitFor(/^port (\d+)\n/))[1] as string;
    const source = await deadPort();
    const capture = noCapture === undefined ? await captureLo(`tcp port ${port}`) : undefined;
    const sent = await runBin('udp-send', ['--tcp', '-s', '127.0.0.2', '-p', String(source), '127.0.0.1', port, 'from here']);
    expect(sent.code, sent.stderr).toBe(0);
    await said.waitFor(/^peer /m);
    expect(said.text).toContain(`peer 127.0.0.2 ${source} from here\n`);
    await server.exit;
    if (capture) {
      const syns = (await capture.stop((seen) => seen.some((p) => p.syn))).filter((p) => p.syn && p.dstPort === Number(port));
      // Every SYN (a loaded machine may send it again after a second) comes from the address and port asked.
      expect([...new Set(syns.map((p) => `${p.src} ${p.srcPort}`))]).toEqual([`127.0.0.2 ${source}`]);
    }
  });
});
