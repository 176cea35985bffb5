/**
 * Property tests (fast-check, seeded and bounded): escaping, JSON strings, framing, payload decoders and argument
 * validation take any input without throwing anything but UdpkitError, never let a control byte through, and
 * never hold more than their bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseListenArgs } from '../../src/cli/listen-args.js';
import { parseSendArgs } from '../../src/cli/send-args.js';
import { Deframer, encodeFrame } from '../../src/core/framing.js';
import { parsePeerLine } from '../../src/core/peer-name.js';
import { attemptOrder } from '../../src/core/happy-eyeballs.js';
import { UdpkitError } from '../../src/errors.js';
import { escapeBytes } from '../../src/format/escape.js';
import { jsonString, quote, terminalLine } from '../../src/format/safe-text.js';
import { decodeBase64, decodeHex, unescapeMessage } from '../../src/format/payload.js';
import { memoryIO } from '../helpers.js';

const RUNS = { seed: 20261123, numRuns: 400 };
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029]/;
/** What payload escaping has always promised to escape: C0, DEL, C1, bidi controls, line separators, BOM. */
// eslint-disable-next-line no-control-regex
const PAYLOAD_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u2028\u2029]/;
const JSON_INVISIBLE = /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029]/;

/** Strings rich in what breaks terminals: controls, C1, bidi, surrogates, invisible characters. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom('\u001b', '\r', '\b', '\u007f', '\u0085', '\u009b', '\u202e', '\u2066', '\u200b', '\ufeff', '\u2028', '\ud800', 'a', '\\', '"', '%'), {
    maxLength: 60,
  }).map((parts) => parts.join('')),
);

function onlyUdpkitErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UdpkitError);
  }
}

describe('escaping', () => {
  it('escapeBytes lets no control byte, C1, bidi or invisible character through', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = escapeBytes(Buffer.from(bytes));
        expect(text).not.toMatch(PAYLOAD_UNSAFE);
      }),
      RUNS,
    );
  });

  it('quote and terminalLine are safe for any string, and quote is cut to its bound', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        expect(quote(value)).not.toMatch(RAW_CONTROL);
        expect(terminalLine(value)).not.toMatch(RAW_CONTROL);
        expect(Buffer.byteLength(quote(value))).toBeLessThan(120 * 10 + 40);
      }),
      RUNS,
    );
  });

  it('jsonString is the same JSON value, with no invisible character left raw', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const json = jsonString(value);
        expect(JSON.parse(json)).toBe(value);
        expect(json).not.toMatch(JSON_INVISIBLE);
      }),
      RUNS,
    );
  });
});

describe('framing', () => {
  it.each(['line', 'length'] as const)('%s: frames split at random points come back whole and in order', (mode) => {
    const frame = mode === 'line' ? fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b.filter((x) => x !== 0x0a))) : fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes));
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 20 }), fc.array(fc.nat(2000), { maxLength: 10 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f, mode)));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const deframer = new Deframer(mode, 1024);
        const out: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          out.push(...deframer.push(stream.subarray(from, to)));
          from = to;
        }
        expect(out.map((b) => b.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
        expect(deframer.end()).toBeUndefined();
      }),
      RUNS,
    );
  });

  it.each(['line', 'length'] as const)('%s: random bytes throw only UdpkitError and never hold more than maxFrame', (mode) => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const deframer = new Deframer(mode, 64);
        onlyUdpkitErrors(() => {
          for (const chunk of chunks) for (const f of deframer.push(Buffer.from(chunk))) expect(f.length).toBeLessThanOrEqual(64);
        });
        expect(deframer.end()?.length ?? 0).toBeLessThanOrEqual(64);
      }),
      RUNS,
    );
  });
});

describe('payload decoders', () => {
  it('decodeHex, decodeBase64 and unescapeMessage return bytes or throw UdpkitError E_DATA', () => {
    fc.assert(
      fc.property(nasty, (text) => {
        for (const decode of [decodeHex, decodeBase64, unescapeMessage]) {
          try {
            expect(Buffer.isBuffer(decode(text))).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(UdpkitError);
            expect((error as UdpkitError).code).toBe('E_DATA');
            expect((error as UdpkitError).message).not.toMatch(RAW_CONTROL);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('argument validation', () => {
  const word = fc.oneof(
    nasty,
    fc.constantFrom('127.0.0.1', '::1', '5005', '0', '99999', '-c', '3', '--wait', '--tcp', '--frame', 'line', '-f', 'json', '--file', '--', '-', '--count', '1e3', '-4', '-6', '--json'),
  );

  it('udp-send and udp-listen argv: a config, or one UdpkitError line with no control byte', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 8 }), async (argv) => {
        for (const parse of [parseSendArgs, parseListenArgs]) {
          const { io } = memoryIO();
          try {
            await parse(argv, io);
          } catch (error) {
            expect(error).toBeInstanceOf(UdpkitError);
            expect((error as UdpkitError).exitCode).toBe(64);
            expect(terminalLine((error as UdpkitError).message)).not.toMatch(/\n/);
          }
        }
      }),
      { ...RUNS, numRuns: 150 },
    );
  });
});

describe('the SO_PEERNAME helper line', () => {
  it('parsePeerLine round-trips every address and port, and refuses anything else without throwing', () => {
    const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), v6), fc.integer({ min: 1, max: 65535 }), (address, port) => {
        const family = address.includes(':') ? 'IPv6' : 'IPv4';
        expect(parsePeerLine(`${address} ${port} ${family}\n`)).toEqual({ address, port, family });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(nasty, (line) => {
        const parsed = parsePeerLine(line);
        if (parsed !== undefined) expect(parsed.port).toBeGreaterThan(0);
        if (parsed !== undefined) expect(parsed.address).toMatch(/^[0-9A-Fa-f:.]+$/);
      }),
      RUNS,
    );
    for (const bad of ['127.0.0.1 0 IPv4\n', '127.0.0.1 65536 IPv4\n', '127.0.0.1 80\n', '', 'x 80 IPv4\n']) expect(parsePeerLine(bad)).toBeUndefined();
  });
});

describe('Happy Eyeballs attempt order', () => {
  it('attemptOrder keeps every address once, each family in resolver order, alternating from the first family', () => {
    const address = fc.oneof(
      fc.ipV4().map((a) => ({ address: a, family: 'IPv4' as const })),
      fc.ipV6().map((a) => ({ address: a, family: 'IPv6' as const })),
    );
    fc.assert(
      fc.property(fc.uniqueArray(address, { selector: (a) => a.address, maxLength: 12 }), (addresses) => {
        const order = attemptOrder(addresses);
        expect([...order].sort((a, b) => a.address.localeCompare(b.address))).toEqual([...addresses].sort((a, b) => a.address.localeCompare(b.address)));
        for (const family of ['IPv4', 'IPv6']) {
          expect(order.filter((a) => a.family === family)).toEqual(addresses.filter((a) => a.family === family));
        }
        if (addresses.length > 0) expect(order[0]).toEqual(addresses[0]);
        const mixed = Math.min(addresses.filter((a) => a.family === 'IPv4').length, addresses.filter((a) => a.family === 'IPv6').length);
        for (let i = 1; i < 2 * mixed; i++) expect(order[i]?.family).not.toBe(order[i - 1]?.family);
      }),
      RUNS,
    );
  });
});

describe('invisible characters (Unicode Cf)', () => {
  const cf = /\p{Cf}/u;
  const everyCf: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) if (cf.test(String.fromCodePoint(cp))) everyCf.push(cp);

  it('every Cf code point is escaped in payloads and in messages', () => {
    expect(everyCf.length).toBeGreaterThan(150);
    for (const cp of everyCf) {
      const char = String.fromCodePoint(cp);
      expect(escapeBytes(Buffer.from(`a${char}b`))).toBe(`a\\u{${cp.toString(16)}}b`);
      expect(terminalLine(`a${char}b`)).toBe(cp < 0x100 ? `a\\x${cp.toString(16)}b` : `a\\u{${cp.toString(16)}}b`);
    }
  });

  it('a zero-width joiner is kept only between emoji; nothing else invisible gets through', () => {
    expect(escapeBytes(Buffer.from('👩\u200d💻'))).toBe('👩\u200d💻');
    expect(escapeBytes(Buffer.from('👍🏽\u200d❤️'))).toBe('👍🏽\u200d❤️');
    expect(escapeBytes(Buffer.from('a\u200d💻'))).toBe('a\\u{200d}💻');
    expect(escapeBytes(Buffer.from('👩\u200db'))).toBe('👩\\u{200d}b');
    const parts = fc.constantFrom('a', '👩', '💻', '\u200d', '\u200b', '\u2060', '\ufeff', '\u{e0041}', 'é', '\u{1f3fd}');
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 20 }), (list) => {
        const out = escapeBytes(Buffer.from(list.join('')));
        // Every raw Cf left is a joiner with an emoji on each side.
        const chars = [...out];
        chars.forEach((char, k) => {
          if (!cf.test(char)) return;
          expect(char).toBe('\u200d');
          expect(/\p{Extended_Pictographic}|\u{1f3fd}/u.test(chars[k - 1] ?? '')).toBe(true);
          expect(/\p{Extended_Pictographic}/u.test(chars[k + 1] ?? '')).toBe(true);
        });
      }),
      RUNS,
    );
  });
});
