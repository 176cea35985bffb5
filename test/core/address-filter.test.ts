/**
 * Hardening a reflector: --allow/--deny CIDR on udp-listen (UDP and TCP), dropped before anything and counted
 * `denied`; echoes to the source ports of well-known reflecting services refused (and counted) unless --echo-any-port.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressFilter, parseCidr } from '../../src/core/address-filter.js';
import { EchoGuard, REFLECTOR_PORTS } from '../../src/core/echo-guard.js';
import { listen } from '../../src/core/udp-listener.js';
import { UdpkitError } from '../../src/errors.js';
import { listening, needsRoot, runBin, startBin } from '../helpers.js';

/** Sends `text` from `source` (address, port 0 = any) to 127.0.0.1:`port` with Python; returns the echo or ''. */
function pySend(source: string, sourcePort: number, port: number, text: string, waitEcho = false): string {
  const script = `import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind((sys.argv[1],int(sys.argv[2]))); s.sendto(sys.argv[4].encode(),("127.0.0.1",int(sys.argv[3])))
if sys.argv[5]=="1":
  s.settimeout(0.5)
  try: print(s.recv(100).decode())
  except socket.timeout: pass`;
  return execFileSync('python3', ['-c', script, source, String(sourcePort), String(port), text, waitEcho ? '1' : '0'], { encoding: 'utf8', timeout: 5000 }).trim();
}

describe('AddressFilter', () => {
  it('allow and deny, IPv4 and IPv6, IPv4-mapped senders checked as IPv4', () => {
    const f = new AddressFilter(['127.0.0.2/32', '2001:db8::/32'], ['2001:db8:dead::/48']);
    expect(f.allows('127.0.0.2')).toBe(true);
    expect(f.allows('::ffff:127.0.0.2')).toBe(true);
    expect(f.allows('127.0.0.1')).toBe(false);
    expect(f.allows('2001:db8::7')).toBe(true);
    expect(f.allows('2001:db8:dead::7')).toBe(false);
    expect(f.allows(undefined)).toBe(false);
    expect(new AddressFilter([], ['10.0.0.0/8']).allows('10.1.2.3')).toBe(false);
    expect(new AddressFilter([], ['10.0.0.0/8']).allows('11.1.2.3')).toBe(true);
    expect(AddressFilter.from([], undefined)).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/33', 'invalid CIDR "10.0.0.0/33": the prefix length is 0 to 32'],
    ['::/129', 'invalid CIDR "::/129": the prefix length is 0 to 128'],
    ['nonsense', 'invalid CIDR "nonsense": not an IP address'],
    ['10.0.0.0/8/8', 'invalid CIDR "10.0.0.0/8/8"'],
    ['10.0.0.0/', 'invalid CIDR "10.0.0.0/"'],
  ])('%s is refused', (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
  });

  it('any address/prefix parses; any other text is a usage error, never a crash', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        expect(parseCidr(`${ip}/${prefix}`)).toEqual({ address: ip, prefix, family: 'ipv4' });
      }),
      { seed: 20261202, numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          new AddressFilter([text]);
        } catch (error) {
          expect(error).toBeInstanceOf(UdpkitError);
          expect((error as UdpkitError).code).toBe('E_USAGE');
        }
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it('the library refuses a bad CIDR before binding', async () => {
    await expect(listen({ port: 0, allow: ['300.0.0.0/8'] }, () => undefined)).rejects.toThrow('invalid --allow "300.0.0.0/8": not an IP address');
  });
});

describe('udp-listen --allow / --deny', () => {
  it('--allow 127.0.0.2/32: datagrams from 127.0.0.1 dropped and counted, from 127.0.0.2 recorded', async () => {
    const listener = startBin('udp-listen', ['--allow', '127.0.0.2/32', '--metrics', '0', '0']);
    const port = await listening(listener);
    const url = (await listener.stderr.waitFor(/metrics on (\S+)\n/))[1] as string;
    pySend('127.0.0.1', 0, port, 'from-one');
    pySend('127.0.0.1', 0, port, 'from-one');
    pySend('127.0.0.2', 0, port, 'from-two');
    await listener.stdout.waitFor(/from-two/);
    const metrics = await (await fetch(url)).text();
    expect(metrics).toContain(`udpkit_listener_denied_total{port="${port}",protocol="udp"} 2\n`);
    listener.child.kill('SIGINT');
    await listener.exit;
    expect(listener.stdout.text).not.toContain('from-one');
    expect(listener.stdout.text).toMatch(/ udp 127\.0\.0\.2:\d+ 8 bytes: from-two/);
    expect(listener.stderr.text).toMatch(/summary: 1 datagram, 8 bytes from 1 sender .*, 2 denied \(--allow\/--deny\)/);
  });

  it('--tcp --deny 127.0.0.1: the connection is closed before any record; another address is heard', async () => {
    const listener = startBin('udp-listen', ['--tcp', '--deny', '127.0.0.1', '0']);
    const port = await listening(listener, 'tcp');
    const connect = (source: string) =>
      spawnSync('python3', ['-c', `import socket,sys\ns=socket.create_connection(("127.0.0.1",${port}),source_address=(sys.argv[1],0))\ntry:\n  s.sendall(b"hi-"+sys.argv[1].encode())\n  s.settimeout(2); print(repr(s.recv(10)))\nexcept Exception as e: print(type(e).__name__)`, source], { encoding: 'utf8', timeout: 5000 }).stdout.trim();
    expect(connect('127.0.0.1')).toMatch(/^(b''|ConnectionResetError|BrokenPipeError)$/);
    connect('127.0.0.3');
    await listener.stdout.waitFor(/hi-127\.0\.0\.3/);
    listener.child.kill('SIGINT');
    await listener.exit;
    expect(listener.stdout.text).not.toContain('hi-127.0.0.1');
    expect(listener.stderr.text).toMatch(/, 1 denied \(--allow\/--deny\)/);
  });

  it.each([
    [['--allow', '10.0.0.0/33', '0'], 'udp-listen: invalid --allow "10.0.0.0/33": the prefix length is 0 to 32; expected ADDRESS/PREFIX (192.0.2.0/24, 2001:db8::/32) or one address'],
    [['--deny', 'example.com', '0'], 'udp-listen: invalid --deny "example.com": not an IP address'],
    [['--echo-any-port', '0'], 'udp-listen: --echo-any-port works with --echo or --respond only'],
  ])('%j is a usage error: exit 64', async (args, message) => {
    const run = await runBin('udp-listen', args);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith(message), run.stderr).toBe(true);
  });
});

describe('echoes to the well-known reflectors', () => {
  it('the ports refused are those the issue lists, and port 0', () => {
    expect([...REFLECTOR_PORTS].sort((a, b) => a - b)).toEqual([0, 7, 13, 17, 19, 37, 53, 69, 111, 123, 137, 161, 389, 1900, 5353, 11211]);
    expect(new EchoGuard(new Set([5005])).refuses(53)).toBe(true);
    expect(new EchoGuard(new Set([5005])).refuses(5006)).toBe(false);
    expect(new EchoGuard(new Set([5005]), 1000, true).refuses(53)).toBe(false);
  });

  const root = needsRoot();
  if (root !== undefined) console.log(`skipping the reflector-port echo test: it binds source port 19 (${root})`);

  it.skipIf(root !== undefined)('a datagram from port 19 (chargen) is recorded but not echoed, and counted; --echo-any-port echoes it', async () => {
    const guarded = startBin('udp-listen', ['--echo', '--host', '127.0.0.1', '0']);
    const port = await listening(guarded);
    expect(pySend('127.0.0.1', 19, port, 'chargen?', true)).toBe('');
    expect(pySend('127.0.0.1', 0, port, 'client', true)).toBe('client');
    guarded.child.kill('SIGINT');
    await guarded.exit;
    expect(guarded.stdout.text).toContain('chargen?');
    expect(guarded.stderr.text).toMatch(/summary: 2 datagrams, .*, 1 echoed, 1 refused reflectors?/);
    const open = startBin('udp-listen', ['--echo', '--echo-any-port', '--host', '127.0.0.1', '0']);
    expect(pySend('127.0.0.1', 19, await listening(open), 'chargen?', true)).toBe('chargen?');
  });
});
