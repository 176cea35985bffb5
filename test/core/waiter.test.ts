/** The waiter every sender and listener waits with: a condition, a deadline, a signal, quiet sockets. */
import { describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { Waiter, untilQuiet } from '../../src/core/waiter.js';

describe('Waiter', () => {
  it('returns done at once when the condition already holds, without a wake-up', async () => {
    const waiter = new Waiter();
    await expect(waiter.until(() => true, 10)).resolves.toBe('done');
  });

  it('returns done after the wake-up that made the condition hold, not before', async () => {
    const waiter = new Waiter();
    let value = 0;
    const ended = waiter.until(() => value >= 3, 5000);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      value += 1;
      waiter.wake();
    }
    await expect(ended).resolves.toBe('done');
    expect(value).toBe(3);
  });

  it('returns timeout when the deadline passes first', async () => {
    const waiter = new Waiter();
    await expect(waiter.until(() => false, 20)).resolves.toBe('timeout');
  });

  it('returns aborted when the signal fires, and at once for a signal already aborted', async () => {
    const controller = new AbortController();
    const waiter = new Waiter(controller.signal);
    const ended = waiter.until(() => false);
    controller.abort();
    await expect(ended).resolves.toBe('aborted');
    await expect(new Waiter(AbortSignal.abort()).until(() => false)).resolves.toBe('aborted');
  });

  it('returns turns when the turn bound is reached before anything else', async () => {
    const waiter = new Waiter();
    const ended = waiter.until(() => false, undefined, { maxTurns: 2 });
    waiter.wake();
    await new Promise((resolve) => setImmediate(resolve));
    waiter.wake();
    await expect(ended).resolves.toBe('turns');
  });

  it('with ignoreAbort, an aborted signal does not end the wait: the condition does', async () => {
    const waiter = new Waiter(AbortSignal.abort());
    let done = false;
    const ended = waiter.until(() => done, 5000, { ignoreAbort: true });
    await new Promise((resolve) => setImmediate(resolve));
    done = true;
    waiter.wake();
    await expect(ended).resolves.toBe('done');
  });

  it('a wake with nobody waiting is harmless, and dispose stops listening to the signal', async () => {
    const controller = new AbortController();
    const waiter = new Waiter(controller.signal);
    waiter.wake();
    waiter.dispose();
    controller.abort();
    await expect(waiter.until(() => false, 10)).resolves.toBe('aborted');
  });
});

describe('untilQuiet', () => {
  it('waits until a real socket stops receiving, then resolves with everything read', async () => {
    const receiver = createSocket('udp4');
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    let arrivals = 0;
    receiver.on('message', () => (arrivals += 1));
    const port = receiver.address().port;
    await Promise.all(Array.from({ length: 50 }, () => new Promise((resolve) => sender.send('x', port, '127.0.0.1', resolve))));
    await untilQuiet(() => arrivals, 2000);
    expect(arrivals).toBe(50);
    await Promise.all([new Promise((r) => receiver.close(() => r(undefined))), new Promise((r) => sender.close(() => r(undefined)))]);
  });

  it('ends at its time bound under arrivals that never stop', async () => {
    // A count that changes every time it is read: the sockets are never quiet.
    let reads = 0;
    const arrivals = (): number => ++reads;
    // Resolving at all is the point: without its bound this wait would never end (the test's timeout would fail it).
    await untilQuiet(arrivals, 100);
    expect(reads).toBeGreaterThan(4);
  });
});
