/**
 * grouped(): thousands separators without Intl, checked against Intl itself (what udp-send printed before) over
 * seeded random numbers, and on the values its rate line shows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grouped } from '../src/format/grouped.js';

describe('grouped', () => {
  it('writes what toLocaleString("en-US", { maximumFractionDigits }) writes, for any number and 0-3 digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1e16, max: 1e16, noNaN: true }), fc.integer(), fc.double({ min: 0, max: 200, noNaN: true })), fc.integer({ min: 0, max: 3 }), (value, digits) => {
        expect(grouped(value, digits)).toBe(value.toLocaleString('en-US', { maximumFractionDigits: digits }));
      }),
      { seed: 20261203, numRuns: 20_000 },
    );
  });

  it('shows the rate line values as before', () => {
    expect(grouped(99_991.4)).toBe('99,991');
    expect(grouped(100_000)).toBe('100,000');
    expect(grouped(1_234_567.5)).toBe('1,234,568');
    expect(grouped(2.5, 2)).toBe('2.5');
    expect(grouped(99.999, 2)).toBe('100');
    expect(grouped(0.004, 2)).toBe('0');
    expect(grouped(999)).toBe('999');
  });
});
