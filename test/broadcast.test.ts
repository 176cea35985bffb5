/**
 * Broadcast inside a pair of network namespaces made by the test (never on a real network): udp-send --broadcast
 * to the subnet's broadcast address, heard by udp-listen and by a Python receiver; a Python broadcaster heard by
 * udp-listen; and without --broadcast, the clear usage error instead of "ports below 1024 need root".
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLossyLink, lossyLinkUnavailable } from '../src/compare/netns.js';
import { binPath, startBinIn, startProcess, waitFor } from './helpers.js';

const skip = lossyLinkUnavailable();
if (skip) console.log(`broadcast tests skipped: ${skip}`);

const PYTHON_RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', int(sys.argv[1])))
s.settimeout(5)
print('ready', flush=True)
data, peer = s.recvfrom(2048)
print(peer[0], data.decode(), flush=True)
`;

const PYTHON_BROADCASTER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b'from python', (sys.argv[1], int(sys.argv[2])))
`;

describe.skipIf(skip !== undefined)('broadcast on a subnet of the test namespaces', () => {
  it('udp-send --broadcast reaches udp-listen and a Python receiver; without the flag: exit 64, saying why', async () => {
    const link = createLossyLink(0, 0);
    onTestFinished(() => link.destroy());
    const broadcast = link.senderAddress.replace(/\.1$/, '.255');
    const inSender = (args: string[]) => spawnSync('ip', ['netns', 'exec', link.senderNs, ...args], { encoding: 'utf8', timeout: 10_000 });

    const listener = startBinIn(link.receiverNs, 'udp-listen', ['-f', 'json', '5005']);
    const records = listener.stdout;
    await listener.stderr.waitFor(/^listening on udp /);

    const refused = inSender([process.execPath, binPath('udp-send'), broadcast, '5005', 'no flag']);
    expect(refused.status).toBe(64);
    expect(refused.stderr).toBe(`udp-send: ${broadcast} is a broadcast address: sending to it needs --broadcast\n`);
    // The limited broadcast, from a namespace with no default route: decided from the address, not from the
    // kernel's answer (which was ENETUNREACH here, read as 69 `network unreachable`).
    expect(inSender(['ip', 'route', 'show', 'default']).stdout).toBe('');
    const limited = inSender([process.execPath, binPath('udp-send'), '255.255.255.255', '5005', 'no flag']);
    expect(limited.stderr).toBe('udp-send: 255.255.255.255 is a broadcast address: sending to it needs --broadcast\n');
    expect(limited.status).toBe(64);

    const sent = inSender([process.execPath, binPath('udp-send'), '--broadcast', broadcast, '5005', 'to all']);
    expect(sent.status, sent.stderr).toBe(0);
    expect(inSender(['python3', '-c', PYTHON_BROADCASTER, broadcast, '5005']).status).toBe(0);
    await waitFor(() => records.text.split('\n').length > 2, { timeoutMs: 5000, what: 'two broadcasts' });
    const got = records.text.trim().split('\n').map((l) => JSON.parse(l) as { payload: string; from: { address: string } });
    expect(got.map((r) => [r.payload, r.from.address]).sort()).toEqual([
      ['from python', link.senderAddress],
      ['to all', link.senderAddress],
    ]);

    const heard = startProcess('ip', ['netns', 'exec', link.receiverNs, 'python3', '-c', PYTHON_RECEIVER, '5006'], { stdio: ['ignore', 'pipe', 'pipe'] }).stdout;
    await heard.waitFor(/ready\n/);
    expect(inSender([process.execPath, binPath('udp-send'), '--broadcast', broadcast, '5006', 'hello python']).status).toBe(0);
    await heard.waitFor(/hello python\n/);
    expect(heard.text).toBe(`ready\n${link.senderAddress} hello python\n`);

    listener.child.kill('SIGINT');
    expect((await listener.exit).code).toBe(0);
  });
});
