/**
 * `udp-listen --echo` on the wildcard answers from the address each request was sent to: checked in a network
 * namespace with two addresses on one veth, with a connected Python socket and dig (which drop answers from any
 * other address) and with tshark on the veth.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLossyLink, lossyLinkUnavailable } from '../src/compare/netns.js';
import { captureOn, captureUnavailable } from './capture.js';
import { startBinIn } from './helpers.js';

const skip = lossyLinkUnavailable();
if (skip) console.log(`echo source address tests skipped: ${skip}`);
const noCapture = captureUnavailable();
const noDig = spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0 ? undefined : 'dig is not installed (.ci/run installs dnsutils)';

const CONNECTED_CLIENT = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
s.settimeout(2)
s.send(b'who answers?')
try:
    data, peer = s.recvfrom(2048)
    print(peer[0], data.decode())
except socket.timeout:
    print('timeout')
`;

describe.skipIf(skip !== undefined)('echo replies leave from the address asked', () => {
  it('two addresses on one veth: each request is answered from its own address', async () => {
    const link = createLossyLink(0, 0);
    onTestFinished(() => link.destroy());
    const second = link.receiverAddress.replace(/\.2$/, '.3');
    expect(spawnSync('ip', ['-n', link.receiverNs, 'addr', 'add', `${second}/24`, 'dev', link.receiverDevice]).status).toBe(0);
    const listener = startBinIn(link.receiverNs, 'udp-listen', ['--echo', '-f', 'json', '5005']);
    const line = (await listener.stderr.waitFor(/^listening on udp .*\n/))[0];
    expect(line).toContain(`${link.receiverAddress}:5005`);
    expect(line).toContain(`${second}:5005`);

    const capture = noCapture === undefined ? await captureOn(link.receiverDevice, 'udp port 5005', link.receiverNs) : undefined;
    for (const address of [link.receiverAddress, second]) {
      const client = spawnSync('ip', ['netns', 'exec', link.senderNs, 'python3', '-c', CONNECTED_CLIENT, address, '5005'], { encoding: 'utf8', timeout: 10_000 });
      expect(client.stdout.trim()).toBe(`${address} who answers?`);
    }
    if (noDig === undefined) {
      const dig = spawnSync('ip', ['netns', 'exec', link.senderNs, 'dig', '+tries=1', '+time=2', `@${second}`, '-p', '5005', 'example.com'], { encoding: 'utf8', timeout: 10_000 });
      expect(dig.stdout).not.toMatch(/unexpected source|timed out/);
      expect(dig.stdout).toContain(`SERVER: ${second}#5005`);
    } else {
      console.log(`dig check skipped: ${noDig}`);
    }
    if (capture) {
      // Each exchange is a request and its reply: two from Python, and dig's when it ran.
      const packets = await capture.stop(noDig === undefined ? 6 : 4);
      // On the wire: every reply to the second address comes from it, and every reply to the first from the first.
      const replies = packets.filter((p) => p.srcPort === 5005);
      const requests = packets.filter((p) => p.dstPort === 5005);
      expect(replies.length).toBe(requests.length);
      for (const request of requests) {
        expect(replies.some((r) => r.src === request.dst && r.dst === request.src && r.dstPort === request.srcPort)).toBe(true);
      }
      console.log(`tshark on ${link.receiverDevice}: ${requests.length} requests, each answered from the address it was sent to`);
    } else {
      console.log(`tshark check skipped: ${noCapture}`);
    }
    listener.child.kill('SIGINT');
    expect((await listener.exit).code).toBe(0);
  });
});
