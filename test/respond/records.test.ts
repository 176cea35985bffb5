/** Records of answered messages in the one renderer: `(replied: rule N)` in text and hex, `reply` in JSON, for UDP and TCP. */
import { describe, expect, it } from 'vitest';
import { formatRecord, recordToJson } from '../../src/format/records.js';
import type { DataRecord, DatagramRecord } from '../../src/types.js';

const from = { address: '127.0.0.1', port: 40000, family: 'IPv4' as const };
const local = { address: '127.0.0.1', port: 5005, family: 'IPv4' as const };
const time = Date.UTC(2026, 11, 2, 19, 0, 0);
const datagram: DatagramRecord = { event: 'datagram', protocol: 'udp', time, from, local, payload: Buffer.from('READ?'), reply: { rule: 1, replies: 1, bytes: 7 } };

describe('records of answered messages', () => {
  it('text, hex, json and raw of a datagram', () => {
    expect(formatRecord(datagram, 'text')).toBe('2026-12-02T19:00:00.000Z udp 127.0.0.1:40000 5 bytes (replied: rule 1): READ?\n');
    expect(formatRecord(datagram, 'hex')).toMatch(/^2026-12-02T19:00:00\.000Z udp 127\.0\.0\.1:40000 5 bytes \(replied: rule 1\)\n00000000: 5245 4144 3f/);
    expect(JSON.parse(formatRecord(datagram, 'json') as string)).toEqual(JSON.parse(JSON.stringify(recordToJson(datagram))));
    expect(recordToJson(datagram)).toMatchObject({ size: 5, reply: { rule: 1, replies: 1, bytes: 7 }, payload: 'READ?' });
    expect(formatRecord(datagram, 'raw')).toEqual(Buffer.from('READ?'));
  });

  it('dropped and held-back answers say so; an unanswered datagram is as before', () => {
    expect(formatRecord({ ...datagram, reply: { rule: 3, replies: 0, bytes: 0 } }, 'text')).toContain('5 bytes (dropped: rule 3): READ?');
    expect(formatRecord({ ...datagram, reply: { rule: 2, replies: 1, bytes: 9, suppressed: 'rate' } }, 'text')).toContain('(rule 2, not sent: rate)');
    const { reply: _, ...plain } = datagram;
    expect(formatRecord(plain, 'text')).toBe('2026-12-02T19:00:00.000Z udp 127.0.0.1:40000 5 bytes: READ?\n');
    expect(formatRecord(plain, 'json')).not.toContain('reply');
  });

  it('a TCP frame', () => {
    const frame: DataRecord = { event: 'data', protocol: 'tcp', conn: 1, unit: 'frame', time, from, local, payload: Buffer.from('GET a'), reply: { rule: 2, replies: 1, bytes: 7 } };
    expect(formatRecord(frame, 'text')).toBe('2026-12-02T19:00:00.000Z tcp 127.0.0.1:40000 #1 5 bytes (replied: rule 2): GET a\n');
    expect(JSON.parse(formatRecord(frame, 'json') as string)).toMatchObject({ unit: 'frame', reply: { rule: 2 } });
  });
});
