/**
 * Property tests (fast-check, seeded and bounded) of the one datagram renderer: for any payload, sender and time,
 * the text and JSON lines are byte for byte what the renderers before issue 17 wrote (frozen in
 * reference-renderer.ts), whether asked for as a string or written into a buffer record after record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBuffer } from '../../src/format/byte-buffer.js';
import { escapeBytes } from '../../src/format/escape.js';
import { formatRecord, writeRecord } from '../../src/format/records.js';
import type { DatagramRecord, Endpoint } from '../../src/types.js';
import { referenceEscape, referenceJsonLine, referenceTextLine } from './reference-renderer.js';

const RUNS = { seed: 20261202, numRuns: 500 };

/** Byte pieces that test the escapers' edges: controls, quotes, C1, bidi, joiners, emoji, broken and overlong UTF-8. */
const PIECES: readonly number[][] = [
  [0x41],
  [0x20],
  [0x22],
  [0x5c],
  [0x00],
  [0x08],
  [0x0a],
  [0x1b],
  [0x7f],
  [0xc2, 0x85],
  [0xc2, 0xad],
  [0xc3, 0xa9],
  [0xd8, 0x80],
  [0xe2, 0x80, 0x8d],
  [0xe2, 0x80, 0xa8],
  [0xe2, 0x80, 0xae],
  [0xe2, 0x81, 0xa6],
  [0xef, 0xbb, 0xbf],
  [0xef, 0xbf, 0xb9],
  [0xe2, 0x9c, 0x93],
  [0xf0, 0x9f, 0x91, 0xa9],
  [0xf0, 0x9f, 0x92, 0xbb],
  [0xf0, 0x9f, 0x8f, 0xbd],
  [0xef, 0xb8, 0x8f],
  [0xf0, 0x91, 0x82, 0xbd],
  [0xf3, 0xa0, 0x80, 0x81],
  [0xe2, 0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
  [0x80],
];

const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 120 }).map((text) => Buffer.from(text, 'utf8')),
  fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((pieces) => Buffer.from(pieces.flat())),
);

const endpoints = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([address, port]): Endpoint => ({ address, port, family: 'IPv4' })),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([address, port]): Endpoint => ({ address, port, family: 'IPv6' })),
);

const records = fc
  .record({
    payload: payloads,
    from: endpoints,
    local: endpoints,
    // A few milliseconds apart at most, so that consecutive records share heads and the head cache is exercised.
    time: fc.integer({ min: 1_764_000_000_000, max: 1_764_000_000_004 }),
  })
  .map((r): DatagramRecord => ({ event: 'datagram', protocol: 'udp', ...r }));

describe('the datagram renderer against the renderers it replaced', () => {
  it('escapes any bytes exactly as before', () => {
    fc.assert(
      fc.property(payloads, (payload) => {
        expect(escapeBytes(payload)).toBe(referenceEscape(payload));
      }),
      RUNS,
    );
  });

  it('a text or JSON line as a string is byte for byte the old one', () => {
    fc.assert(
      fc.property(records, (record) => {
        expect(formatRecord(record, 'text')).toBe(referenceTextLine(record));
        expect(formatRecord(record, 'json')).toBe(referenceJsonLine(record));
      }),
      RUNS,
    );
  });

  it('records written one after another into a buffer are the old lines, in order, for text and JSON', () => {
    fc.assert(
      fc.property(fc.array(records, { maxLength: 30 }), fc.boolean(), (list, sameSender) => {
        // One sender object for all, as a listener hands them: the head cache sees the same endpoint again.
        const batch = sameSender ? list.map((r) => ({ ...r, from: list[0]?.from ?? r.from, local: list[0]?.local ?? r.local })) : list;
        for (const [format, reference] of [
          ['text', referenceTextLine],
          ['json', referenceJsonLine],
        ] as const) {
          const out = new ByteBuffer(64);
          for (const record of batch) writeRecord(record, format, out);
          expect(out.take().toString('utf8')).toBe(batch.map(reference).join(''));
        }
      }),
      RUNS,
    );
  });
});
