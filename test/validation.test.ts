/** Validation tables: every bad host, port, message, encoding and size gives its one-line message and exit code. */
import { describe, expect, it } from 'vitest';
import { listenMain } from '../src/cli/listen.js';
import { sendMain } from '../src/cli/send.js';
import { UdpkitError } from '../src/errors.js';
import { checkDatagramSize, decodeBase64, decodeHex, encodeMessage, unescapeMessage } from '../src/format/payload.js';
import { hostSchema } from '../src/cli/schemas.js';
import { destinationPortSchema, listenPortSchema, parseWith } from '../src/core/schemas.js';
import { deadPort, memoryIO } from './helpers.js';

async function send(args: string[], input?: string) {
  const { io, stdout, stderr } = memoryIO(input);
  const code = await sendMain(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('port', () => {
  it.each([
    ['0', 'invalid port "0": expected an integer from 1 to 65535'],
    ['65536', 'invalid port "65536": expected an integer from 1 to 65535'],
    ['99999', 'invalid port "99999": expected an integer from 1 to 65535'],
    ['80abc', 'invalid port "80abc": expected an integer from 1 to 65535'],
    ['5.5', 'invalid port "5.5": expected an integer from 1 to 65535'],
    ['-1', 'invalid port "-1": expected an integer from 1 to 65535'],
    ['0x10', 'invalid port "0x10": expected an integer from 1 to 65535'],
    ['1e3', 'invalid port "1e3": expected an integer from 1 to 65535'],
    ['', 'invalid port "": expected an integer from 1 to 65535'],
  ])('udp-send refuses port %j with exit 64', async (port, message) => {
    const result = await send(['127.0.0.1', port, 'x']);
    expect(result.stderr).toBe(`udp-send: ${message}\n`);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
  });

  it.each([
    ['1', 1],
    ['65535', 65535],
    ['05005', 5005],
  ])('accepts destination port %j as %d', (raw, value) => {
    expect(parseWith(destinationPortSchema, raw)).toBe(value);
  });

  it('lets a listener ask for port 0 but not 65536', () => {
    expect(parseWith(listenPortSchema, '0')).toBe(0);
    expect(() => parseWith(listenPortSchema, '65536')).toThrow('invalid port "65536": expected an integer from 0 to 65535');
  });

  it('udp-listen refuses a bad port with exit 64', async () => {
    const { io, stderr } = memoryIO();
    expect(await listenMain(['99999'], io)).toBe(64);
    expect(stderr.text).toBe('udp-listen: invalid port "99999": expected an integer from 0 to 65535\n');
  });
});

describe('host', () => {
  it.each([
    ['127.0.0.1', { host: '127.0.0.1', ip: 4 }],
    ['::1', { host: '::1', ip: 6 }],
    ['[::1]', { host: '::1', ip: 6 }],
    ['[2001:db8::1]', { host: '2001:db8::1', ip: 6 }],
    ['localhost', { host: 'localhost', ip: 0 }],
    ['my-host.example.', { host: 'my-host.example', ip: 0 }],
  ])('accepts %j', (raw, spec) => {
    expect(parseWith(hostSchema(), raw)).toEqual(spec);
  });

  it.each([
    ['256.1.1.1', 'invalid host "256.1.1.1": not a valid IPv4 address'],
    ['1.2.3', 'invalid host "1.2.3": not a valid IPv4 address'],
    ['[::1', 'invalid host "[::1": not a valid IPv6 address'],
    ['[127.0.0.1]', 'invalid host "[127.0.0.1]": not a valid IPv6 address'],
    ['::g', 'invalid host "::g": not a valid IPv6 address'],
    ['a b', 'invalid host "a b": expected an IPv4 address, an IPv6 address or a host name'],
    ['bad-.example', 'invalid host "bad-.example": expected an IPv4 address, an IPv6 address or a host name'],
    ['', 'invalid host "": expected an IPv4 address, an IPv6 address or a host name'],
  ])('udp-send refuses host %j with exit 64', async (host, message) => {
    const result = await send([host, '5005', 'x']);
    expect(result.stderr).toBe(`udp-send: ${message}\n`);
    expect(result.code).toBe(64);
  });

  it('a name that does not resolve exits 68 with its own message', async () => {
    const result = await send(['no-such-host.invalid', '5005', 'x']);
    expect(result.stderr).toMatch(/^udp-send: host "no-such-host\.invalid" does not resolve \(E[A-Z_]+\)\n$/);
    expect(result.code).toBe(68);
  });

  it('an address of the wrong family for -4/-6 is a usage error', async () => {
    const result = await send(['-6', '127.0.0.1', '5005', 'x']);
    expect(result.stderr).toBe('udp-send: host "127.0.0.1" is an IPv4 address, but -6 asks for IPv6\n');
    expect(result.code).toBe(64);
  });
});

describe('message and encoding', () => {
  it.each([
    ['hex', '48 65:6c6C', Buffer.from('Hell')],
    ['hex', '0x00ff', Buffer.from([0, 255])],
    ['base64', 'SGk=', Buffer.from('Hi')],
    ['base64', 'SGk', Buffer.from('Hi')],
    ['utf8', 'héllo', Buffer.from('héllo')],
  ] as const)('--encoding %s reads %j', (encoding, text, bytes) => {
    expect(encodeMessage(text, encoding, false)).toEqual(bytes);
  });

  it('turns escapes into bytes with -e', () => {
    expect(unescapeMessage('GET / HTTP/1.1\\r\\n\\r\\n')).toEqual(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(unescapeMessage('\\x1b\\0\\t\\\\é')).toEqual(Buffer.from([0x1b, 0, 9, 0x5c, 0xc3, 0xa9]));
    expect(encodeMessage('a\\nb', 'utf8', false)).toEqual(Buffer.from('a\\nb'));
  });

  it.each([
    [['--encoding', 'hex', '127.0.0.1', '5005', 'zz'], 65, 'invalid hex message "zz": "z" is not a hex digit'],
    [['--encoding', 'hex', '127.0.0.1', '5005', 'abc'], 65, 'invalid hex message "abc": an odd number of hex digits (3)'],
    [['--encoding', 'base64', '127.0.0.1', '5005', 'a*b'], 65, 'invalid base64 message "a*b": expected base64 text (A-Z a-z 0-9 + / =)'],
    [['--encoding', 'latin1', '127.0.0.1', '5005', 'x'], 64, 'invalid --encoding "latin1": expected one of utf8, hex, base64'],
    [['-e', '127.0.0.1', '5005', 'a\\q'], 65, 'invalid escape "\\\\q" in the message: expected one of \\n \\r \\t \\0 \\xHH \\\\'],
    [['-e', '127.0.0.1', '5005', 'a\\x4'], 65, 'invalid escape "\\\\x4" in the message: expected \\x and two hex digits'],
    [['-e', '127.0.0.1', '5005', 'a\\'], 65, 'invalid escape at the end of the message "a\\\\": a lone backslash (write \\\\ for one)'],
    [['-e', '--encoding', 'hex', '127.0.0.1', '5005', '00'], 64, '--escapes works with --encoding utf8 only, not "hex"'],
    [['--file', '/nonexistent/udpkit-message', '127.0.0.1', '5005'], 66, 'cannot read --file "/nonexistent/udpkit-message": no such file'],
    [['127.0.0.1', '5005', '--count', '0', 'x'], 64, 'invalid --count "0": expected an integer >= 1'],
    [['127.0.0.1', '5005', '--wait', 'soon', 'x'], 64, 'invalid --wait "soon": expected a positive duration: a number of milliseconds, or one with a unit (250us, 500ms, 2s, 1m, 1h) up to 24 days'],
    [['127.0.0.1', '5005', '--bogus', 'x'], 64, 'unknown option --bogus'],
    [['-z', '127.0.0.1', '5005', 'x'], 64, 'unknown option -z'],
    [['127.0.0.1:5005', 'hi'], 64, 'invalid host "127.0.0.1:5005": give the port as its own argument: 127.0.0.1 5005'],
    [['[::1]:5005', 'hi'], 64, 'invalid host "[::1]:5005": give the port as its own argument: [::1] 5005'],
    // A value-taking option with no value is a usage error naming it (it once was 66 `cannot read --file ""`).
    [['127.0.0.1', '5005', '--file'], 64, '--file needs a value (see --help)'],
    [['127.0.0.1', '5005', '--file', '--wait', '5', 'x'], 64, '--file needs a value (see --help)'],
    [['127.0.0.1', '5005', 'x', '-c'], 64, '-c needs a value (see --help)'],
    [['completion', 'fish'], 64, 'completion: unknown shell "fish": expected bash or zsh'],
    [['fe80::1', '5005', 'x'], 64, 'invalid host "fe80::1": a link-local IPv6 address needs its interface, e.g. fe80::1%eth0'],
    [['--file', 'a', '--file', 'b', '127.0.0.1', '5005'], 64, '--file was given 2 times ("a", "b"): give it once'],
    [['-4', '-6', '--count', 'x', '127.0.0.1', '0', 'x'], 64, 'invalid port "0": expected an integer from 1 to 65535; invalid --count "x": expected an integer >= 1'],
    [['127.0.0.1'], 64, 'missing an argument: expected udp-send <host> <port> [message] (see --help)'],
    [[], 64, 'missing 2 arguments: expected udp-send <host> <port> [message] (see --help)'],
  ])('udp-send %j exits %d', async (args, code, message) => {
    const result = await send(args);
    expect(result.stderr).toBe(`udp-send: ${message}\n`);
    expect(result.code).toBe(code);
  });

  it('with no message and stdin a terminal, says where a message can come from', async () => {
    const result = await send(['127.0.0.1', '5005']);
    expect(result.stderr).toBe('udp-send: no message: give MESSAGE, --file PATH, or pipe the message on stdin\n');
    expect(result.code).toBe(64);
  });

  it('decoders throw UdpkitError E_DATA', () => {
    expect(() => decodeHex('0g')).toThrow(UdpkitError);
    expect(() => decodeBase64('A')).toThrow('invalid base64 message "A"');
  });
});

describe('size', () => {
  it('accepts 65,507 bytes over IPv4 and refuses 65,508, naming both numbers', () => {
    expect(() => checkDatagramSize(65_507, 'IPv4')).not.toThrow();
    expect(() => checkDatagramSize(65_508, 'IPv4')).toThrow(
      'message of 65508 bytes is too large for one UDP datagram over IPv4 (limit 65507 bytes)',
    );
  });

  it('accepts 65,527 bytes over IPv6 and refuses 65,528', () => {
    expect(() => checkDatagramSize(65_527, 'IPv6')).not.toThrow();
    expect(() => checkDatagramSize(65_528, 'IPv6')).toThrow('(limit 65527 bytes)');
  });

  it('udp-send refuses an oversize datagram before sending, exit 65', async () => {
    const port = await deadPort();
    const result = await send(['127.0.0.1', String(port), '-'], 'x'.repeat(65_508));
    expect(result.stderr).toBe('udp-send: message of 65508 bytes is too large for one UDP datagram over IPv4 (limit 65507 bytes)\n');
    expect(result.code).toBe(65);
  });
});

describe('listener flags', () => {
  it.each([
    [['--format', 'xml', '0'], 'invalid --format "xml": expected one of text, json, hex, raw'],
    [['--count', '-3', '0'], 'invalid --count "-3": expected an integer >= 1'],
    [['--timeout', '0', '0'], 'invalid --timeout "0": expected a positive duration: a number of seconds, or one with a unit (250us, 500ms, 2s, 1m, 1h) up to 24 days'],
    [['-4', '-6', '0'], '-4 and -6 cannot be used together: pick one family'],
    [['--host', '1.2.3.4.5', '0'], 'invalid --host "1.2.3.4.5": not a valid IPv4 address'],
    [['--echo-rate', '10', '0'], '--echo-rate works with --echo or --respond only'],
    [['--tcp', '--echo', '--echo-rate', '10', '0'], '--echo-rate bounds UDP echoes and rule answers: a TCP echo is paced by the peer reading it (drop --echo-rate, or add --respond)'],
    [['--echo', '--echo-rate', 'fast', '0'], 'invalid --echo-rate "fast": expected an integer from 0 to 100000000'],
  ])('udp-listen %j exits 64', async (args, message) => {
    const { io, stderr } = memoryIO();
    expect(await listenMain(args, io)).toBe(64);
    expect(stderr.text).toBe(`udp-listen: ${message}\n`);
  });
});
