/** Rendering: terminal-safe text, xxd-style hex, NDJSON with utf8/base64 payloads, raw bytes. */
import { describe, expect, it } from 'vitest';
import { escapeBytes } from '../src/format/escape.js';
import { hexDump } from '../src/format/hex.js';
import { ByteBuffer } from '../src/format/byte-buffer.js';
import { describeRecord, formatRecord, recordToJson, writeRecord } from '../src/format/records.js';
import { FORMATS, type DatagramRecord, type TrafficRecord } from '../src/types.js';

const record = (payload: Buffer): DatagramRecord => ({
  event: 'datagram',
  protocol: 'udp',
  time: Date.UTC(2026, 10, 22, 10, 0, 0, 123),
  from: { address: '127.0.0.1', port: 40000, family: 'IPv4' },
  local: { address: '127.0.0.1', port: 5005, family: 'IPv4' },
  payload,
});

describe('escapeBytes', () => {
  it.each([
    [Buffer.from('Hello, World!'), 'Hello, World!'],
    [Buffer.from('line1\nline2\r\t'), 'line1\\nline2\\r\\t'],
    [Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d]), '\\x1b[31m'],
    [Buffer.from([0x00, 0x07, 0x7f]), '\\0\\x07\\x7f'],
    [Buffer.from([0xff, 0xfe, 0x41]), '\\xff\\xfeA'],
    [Buffer.from('back\\slash'), 'back\\\\slash'],
    [Buffer.from('héllo wörld ✓ 😀'), 'héllo wörld ✓ 😀'],
    [Buffer.from([0xc3]), '\\xc3'],
    [Buffer.from([0xc0, 0x80]), '\\xc0\\x80'],
    [Buffer.from([0xed, 0xa0, 0x80]), '\\xed\\xa0\\x80'],
    [Buffer.from('\u0085\u009b'), '\\u{85}\\u{9b}'],
    [Buffer.from('a\u202eb\u2028c'), 'a\\u{202e}b\\u{2028}c'],
    [Buffer.alloc(0), ''],
  ])('renders %o as %j', (bytes, text) => {
    expect(escapeBytes(bytes)).toBe(text);
  });

  it('never emits a control character, whatever the bytes', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = escapeBytes(Buffer.concat([all, all.reverse()]));
    // eslint-disable-next-line no-control-regex -- the point is to find control characters
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  });
});

describe('hexDump', () => {
  it('matches xxd layout', () => {
    expect(hexDump(Buffer.from('Hello, World!\x00\x1b\xff', 'latin1'))).toBe(
      '00000000: 4865 6c6c 6f2c 2057 6f72 6c64 2100 1bff  Hello, World!...\n',
    );
    expect(hexDump(Buffer.from('0123456789abcdefXY'))).toBe(
      '00000000: 3031 3233 3435 3637 3839 6162 6364 6566  0123456789abcdef\n' +
        '00000010: 5859                                     XY\n',
    );
    expect(hexDump(Buffer.alloc(0))).toBe('');
  });
});

describe('formatRecord', () => {
  it('text: one line with time, sender, size, escaped payload', () => {
    expect(formatRecord(record(Buffer.from('hi\nthere')), 'text')).toBe(
      '2026-11-22T10:00:00.123Z udp 127.0.0.1:40000 8 bytes: hi\\nthere\n',
    );
    expect(formatRecord(record(Buffer.alloc(0)), 'text')).toBe('2026-11-22T10:00:00.123Z udp 127.0.0.1:40000 0 bytes\n');
  });

  it('json: the documented schema, utf8 payload when valid, base64 otherwise', () => {
    expect(JSON.parse(formatRecord(record(Buffer.from('hé')), 'json') as string)).toEqual({
      time: '2026-11-22T10:00:00.123Z',
      timeSeconds: '2026-11-22T10:00:00Z',
      protocol: 'udp',
      event: 'datagram',
      from: { address: '127.0.0.1', port: 40000, family: 'IPv4' },
      local: { address: '127.0.0.1', port: 5005, family: 'IPv4' },
      size: 3,
      encoding: 'utf8',
      payload: 'hé',
    });
    expect(recordToJson(record(Buffer.from([0xff, 0]))).payload).toBe('/wA=');
    expect(recordToJson(record(Buffer.from([0xff, 0]))).encoding).toBe('base64');
  });

  it.each([
    Buffer.from('plain'),
    Buffer.from('quotes " and \\ and \n and \u2028 é'),
    Buffer.from([0xff, 0x00, 0x1b]),
    Buffer.alloc(0),
  ])('json: the datagram line is the schema object, with invisible characters as \\u escapes (%o)', (payload) => {
    const r = { ...record(payload), from: { address: '::1', port: 1, family: 'IPv6' as const } };
    const line = formatRecord(r, 'json') as string;
    expect(JSON.parse(line)).toEqual(recordToJson(r));
    expect(line).toMatch(/\n$/);
    expect(line).not.toMatch(/[\u007f-\u009f\u2028\u2029]/);
  });

  it.each([
    ['ASCII with controls', Buffer.from('a\u0000b\u001b"'), 'utf8'],
    ['ASCII, then a byte that cannot begin a sequence', Buffer.from([0x41, 0x42, 0x96, 0x43]), 'base64'],
    ['ASCII, a valid sequence, then a broken one', Buffer.from([0x41, 0xc3, 0xa9, 0x42, 0xe2, 0x82]), 'base64'],
    ['ASCII, a lead byte without its continuation', Buffer.from([0x41, 0xc3, 0x41]), 'base64'],
    ['ASCII, then valid sequences to the end', Buffer.from('ok: é ✓ 👩'), 'utf8'],
  ])('json: the encoding is decided on the whole payload (%s)', (_, payload, encoding) => {
    const line = JSON.parse(formatRecord(record(payload), 'json') as string) as { encoding: string; payload: string };
    expect(line.encoding).toBe(encoding);
    expect(Buffer.from(line.payload, encoding === 'utf8' ? 'utf8' : 'base64')).toEqual(payload);
  });

  it.each([Buffer.from('x'), Buffer.from('two\nlines'), Buffer.alloc(0)])('text: the datagram line equals the head plus payload (%o)', (payload) => {
    const r = record(payload);
    const tail = payload.length > 0 ? `: ${escapeBytes(payload)}` : '';
    expect(formatRecord(r, 'text')).toBe(`${describeRecord(r)}${tail}\n`);
  });

  it('writeRecord writes exactly what formatRecord returns, for every format and kind of record', () => {
    const tcpHead = { protocol: 'tcp' as const, time: Date.UTC(2026, 0, 1), conn: 3, from: record(Buffer.alloc(0)).from, local: record(Buffer.alloc(0)).local };
    const records: TrafficRecord[] = [
      record(Buffer.from('Hello, World!')),
      record(Buffer.from([0x1b, 0x5b, 0xff, 0x00, 0x0a, 0xe2, 0x80, 0xae, 0xc3, 0xa9])),
      record(Buffer.alloc(0)),
      record(Buffer.from('x')),
      { ...record(Buffer.from('v6')), from: { address: '::1', port: 9, family: 'IPv6' } },
      { ...tcpHead, event: 'open' },
      { ...tcpHead, event: 'data', unit: 'partial', payload: Buffer.from('half\n') },
      { ...tcpHead, event: 'close', reason: 'fin', received: { bytes: 1, chunks: 1 }, sent: { bytes: 0, chunks: 0 }, durationMs: 1.25 },
      { ...tcpHead, event: 'error', code: 'EMAXFRAME', message: 'too big' },
    ];
    for (const format of FORMATS) {
      const out = new ByteBuffer(16);
      for (const r of records) writeRecord(r, format, out);
      const expected = Buffer.concat(records.map((r) => Buffer.from(formatRecord(r, format))));
      expect(out.take().equals(expected), format).toBe(true);
    }
  });

  it('hex: a head line and the dump; raw: the bytes alone', () => {
    expect(formatRecord(record(Buffer.from('AB')), 'hex')).toBe(
      '2026-11-22T10:00:00.123Z udp 127.0.0.1:40000 2 bytes\n00000000: 4142                                     AB\n',
    );
    expect(formatRecord(record(Buffer.from([0, 1, 2])), 'raw')).toEqual(Buffer.from([0, 1, 2]));
  });
});
