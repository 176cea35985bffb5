/**
 * `udp-send --tcp --expect` to a name with two addresses, of which only the second has a server: it connects as
 * `udp-send --tcp` does (every address tried, RFC 8305), says which failed first, and checks the reply. Run in a
 * network namespace of the test's own whose /etc/hosts gives the name `dual` both ::1 and 127.0.0.1 (needs root
 * and iproute2: CI); skipped otherwise, saying why.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { binPath, needsRoot, startProcess, waitFor } from '../helpers.js';
import { makeNamespace, removeNamespace } from '../namespaces.js';

const tools = ['ip', 'python3', 'getent'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const reason = needsRoot() ?? (tools.length > 0 ? `needs ${tools.join(', ')}` : undefined);
if (reason !== undefined) console.log(`skipping the --expect over TCP to a name test: ${reason}`);

/** A line device as a Python tutorial writes one, bound to the one address given: READ? is answered TEMP=21. */
const DEVICE = `
import socket, sys
address = sys.argv[1]
server = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
server.bind((address, 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
with conn:
    data = b""
    while b"\\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    if data.startswith(b"READ?"):
        conn.sendall(b"TEMP=21\\n")
`;

describe.skipIf(reason !== undefined)('udp-send --tcp --expect to a name', () => {
  it('tries every address of the name, says the one that refused, and checks the reply of the one that answered', { timeout: 20_000 }, async () => {
    const ns = makeNamespace('expect-names', { hosts: '127.0.0.1\tlocalhost\n::1\tdual\n127.0.0.1\tdual\n' });
    onTestFinished(() => removeNamespace(ns));
    // The resolver's order decides which address is tried first: the server listens on the other one.
    const order = spawnSync('ip', ['netns', 'exec', ns, 'getent', 'ahosts', 'dual'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('STREAM')).map((l) => l.split(/\s+/)[0]);
    expect(new Set(order)).toEqual(new Set(['::1', '127.0.0.1']));
    const [first, second] = order as [string, string];
    const device = startProcess('ip', ['netns', 'exec', ns, 'python3', '-c', DEVICE, second]);
    await waitFor(() => /^\d+\n/.test(device.stdout.text), { timeoutMs: 10_000, what: 'the device to listen' });
    const port = Number(device.stdout.text.trim());
    const send = spawnSync('ip', ['netns', 'exec', ns, process.execPath, binPath('udp-send'), '--tcp', '--frame', 'line', '--expect', '/^TEMP=\\d+$/', '--wait', '2s', 'dual', String(port), 'READ?'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(send.status, send.stderr).toBe(0);
    expect(send.stdout).toMatch(/TEMP=21/);
    const at = (address: string): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
    expect(send.stderr).toContain(`1 expectation held, 2 steps with ${at(second)} over tcp, after ${at(first)} refused`);
  });
});
