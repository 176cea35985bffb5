/**
 * `udp-probe --tcp` against targets that fail before any connection exists, each for one cause, in a network
 * namespace made for the test (named with the PID, removed on every exit path) where the failures are certain and
 * no packet can leave the host: only loopback is up, so 192.0.2.1 (TEST-NET-1) has no route (unreachable); the
 * namespace's resolver is 127.0.0.1, where nothing answers (unresolved); and an nftables rule drops every SYN to one
 * port of a listening server (the connect times out). A target that works runs beside them: the prober keeps going.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listening, needsRoot, startBinIn } from '../helpers.js';
import { makeNamespace, removeNamespace } from '../namespaces.js';

function tool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}
const reason = needsRoot() ?? (tool('ip') ? undefined : 'needs ip (iproute2)') ?? (tool('nft') ? undefined : 'needs nft (nftables)');
if (reason !== undefined) console.log(`skipping the TCP failure-cause test: ${reason}`);

/** A namespace with loopback up and its own resolv.conf (`ip netns exec` mounts /etc/netns/NAME/), removed after. */
function namespace(): string {
  const ns = makeNamespace('tcp-causes', { 'resolv.conf': 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' });
  onTestFinished(() => removeNamespace(ns));
  return ns;
}

interface Summary {
  target: string;
  sent: number;
  received: number;
  connects: number;
  failures: Record<string, number>;
  lastError?: string;
}

describe.skipIf(reason !== undefined)('udp-probe --tcp: failures before a connection, by cause', () => {
  it('unreachable, unresolved and a connect that times out are each counted under their cause, beside a target that answers', { timeout: 30_000 }, async () => {
    const ns = namespace();
    const echo = startBinIn(ns, 'udp-listen', ['--tcp', '--echo', '--host', '127.0.0.1', '0']);
    const good = await listening(echo, 'tcp');
    const silent = startBinIn(ns, 'udp-listen', ['--tcp', '--host', '127.0.0.1', '0']);
    const dropped = await listening(silent, 'tcp');
    const rules = `table inet tcpcause_test {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp dport ${dropped} tcp flags syn drop
  }
}
`;
    const nft = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, encoding: 'utf8' });
    expect(nft.status, nft.stderr).toBe(0);
    const targets = [`127.0.0.1:${good}`, '192.0.2.1:7', 'nosuch.invalid:7', `127.0.0.1:${dropped}`];
    const prober = startBinIn(ns, 'udp-probe', ['--tcp', '-f', 'json', '--duration', '3s', '--interval', '50ms', '--timeout', '300ms', '--report', '1h', ...targets]);
    const { code } = await prober.exit;
    expect(code, prober.stderr.text).toBe(0);
    const summaries = prober.stdout.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Summary & { event: string })
      .filter((r) => r.event === 'summary');
    const of = (target: string) => summaries.find((s) => s.target === target);
    // The good target: every probe answered over one connection.
    expect(of(`127.0.0.1:${good}`)).toMatchObject({ connects: 1, failures: {} });
    expect(of(`127.0.0.1:${good}`)?.received).toBe(of(`127.0.0.1:${good}`)?.sent);
    // No route: the connect fails at once, each attempt counted, nothing received.
    const unreachable = of('192.0.2.1:7');
    expect(unreachable).toMatchObject({ received: 0, connects: 0 });
    expect(unreachable?.failures.unreachable).toBeGreaterThanOrEqual(2);
    expect(Object.keys(unreachable?.failures ?? {})).toEqual(['unreachable']);
    expect(unreachable?.lastError).toMatch(/ENETUNREACH/);
    // No resolver answers: counted unresolved, and the prober did not die of it.
    const unresolved = of('nosuch.invalid:7');
    expect(unresolved).toMatchObject({ received: 0, connects: 0 });
    expect(unresolved?.failures.unresolved).toBeGreaterThanOrEqual(1);
    expect(Object.keys(unresolved?.failures ?? {})).toEqual(['unresolved']);
    // Every SYN dropped: the connect gives up after --timeout, counted timeout; 3 s hold a few such attempts.
    const timedOut = of(`127.0.0.1:${dropped}`);
    expect(timedOut).toMatchObject({ received: 0, connects: 0 });
    expect(timedOut?.failures.timeout).toBeGreaterThanOrEqual(2);
    expect(Object.keys(timedOut?.failures ?? {})).toEqual(['timeout']);
    expect(timedOut?.lastError).toMatch(/connect took longer than 300 ms/);
  });
});
