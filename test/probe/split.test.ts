/**
 * Loss split by direction against udp-listen --echo, behind nftables drop rules in a network namespace made for the
 * test (named with the PID, removed on every exit path): every 10th probe dropped on the way there, every 5th echo
 * on the way back; the count questions and answers (another length) pass.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listening, needsRoot, startBinIn } from '../helpers.js';
import { makeNamespace, removeNamespace } from '../namespaces.js';

function tool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}
const reason = needsRoot() ?? (tool('ip') ? undefined : 'needs ip (iproute2)') ?? (tool('nft') ? undefined : 'needs nft (nftables)');
if (reason !== undefined) console.log(`skipping the loss-split test: ${reason}`);

/** A namespace with loopback up, removed when the test ends (and on a signal: test/namespaces.ts). */
function namespace(): string {
  const ns = makeNamespace('probe-split');
  onTestFinished(() => removeNamespace(ns));
  return ns;
}

describe.skipIf(reason !== undefined)('loss split up/down', () => {
  it('20 probes dropped on the way there and 36 echoes on the way back are told apart', { timeout: 30_000 }, async () => {
    const ns = namespace();
    const echo = startBinIn(ns, 'udp-listen', ['--echo', '--host', '127.0.0.1', '-f', 'json', '0']);
    const port = await listening(echo);
    // 64-byte probes are UDP length 72; the count question (13 bytes) and its answer are not.
    const rules = `table inet probe_test {
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport ${port} udp length 72 numgen inc mod 10 == 5 drop
    udp sport ${port} udp length 72 numgen inc mod 5 == 3 drop
  }
}
`;
    const nft = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, encoding: 'utf8' });
    expect(nft.status, nft.stderr).toBe(0);
    const prober = startBinIn(ns, 'udp-probe', ['-f', 'json', '--count', '200', '--interval', '5ms', '--timeout', '300ms', '--report', '1h', `127.0.0.1:${port}`]);
    const { code } = await prober.exit;
    expect(code, prober.stderr.text).toBe(0);
    const summary = prober.stdout.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.event === 'summary');
    // 200 probes: #5, #15 … #195 dropped going there (20); of the 180 echoes, #3, #8 … #178 dropped coming back (36).
    expect(summary).toMatchObject({ sent: 200, received: 144, lost: 56, direction: 'split', lostUp: 20, lostDown: 36 });
    expect(prober.stderr.text).toContain('200 sent, 144 received, 56 lost (28.0 %, 20 up, 36 down)');
  });
});
