/**
 * `udp-proxy --metrics` and `--allow/--deny`: the built bin (as nobody) between Python peers, its /metrics read with
 * curl and checked by promtool: forwarded and dropped per direction and cause, denied clients counted, not relayed.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binPath, fixturePath, listening, runBin, startProcess, tcpServer, type Running } from '../helpers.js';

/** Runs the bin as nobody (uid and gid 65534, no groups): nothing the proxy does needs a privilege. */
function startProxy(args: string[]): Running {
  const unprivileged = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [command, ...rest] = [...unprivileged, process.execPath, binPath('udp-proxy'), ...args];
  return startProcess(command as string, rest);
}

/**
 * From `source` (a loopback address), `count` datagrams of `size` bytes to `port`; returns how many answers came
 * back within a second after the last.
 */
function sendFrom(source: string, port: number, count: number, size: number): number {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    's.bind((sys.argv[1], 0))',
    'for _ in range(int(sys.argv[3])): s.sendto(b"x" * int(sys.argv[4]), ("127.0.0.1", int(sys.argv[2])))',
    's.settimeout(1)',
    'got = 0',
    'try:',
    '    while True:',
    '        s.recvfrom(65535)',
    '        got += 1',
    'except socket.timeout:',
    '    pass',
    'print(got)',
  ].join('\n');
  return Number(execFileSync('python3', ['-c', script, source, String(port), String(count), String(size)], { encoding: 'utf8', timeout: 10_000 }).trim());
}

/** GET with curl (a client udpkit did not write). */
function curl(url: string): string {
  return execFileSync('curl', ['-s', '--compressed', url], { encoding: 'utf8', timeout: 10_000 });
}

/** udpkit's own families of an exposition, for promtool (prom-client's default ones are its business). */
function ours(body: string): string {
  return `${body.split('\n').filter((line) => /^(# (HELP|TYPE) )?udpkit_/.test(line)).join('\n')}\n`;
}

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) console.log('promtool is not installed: the proxy exposition is not checked by it (apt-get install prometheus; .ci/run installs it)');

/** The URL a bin printed in its `metrics on URL` line. */
async function metricsUrl(run: Running): Promise<string> {
  return (await run.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
}

describe('udp-proxy --metrics', () => {
  it('UDP with --allow 127.0.0.2/32 and --mtu: forwarded per direction, dropped per cause (denied, mtu), sessions; promtool passes', async () => {
    const echo = startProcess('python3', [fixturePath('lossy-echo.py'), '1000000']);
    const echoPort = Number((await echo.stdout.waitFor(/^(\d+)\n/))[1]);
    const relay = startProxy(['--host', '127.0.0.1', '--allow', '127.0.0.2/32', '--mtu', '100', '--metrics', '0', '0', '127.0.0.1', String(echoPort)]);
    const port = await listening(relay);
    const url = await metricsUrl(relay);
    expect(sendFrom('127.0.0.2', port, 10, 20)).toBe(10);
    expect(sendFrom('127.0.0.2', port, 2, 500)).toBe(0);
    expect(sendFrom('127.0.0.1', port, 5, 20)).toBe(0);
    const body = curl(url);
    const up = 'direction="up",protocol="udp"';
    const down = 'direction="down",protocol="udp"';
    expect(body).toContain(`udpkit_proxy_received_total{${up}} 17\n`);
    expect(body).toContain(`udpkit_proxy_forwarded_total{${up}} 10\n`);
    expect(body).toContain(`udpkit_proxy_forwarded_total{${down}} 10\n`);
    expect(body).toContain(`udpkit_proxy_forwarded_bytes_total{${up}} 200\n`);
    expect(body).toContain(`udpkit_proxy_dropped_total{direction="up",cause="denied",protocol="udp"} 5\n`);
    expect(body).toContain(`udpkit_proxy_dropped_total{direction="up",cause="mtu",protocol="udp"} 2\n`);
    expect(body).toContain(`udpkit_proxy_dropped_total{direction="down",cause="loss",protocol="udp"} 0\n`);
    // A session per client socket: the two runs from 127.0.0.2 (the denied one opens none).
    expect(body).toContain('udpkit_proxy_sessions_total{protocol="udp"} 2\n');
    expect(body).toMatch(/^udpkit_build_info\{[^}]*command="udp-proxy"\} 1$/m);
    // No label names a client.
    expect(body).not.toMatch(/udpkit_proxy\w*\{[^}]*(client|address|sender)=/);
    if (promtool) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: ours(body), encoding: 'utf8', timeout: 30_000 });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    }
    relay.child.kill('SIGINT');
    expect((await relay.exit).code).toBe(0);
    expect(relay.stderr.text).toContain('summary up (client → target): 17 received, 10 forwarded, 7 dropped (mtu 2, denied 5)');
    expect(relay.stderr.text).toMatch(/sessions: 2 opened/);
  });

  it('TCP with --deny 127.0.0.1/32: a connection from 127.0.0.1 closed at once and counted, one from 127.0.0.2 relayed', async () => {
    const target = await tcpServer((socket) => socket.pipe(socket));
    const relay = startProxy(['--tcp', '--host', '127.0.0.1', '--deny', '127.0.0.1/32', '--metrics', '0', '0', '127.0.0.1', String(target)]);
    const port = await listening(relay, 'tcp');
    const url = await metricsUrl(relay);
    // From each source, one connection: send "ping", print what came back before the close (or the error).
    const script = [
      'import socket, sys',
      's = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=3, source_address=(sys.argv[1], 0))',
      'try:',
      '    s.sendall(b"ping")',
      '    print(s.recv(100).decode() or "closed")',
      'except OSError as e:',
      '    print(type(e).__name__)',
    ].join('\n');
    // Asynchronously: the target echo server lives in this process.
    const from = async (source: string): Promise<string> => (await promisify(execFile)('python3', ['-c', script, source, String(port)], { encoding: 'utf8', timeout: 10_000 })).stdout.trim();
    expect(await from('127.0.0.2')).toBe('ping');
    expect(['closed', 'ConnectionResetError']).toContain(await from('127.0.0.1'));
    const body = curl(url);
    expect(body).toContain('udpkit_proxy_dropped_total{direction="up",cause="denied",protocol="tcp"} 1\n');
    expect(body).toContain('udpkit_proxy_forwarded_total{direction="down",protocol="tcp"} 1\n');
    expect(body).toContain('udpkit_proxy_sessions_total{protocol="tcp"} 1\n');
    relay.child.kill('SIGINT');
    expect((await relay.exit).code).toBe(0);
    expect(relay.stderr.text).toMatch(/connections: 1 opened, 0 reset, 1 denied \(--allow\/--deny\)/);
  });

  it.each([
    [['--allow', '300.1.1.1', '0', '127.0.0.1', '7'], 'udp-proxy: invalid --allow "300.1.1.1": not an IP address'],
    [['--deny', '10.0.0.0/33', '0', '127.0.0.1', '7'], 'udp-proxy: invalid --deny "10.0.0.0/33": the prefix length is 0 to 32'],
    [['--metrics', 'here', '0', '127.0.0.1', '7'], 'udp-proxy: invalid --metrics "here": expected [ADDRESS:]PORT'],
  ])('usage error %j: exit 64, one line', async (args, message) => {
    const run = await runBin('udp-proxy', args);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith(message), run.stderr).toBe(true);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
