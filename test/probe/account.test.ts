/** The probe's per-target accounting, fed the events a run gives: in time, late, duplicated, reordered, lost. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProbeAccount } from '../../src/probe/account.js';
import { parseTarget } from '../../src/probe/target-spec.js';
import { UdpkitError } from '../../src/errors.js';

describe('ProbeAccount', () => {
  it('counts each fate once: received, lost, late (also lost), duplicated, reordered', () => {
    const a = new ProbeAccount(100, 10);
    for (let seq = 0; seq < 6; seq++) a.sent(seq, seq * 10);
    a.echoed(0, 5); // rtt 5
    a.echoed(2, 27); // rtt 7
    a.echoed(1, 28); // rtt 18, after 2: reordered
    a.echoed(1, 29); // duplicate
    a.echoed(3, 30 + 150); // past the 100 ms timeout: lost and late
    a.expire(1000); // 4 and 5 never answered
    a.echoed(4, 1001); // after it was counted lost: late
    a.echoed(99, 1002); // never sent: ignored
    expect(a.counts).toEqual({ sent: 6, received: 3, lost: 3, late: 2, duplicated: 1, reordered: 1 });
    const { rtt, ipdv } = a.histograms();
    expect(rtt.count).toBe(3);
    expect(rtt.sum).toBeCloseTo(0.03, 6);
    // Consecutive probes both answered: 0→1 (|18-5|) and 1→2 (|7-18|).
    expect(ipdv.count).toBe(2);
    expect(ipdv.sum).toBeCloseTo(0.024, 6);
    const w = a.takeWindow();
    expect(w).toMatchObject({ settled: 6, lost: 3, lossPercent: 50, rttP50Ms: 7, rttP99Ms: 18 });
    expect(a.takeWindow()).toMatchObject({ settled: 0, lossPercent: undefined, rttP50Ms: undefined });
  });

  it('fixed memory: a million probes through a 1024-slot ring, every one settled', () => {
    const a = new ProbeAccount(5, 1);
    for (let seq = 0; seq < 1_000_000; seq++) {
      a.sent(seq, seq);
      if (seq % 10 !== 0) a.echoed(seq, seq + 1);
    }
    a.expireAll();
    expect(a.counts).toMatchObject({ sent: 1_000_000, received: 900_000, lost: 100_000, late: 0 });
  });
});

describe('parseTarget', () => {
  it.each([
    ['127.0.0.1:5005', '127.0.0.1', 5005],
    ['[::1]:5005', '::1', 5005],
    ['db1:7', 'db1', 7],
    ['host.example.:53', 'host.example.', 53],
  ])('%s', (text, host, port) => {
    expect(parseTarget(text)).toEqual({ text, host, port });
  });

  it.each([
    ['127.0.0.1', 'invalid target "127.0.0.1": expected HOST:PORT (192.0.2.7:7, db1:5005, [::1]:5005)'],
    ['::1:5005', 'invalid target "::1:5005": expected HOST:PORT (192.0.2.7:7, db1:5005, [::1]:5005)'],
    ['::1', 'invalid target "::1": expected HOST:PORT (192.0.2.7:7, db1:5005, [::1]:5005): an IPv6 address goes in brackets, [::1]:5005'],
    ['host:0', 'the port is 1 to 65535'],
    ['host:70000', 'the port is 1 to 65535'],
    ['[db1]:7', '"db1" is not an IP address or a host name'],
    ['bad host:7', '"bad host" is not an IP address or a host name'],
  ])('%s is refused', (text, message) => {
    expect(() => parseTarget(text)).toThrow(UdpkitError);
    expect(() => parseTarget(text)).toThrow(message);
  });

  it('any IPv4 address and port round-trips; anything else is a usage error, never a crash', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65_535 }), (ip, port) => {
        expect(parseTarget(`${ip}:${port}`)).toEqual({ text: `${ip}:${port}`, host: ip, port });
      }),
      { seed: 20261202, numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseTarget(text);
        } catch (error) {
          expect((error as UdpkitError).code).toBe('E_USAGE');
        }
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });
});
