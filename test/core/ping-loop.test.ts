/** The ping loop both senders share: matching answers to exchanges, misses, late answers, and its ends. */
import { describe, expect, it } from 'vitest';
import { PingLoop, type Matching, type PingTransport } from '../../src/core/ping-loop.js';
import { Pacer } from '../../src/core/pacer.js';
import { Waiter } from '../../src/core/waiter.js';
import { monotonicMs } from '../../src/clock.js';

/**
 * A transport whose peer answers message i after `delays[i]` ms (null: never), like an echo server on a path.
 * The answers reach the loop through answer(), as a socket's receive path would.
 */
function scripted(delays: (number | null)[], matching: Matching, extra: Partial<PingTransport> = {}) {
  const waiter = new Waiter();
  const sent: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let loop: PingLoop | undefined;
  const transport: PingTransport = {
    take: (index) => Promise.resolve(index < delays.length ? Buffer.from(`m${index}`) : undefined),
    send: (payload) => {
      const index = sent.length;
      sent.push(payload.toString());
      const delay = delays[index];
      if (delay !== null && delay !== undefined) timers.push(setTimeout(() => loop?.answer(monotonicMs()), delay));
    },
    stopped: () => false,
    ...extra,
  };
  return {
    sent,
    waiter,
    make(count: number, waitMs: number) {
      loop = new PingLoop(transport, { count, waitMs, matching, pacer: new Pacer(0), waiter });
      return loop;
    },
    cleanup: () => timers.forEach(clearTimeout),
  };
}

describe('PingLoop', () => {
  it('notes a round trip per answered exchange, in order', async () => {
    const peer = scripted([1, 1, 1], 'in-order');
    const loop = peer.make(3, 1000);
    await loop.run();
    expect(peer.sent).toEqual(['m0', 'm1', 'm2']);
    expect(loop.rttMs).toHaveLength(3);
    expect(loop.rttMs.every((rtt) => rtt !== null && rtt >= 0)).toBe(true);
    expect(loop.late).toBe(0);
    expect(loop.unanswered).toBe(false);
    peer.cleanup();
  });

  it('in order (TCP): an answer that comes after its wait is late, never the next exchange\'s answer', async () => {
    // m0's answer comes after 150 ms, long after its 40 ms wait; m1 and m2 get none. TCP keeps order, so that
    // answer is m0's: late, and not the answer of m1 or m2, which were in flight when it came.
    const peer = scripted([150, null, null], 'in-order');
    const loop = peer.make(3, 40);
    await loop.run();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loop.rttMs).toEqual([null, null, null]);
    expect(loop.late).toBe(1);
    expect(loop.unanswered).toBe(true);
    peer.cleanup();
  });

  it('current (UDP): what arrives with no exchange in flight answers nothing; a miss calls afterMiss', async () => {
    let misses = 0;
    const peer = scripted([null, 1], 'current', { afterMiss: () => Promise.resolve(void (misses += 1)) });
    const loop = peer.make(2, 30);
    await loop.run();
    expect(loop.rttMs[0]).toBeNull();
    expect(loop.rttMs[1]).not.toBeNull();
    expect(misses).toBe(1);
    expect(loop.answer(monotonicMs())).toBe('none');
    expect(loop.firstRtt).toBe(loop.rttMs[1]);
    peer.cleanup();
  });

  it('stops at once when the transport stops, without noting a round trip for the exchange cut short', async () => {
    let stopped = false;
    const peer = scripted([null, null, null], 'in-order', {
      stopped: () => stopped,
      send: () => void setTimeout(() => (stopped = true), 5),
    });
    const loop = peer.make(3, 10_000);
    // A socket's close would wake the loop; here a timer stands in for it.
    const wake = setInterval(() => peer.waiter.wake(), 5);
    await loop.run();
    clearInterval(wake);
    expect(loop.sent).toBe(1);
    expect(loop.rttMs).toEqual([]);
  });

  it('ends when the stream of messages ends, before the count', async () => {
    const peer = scripted([1], 'in-order');
    const loop = peer.make(10, 1000);
    await loop.run();
    expect(loop.sent).toBe(1);
    peer.cleanup();
  });
});
