/** What the summaries say of one: `1 datagram/s`, `1 echo not sent`, `1 record/s` (once `1 datagrams/s` and so on). */
import { describe, expect, it } from 'vitest';
import { summaryLine } from '../src/cli/summary.js';
import type { ListenerSummary } from '../src/core/stats.js';
import { runBin, boundSocket } from './helpers.js';

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

  it('udp-send -c 2 -i 1000: `1 datagram/s`', async () => {
    const receiver = await boundSocket();
    try {
      const run = await runBin('udp-send', ['-c', '2', '-i', '1000', '127.0.0.1', String(receiver.address().port), 'x']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/ from the first to the last, 1 datagram\/s\n$/);
    } finally {
      receiver.close();
    }
  });
});
