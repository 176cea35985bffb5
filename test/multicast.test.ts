/**
 * Multicast and TTL inside network namespaces made by the test (loopback cannot show either): udp-listen --join
 * and Python receivers that join the same group the way the socket tutorials teach; udp-send and Python senders;
 * a listener that did not join hears nothing; --ttl checked on the wire by tshark, and across a router namespace
 * (TTL 1 does not cross, TTL 2 arrives with TTL 1); --multicast-loop off; source-specific joins; the errors.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLossyLink, createRoutedLine, lossyLinkUnavailable, routedLineUnavailable, type LossyLink } from '../src/compare/netns.js';
import { captureOn, captureUnavailable } from './capture.js';
import { binPath, runBin, sleep, startBinIn, startProcess, waitFor, type Capture } from './helpers.js';

const skip = lossyLinkUnavailable();
if (skip) console.log(`multicast tests skipped: ${skip}`);
const noCapture = skip ?? captureUnavailable();
if (noCapture && !skip) console.log(`multicast tshark checks skipped: ${noCapture}`);
const noRouter = routedLineUnavailable();
if (noRouter) console.log(`TTL across a router skipped: ${noRouter}`);

/**
 * A quiet spell on purpose, where a test proves that something does not arrive: each waits first for a datagram
 * sent after the ones that must not arrive (they would have come first), then lets this much time pass as well.
 */
const QUIET_MS = 300;

/** Joins GROUP on the interface named, any-source, and prints each datagram's sender and payload. */
const PYTHON_RECEIVER = `
import socket, struct, sys
group, port, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if ':' in group:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack('@I', socket.if_nametoindex(iface))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    mreq = struct.pack('=4sl', socket.inet_aton(group), socket.INADDR_ANY) if iface == '' else socket.inet_aton(group) + socket.inet_aton(sys.argv[4])
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
s.settimeout(8)
print('ready', flush=True)
data, peer = s.recvfrom(2048)
print(peer[0], data.decode(), flush=True)
`;

/** Sends one datagram to GROUP:PORT out of the interface (IPv4: its address; IPv6: its name). */
const PYTHON_SENDER = `
import socket, struct, sys
group, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if ':' in group:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(out))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(out))
s.sendto(b'from python', (group, port))
`;

function runIn(ns: string, command: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', timeout: 15_000 });
}

function send(ns: string, args: string[]) {
  return runIn(ns, [process.execPath, binPath('udp-send'), ...args]);
}

function records(capture: Capture): { from: { address: string }; local: { address: string; port: number }; payload: string }[] {
  return capture.text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { from: { address: string }; local: { address: string; port: number }; payload: string });
}

function link(): LossyLink {
  const made = createLossyLink(0, 0);
  onTestFinished(() => made.destroy());
  return made;
}

describe.skipIf(skip !== undefined)('multicast between two namespaces', () => {
  it.each([
    ['IPv4', '239.1.2.3'],
    ['IPv6', 'ff15::1:3'],
  ])('%s: udp-listen --join and a Python receiver both hear udp-send; udp-listen hears a Python sender; records name the group', async (_family, group) => {
    const l = link();
    const v6 = group.includes(':');
    const listener = startBinIn(l.receiverNs, 'udp-listen', ['-f', 'json', '--join', `${group}@${l.receiverDevice}`, '5005']);
    await listener.stderr.waitFor(/^listening on udp /);
    // The first line exactly (a host whose rmem_max caps the buffer says so on the next line, as it may by then).
    expect(listener.stderr.text.split('\n')[0]).toBe(`listening on udp ${v6 ? `[${group}]` : group}:5005 (joined on ${l.receiverDevice})`);
    const receiver = [l.receiverNs, 'python3', '-c', PYTHON_RECEIVER, group, '5005', l.receiverDevice, l.receiverAddress];
    const heard = startProcess('ip', ['netns', 'exec', ...receiver], { stdio: ['ignore', 'pipe', 'pipe'] }).stdout;
    await heard.waitFor(/ready/);

    const sent = send(l.senderNs, ['--multicast-if', l.senderDevice, group, '5005', 'from udpkit']);
    expect(sent.status, sent.stderr).toBe(0);
    await heard.waitFor(/from udpkit/);
    const out = v6 ? l.senderDevice : l.senderAddress;
    expect(runIn(l.senderNs, ['python3', '-c', PYTHON_SENDER, group, '5005', out]).status).toBe(0);
    await waitFor(() => records(listener.stdout).length === 2, { timeoutMs: 5000, what: 'two group datagrams' });
    const got = records(listener.stdout);
    expect(got.map((r) => r.payload).sort()).toEqual(['from python', 'from udpkit']);
    for (const r of got) {
      expect(r.local).toMatchObject({ address: group, port: 5005 });
      if (!v6) expect(r.from.address).toBe(l.senderAddress);
      else expect(r.from.address).toMatch(/^fe80:/);
    }
  });

  it('a listener that did not join hears no group datagram, though unicast to it arrives', async () => {
    const l = link();
    const listener = startBinIn(l.receiverNs, 'udp-listen', ['-f', 'json', '5006']);
    await listener.stderr.waitFor(/^listening on udp /);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '239.1.2.9', '5006', 'to the group']).status).toBe(0);
    expect(send(l.senderNs, ['-6', '--multicast-if', l.senderDevice, 'ff15::1:9', '5006', 'to the v6 group']).status).toBe(0);
    // The unicast datagram, sent after the group ones, marks when they would have arrived; then a quiet spell.
    expect(send(l.senderNs, [l.receiverAddress, '5006', 'unicast']).status).toBe(0);
    await waitFor(() => records(listener.stdout).length >= 1, { timeoutMs: 5000, what: 'the unicast datagram' });
    await sleep(QUIET_MS);
    expect(records(listener.stdout).map((r) => r.payload)).toEqual(['unicast']);
  });

  it('--multicast-loop off: a member on the sending host gets no copy; on (the default) it does', async () => {
    const l = link();
    const local = startBinIn(l.senderNs, 'udp-listen', ['-f', 'json', '--join', `239.1.2.4@${l.senderDevice}`, '5007']);
    await local.stderr.waitFor(/^listening on udp /);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '--multicast-loop', 'off', '239.1.2.4', '5007', 'not looped']).status).toBe(0);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '239.1.2.4', '5007', 'looped']).status).toBe(0);
    await waitFor(() => records(local.stdout).length >= 1, { timeoutMs: 5000, what: 'the looped copy' });
    await sleep(QUIET_MS);
    expect(records(local.stdout).map((r) => r.payload)).toEqual(['looped']);
  });

  it('--join G@IFACE --source-filter S: datagrams from S arrive, from another address of the sender they do not', async () => {
    const l = link();
    const other = l.senderAddress.replace(/\.1$/, '.3');
    expect(runIn(l.senderNs, ['ip', 'addr', 'add', `${other}/24`, 'dev', l.senderDevice]).status).toBe(0);
    const listener = startBinIn(l.receiverNs, 'udp-listen', ['-f', 'json', '--join', `232.1.1.1@${l.receiverDevice}`, '--source-filter', l.senderAddress, '5008']);
    await listener.stderr.waitFor(/^listening on udp /);
    expect(listener.stderr.text).toContain(`from ${l.senderAddress} only`);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '--source', other, '232.1.1.1', '5008', 'other source']).status).toBe(0);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '--source', l.senderAddress, '232.1.1.1', '5008', 'the source']).status).toBe(0);
    await waitFor(() => records(listener.stdout).length >= 1, { timeoutMs: 5000, what: 'the filtered source' });
    await sleep(QUIET_MS);
    expect(records(listener.stdout).map((r) => [r.payload, r.from.address])).toEqual([['the source', l.senderAddress]]);
  });

  it.skipIf(noCapture !== undefined)('--ttl on the wire (tshark): a group datagram leaves with the multicast TTL asked, 1 by default', async () => {
    const l = link();
    const capture = await captureOn(l.senderDevice, 'udp port 5009', l.senderNs);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '239.1.2.5', '5009', 'default']).status).toBe(0);
    expect(send(l.senderNs, ['--multicast-if', l.senderDevice, '--ttl', '7', '239.1.2.5', '5009', 'ttl 7']).status).toBe(0);
    expect(send(l.senderNs, ['--ttl', '9', l.receiverAddress, '5009', 'unicast ttl 9']).status).toBe(0);
    const packets = await capture.stop(3);
    expect(packets.map((p) => [p.dst, p.ttl])).toEqual([
      ['239.1.2.5', 1],
      ['239.1.2.5', 7],
      [l.receiverAddress, 9],
    ]);
  });

  it('clear errors: a unicast --join, a group as --host, multicast options to a unicast destination, an unknown interface', async () => {
    const cases: [string, string[], string][] = [
      ['udp-listen', ['--join', '10.0.0.1', '5005'], 'invalid --join "10.0.0.1": expected a multicast group (224.0.0.0/4 or ff00::/8), optionally @INTERFACE'],
      ['udp-listen', ['--host', '239.1.2.3', '5005'], '--host "239.1.2.3" is a multicast group: to receive it, use --join 239.1.2.3'],
      ['udp-listen', ['--source-filter', '10.0.0.1', '5005'], '--source-filter works with --join only'],
      ['udp-listen', ['--join', '239.1.2.3', '--tcp', '5005'], '--join is for UDP: TCP has no multicast'],
      ['udp-send', ['--multicast-loop', 'off', '127.0.0.1', '9', 'x'], '--multicast-loop works with a multicast group destination; 127.0.0.1 is unicast'],
      ['udp-send', ['--tcp', '239.1.2.3', '9', 'x'], '239.1.2.3 is a multicast group: TCP cannot send to a group (drop --tcp)'],
      ['udp-send', ['--source', '239.1.2.3', '127.0.0.1', '9', 'x'], 'source 239.1.2.3 is a multicast group: a datagram is sent from a unicast address'],
      ['udp-send', ['--multicast-if', 'nosuch0', '239.1.2.3', '9', 'x'], '--multicast-if nosuch0: no such interface (this host has '],
      ['udp-listen', ['--join', '239.1.2.3@nosuch0', '0'], 'cannot join 239.1.2.3 on nosuch0: no such interface (this host has '],
    ];
    for (const [bin, args, message] of cases) {
      const run = await runBin(bin, args);
      expect(run.code, `${bin} ${args.join(' ')}: ${run.stderr}`).toBe(64);
      expect(run.stderr.startsWith(`${bin}: ${message}`), run.stderr).toBe(true);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
  });
});

describe.skipIf(noRouter !== undefined)('TTL across a router namespace', () => {
  it('--ttl 1 does not cross the router, --ttl 2 arrives (IPv4 TTL and IPv6 hop limit)', async () => {
    const line = createRoutedLine();
    onTestFinished(() => line.destroy());
    const listener = startBinIn(line.receiver.ns, 'udp-listen', ['-f', 'json', '5010']);
    await listener.stderr.waitFor(/^listening on udp /);
    const capture = noCapture === undefined ? await captureOn(line.receiver.device, 'udp port 5010', line.receiver.ns) : undefined;
    for (const target of [line.receiver.v4, line.receiver.v6]) {
      expect(send(line.sender.ns, ['--ttl', '1', target, '5010', `ttl 1 to ${target}`]).status).toBe(0);
      expect(send(line.sender.ns, ['--ttl', '2', target, '5010', `ttl 2 to ${target}`]).status).toBe(0);
    }
    await waitFor(() => records(listener.stdout).length >= 2, { timeoutMs: 5000, what: 'the two TTL 2 datagrams' });
    await sleep(QUIET_MS);
    expect(records(listener.stdout).map((r) => r.payload)).toEqual([`ttl 2 to ${line.receiver.v4}`, `ttl 2 to ${line.receiver.v6}`]);
    // On the receiver's wire the router has taken one off: what left with 2 arrives with 1.
    if (capture) expect((await capture.stop(2)).map((p) => [p.dst, p.ttl])).toEqual([[line.receiver.v4, 1], [line.receiver.v6, 1]]);
  });
});
