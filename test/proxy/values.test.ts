/** Property tests of udp-proxy's flag-value parsers: percentages, durations, tc rates, outages, up:/down:. Seeded, bounded. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flagImpairments, impairmentsFromJson, impairmentsToJson } from '../../src/proxy/schema.js';
import { formatDuration, formatRate, parseBurst, parseBytesOrDuration, parseDuration, parseOutage, parsePercent, parseRate, splitDirection } from '../../src/proxy/values.js';
import { Random } from '../../src/proxy/random.js';

const RUNS = { seed: 18, numRuns: 300 };
/** A decimal with up to three places, as a user types it. */
const decimal = (max: number) => fc.integer({ min: 0, max: max * 1000 }).map((n) => n / 1000);

describe('flag values', () => {
  it('percentages from 0 to 100 read back as typed, with or without %; anything above 100 or negative is refused', () => {
    fc.assert(
      fc.property(decimal(100), fc.boolean(), (p, sign) => {
        expect(parsePercent(`${p}${sign ? '%' : ''}`)).toBe(p);
      }),
      RUNS,
    );
    fc.assert(fc.property(fc.double({ min: 100.001, max: 1e9, noNaN: true }), (p) => {
      expect(parsePercent(`${p}%`)).toBeUndefined();
    }), RUNS);
    fc.assert(fc.property(decimal(100).filter((p) => p > 0), (p) => {
      expect(parsePercent(`-${p}%`)).toBeUndefined();
    }), RUNS);
  });

  it('durations: a number with us, ms, s, m or a bare number of ms; formatDuration reads back the same', () => {
    const factors = { us: 0.001, ms: 1, s: 1000, m: 60_000 } as const;
    fc.assert(
      fc.property(decimal(1000), fc.constantFrom('us', 'ms', 's', 'm', ''), (n, unit) => {
        const ms = n * (unit === '' ? 1 : factors[unit]);
        expect(parseDuration(`${n}${unit}`)).toBeCloseTo(ms, 6);
      }),
      RUNS,
    );
    fc.assert(fc.property(decimal(100_000), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBeCloseTo(ms, 6);
    }), RUNS);
    fc.assert(fc.property(fc.string(), (text) => {
      const ms = parseDuration(text);
      if (ms !== undefined) expect(ms).toBeGreaterThanOrEqual(0);
    }), RUNS);
    expect(parseDuration('-1ms')).toBeUndefined();
  });

  it("tc rates: bit units are bits per second, bps units bytes per second, as tc reads them; formatRate reads back", () => {
    const bytesPer = { bit: 1 / 8, kbit: 125, mbit: 125_000, gbit: 125_000_000, bps: 1, kbps: 1000, mbps: 1e6 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 10_000 }), fc.constantFrom(...(Object.keys(bytesPer) as (keyof typeof bytesPer)[])), fc.boolean(), (n, unit, upper) => {
        expect(parseRate(`${n}${upper ? unit.toUpperCase() : unit}`)).toBeCloseTo(n * bytesPer[unit], 6);
      }),
      RUNS,
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), (bytes) => {
      expect(parseRate(formatRate(bytes))).toBeCloseTo(bytes, 6);
    }), RUNS);
    fc.assert(fc.property(fc.stringMatching(/^[a-z]{1,6}$/).filter((u) => !/^(k|m|g|t|ki|mi|gi)?(bit|bps)$/.test(u)), (unit) => {
      expect(parseRate(`10${unit}`)).toBeUndefined();
    }), RUNS);
    expect(parseRate('fast')).toBeUndefined();
  });

  it('outages: EVERY/FOR with FOR shorter than EVERY; burst lengths of 1 or more; bytes or a duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (every, dark) => {
        const parsed = parseOutage(`${every}ms/${dark}ms`);
        if (dark < every) expect(parsed).toEqual({ everyMs: every, forMs: dark });
        else expect(parsed).toBeUndefined();
      }),
      RUNS,
    );
    expect(parseBurst('0.5')).toBeUndefined();
    expect(parseBurst('3')).toBe(3);
    expect(parseBytesOrDuration('64k')).toEqual({ bytes: 65_536 });
    expect(parseBytesOrDuration('2s')).toEqual({ ms: 2000 });
    expect(parseBytesOrDuration('1000')).toEqual({ bytes: 1000 });
    expect(parseBytesOrDuration('soon')).toBeUndefined();
  });

  it('up:/down: split a value from its direction; a direction given twice is refused, one each way is not', () => {
    fc.assert(
      fc.property(fc.string().filter((v) => !/^(up|down):/.test(v)), fc.constantFrom('up', 'down', undefined), (value, direction) => {
        const split = splitDirection(direction === undefined ? value : `${direction}:${value}`);
        expect(split).toEqual({ direction: direction ?? 'both', value });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.subarray(['up:10ms', 'down:20ms', '30ms'], { minLength: 1 }), (values) => {
        const { link, issues } = flagImpairments({ delay: values }, false);
        const clash = values.includes('30ms') && values.length > 1;
        expect(issues.length > 0).toBe(clash);
        if (!clash) {
          const up = values.includes('30ms') ? 30 : values.includes('up:10ms') ? 10 : undefined;
          expect(link.up.delayMs).toBe(up);
        }
      }),
      RUNS,
    );
  });

  it('the control API reads what GET / shows', () => {
    const imp = impairmentsFromJson({ loss: '2%', 'loss-burst': 3, delay: '40ms', jitter: 5, rate: '1mbit', queue: '100ms', mtu: 1200, outage: '10s/2s', 'keep-order': true });
    expect(imp).toEqual({ loss: 2, lossBurst: 3, delayMs: 40, jitterMs: 5, rate: 125_000, queueMs: 100, mtu: 1200, outage: { everyMs: 10_000, forMs: 2000 }, keepOrder: true });
    expect(impairmentsFromJson(impairmentsToJson(imp))).toEqual(imp);
    expect(() => impairmentsFromJson({ lose: '2%' })).toThrow('unknown impairment "lose": expected one of loss, loss-burst');
    expect(() => impairmentsFromJson([1])).toThrow('expected a JSON object of impairments');
  });

  it('the generator gives the same stream for the same seed, different ones for others, uniform in [0, 1)', () => {
    const a = new Random(1);
    const b = new Random(1);
    const c = new Random(2);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
