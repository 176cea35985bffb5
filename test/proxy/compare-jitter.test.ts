/** udp-compare's jitter scenario: both transports through udp-proxy at 20 ms ± 10 ms, no privilege needed. */
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../src/compare/index.js';

describe('udp-compare -s jitter', () => {
  it('UDP arrives out of order, TCP in order and whole; a CDF of both delays for the report', async () => {
    const report = await runCompare({ scenarios: ['jitter'], workload: { messages: 300, size: 64, rate: 2000, loss: 0, duplicate: 0, linkRate: 20e6, linkBufferMs: 50 } });
    const result = report.scenarios[0];
    expect(result?.status, result?.reason).toBe('ok');
    const value = (id: string, side: 'udp' | 'tcp') => result?.rows.find((r) => r.id === id)?.[side].value;
    expect(value('reordered', 'udp')).toBeGreaterThan(10);
    expect(value('reordered', 'tcp')).toBe(0);
    expect(value('lost', 'tcp')).toBe(0);
    // Nothing arrives sooner than the link allows: 20 ms less 3 standard deviations, for all but a few.
    expect(value('delay-p50', 'udp')).toBeGreaterThan(10_000);
    expect(value('delay-p50', 'tcp')).toBeGreaterThan(10_000);
    expect(result?.plots?.cdf?.udp).toHaveLength(101);
    expect(result?.sentence).toMatch(/^Through a link of 20 ms ± 10 ms, UDP delivered \d+ of 300 messages out of order/);
  });
});
