/** What the summaries say of one: `1 datagram/s`, `1 echo not sent`, `1 record/s` (once `1 datagrams/s` and so on). */
import { describe, expect, it } from 'vitest';
import { summaryLine } from '../src/cli/summary.js';
import type { ListenerSummary } from '../src/core/stats.js';
import { ratePart } from '../src/cli/send.js';

const base: ListenerSummary = {
  protocol: 'udp',
  local: { address: '127.0.0.1', port: 5005, family: 'IPv4' },
  records: 1,
  bytes: 1,
  senders: 1,
  sendersExact: true,
  durationMs: 1000,
  ratePerSec: 1,
  kernelDrops: 0,
  echoed: 0,
  echoSuppressed: 1,
  replied: 0,
  errors: 1,
  denied: 0,
  refusedReflectors: 1,
};

describe('one is one', () => {
  it('the listener summary, UDP and TCP', () => {
    expect(summaryLine(base)).toBe(
      'summary: 1 datagram, 1 byte from 1 sender in 1.000 s (1 datagram/s), 1 echo not sent (own address or over the rate bound), 1 refused reflector (echoes to a well-known service\'s port), 1 socket error, kernel drops 0\n',
    );
    expect(summaryLine({ ...base, protocol: 'tcp', kernelDrops: undefined, echoSuppressed: 0, errors: 0, refusedReflectors: 0 })).toBe(
      'summary: 1 record, 1 byte from 1 connection in 1.000 s (1 record/s)\n',
    );
    expect(summaryLine({ ...base, records: 2, ratePerSec: 2, echoSuppressed: 2, errors: 0, refusedReflectors: 2 })).toMatch(/\(2 datagrams\/s\), 2 echoes not sent .*, 2 refused reflectors /);
  });

  it('the sender line: `1 datagram/s` and `1 message/s`, plural otherwise (what the rate shows, not the raw value)', () => {
    expect(ratePart(1, 'datagrams', 1)).toBe(', 1 datagram/s (asked for 1)');
    expect(ratePart(0.999, 'messages', undefined)).toBe(', 1 message/s');
    expect(ratePart(0.99, 'datagrams', undefined)).toBe(', 0.99 datagrams/s');
    expect(ratePart(100_000, 'datagrams', 100_000)).toBe(', 100,000 datagrams/s (asked for 100,000)');
  });
});
