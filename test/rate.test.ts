/**
 * `--rate` and `--duration`: paced on the monotonic clock. How close the achieved rate comes to the one asked is a
 * benchmark figure (`npm run bench`); these tests check counts, and that a paced send is never early: the achieved
 * rate can never exceed the rate asked, and a --duration run never sends more than rate × duration.
 */
import { describe, expect, it } from 'vitest';
import { Pacer } from '../src/core/pacer.js';
import { send } from '../src/core/udp-sender.js';
import { boundSocket, runBin, tcpServer, waitFor } from './helpers.js';

describe('Pacer', () => {
  it('never lets a send go before its time: start + i × interval', async () => {
    const pacer = new Pacer(2);
    // Read before the first due(): the pacer's own start is no earlier, so each release is at least i × 2 ms after it.
    const start = Number(process.hrtime.bigint()) / 1e6;
    const released: number[] = [];
    for (let i = 0; i < 20; i++) {
      await pacer.due(i);
      released.push(Number(process.hrtime.bigint()) / 1e6);
    }
    for (const [i, at] of released.entries()) expect(at - start).toBeGreaterThanOrEqual(i * 2);
    const rate = pacer.achievedRate(20) as number;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(500.001);
  });

  it('stops offering sends at its time limit, and at once when the signal aborts', async () => {
    const limited = new Pacer(1, undefined, 20);
    let offered = 0;
    for (let i = 0; i < 1000 && (await limited.due(i)); i++) offered += 1;
    expect(offered).toBeGreaterThanOrEqual(1);
    expect(offered).toBeLessThanOrEqual(20);

    // No interval, a time limit: as fast as asked, until the time is up.
    const flood = new Pacer(0, undefined, 20);
    let flooded = 0;
    for (let i = 0; i < 10_000_000 && (await flood.due(i)); i++) flooded += 1;
    expect(flooded).toBeGreaterThan(1);
    expect(flooded).toBeLessThan(10_000_000);

    const controller = new AbortController();
    const aborted = new Pacer(60_000, controller.signal);
    expect(await aborted.due(0)).toBe(true);
    const next = aborted.due(1);
    controller.abort();
    expect(await next).toBe(false);
  });
});

describe('send with intervalMs and durationMs', () => {
  it('sends count datagrams paced, each received, and reports a rate no higher than asked', async () => {
    const receiver = await boundSocket();
    let got = 0;
    receiver.on('message', () => (got += 1));
    const result = await send({ host: '127.0.0.1', port: receiver.address().port, payload: Buffer.from('p'), count: 200, intervalMs: 0.1 });
    expect(result.messages).toBe(200);
    await waitFor(() => got === 200, { timeoutMs: 5000, what: '200 datagrams' });
    expect(result.rate).toBeGreaterThan(0);
    expect(result.rate).toBeLessThanOrEqual(10_000.01);
  });

  it('with durationMs and no count, sends until the time is up, never more than rate × duration', async () => {
    const receiver = await boundSocket();
    let got = 0;
    receiver.on('message', () => (got += 1));
    const result = await send({ host: '127.0.0.1', port: receiver.address().port, payload: Buffer.from('d'), intervalMs: 5, durationMs: 300 });
    expect(result.messages).toBeGreaterThanOrEqual(1);
    expect(result.messages).toBeLessThanOrEqual(60);
    await waitFor(() => got === result.messages, { timeoutMs: 5000, what: 'every datagram sent' });
    expect(result.sendMs).toBeGreaterThanOrEqual(299);
  });

  it('refuses a negative interval or duration, naming it', async () => {
    await expect(send({ host: '127.0.0.1', port: 9, payload: Buffer.from('x'), durationMs: -1 })).rejects.toThrow(/invalid durationMs -1/);
  });
});

describe('udp-send --rate / --duration', () => {
  it('-c 300 --rate 20000: 300 datagrams arrive, the summary and --json give the rate achieved and asked', async () => {
    const receiver = await boundSocket();
    let got = 0;
    receiver.on('message', () => (got += 1));
    const port = String(receiver.address().port);
    const run = await runBin('udp-send', ['--json', '-c', '300', '--rate', '20000', '127.0.0.1', port, 'r']);
    expect(run.code, run.stderr).toBe(0);
    const line = /^sent 300 datagrams of 1 byte \(300 bytes\) to 127\.0\.0\.1:\d+ over udp in ([\d.]+) ms from the first to the last, ([\d,.]+) datagrams\/s \(asked for 20,000\)\n$/.exec(run.stderr);
    expect(line, run.stderr).not.toBeNull();
    const json = JSON.parse(run.stdout) as { messages: number; rate: number; spanMs: number };
    expect(json.messages).toBe(300);
    expect(json.rate).toBeLessThanOrEqual(20_000.01);
    const [shownMs, shownRate] = [Number(line?.[1]), Number(line?.[2]?.replaceAll(',', ''))];
    expect(shownRate).toBeCloseTo(json.rate, -1);
    // One span for both: the time shown and the rate shown agree (299 intervals from the first datagram to the last),
    // where they once came from different spans (`in 7.6 ms, 96,540 datagrams/s` for 500 datagrams).
    expect(json.spanMs).toBeCloseTo(shownMs, 1);
    expect(Math.abs((299 * 1000) / shownMs - shownRate) / shownRate).toBeLessThan(0.01);
    await waitFor(() => got === 300, { timeoutMs: 5000, what: '300 datagrams' });
  });

  it('--rate 200 --duration 400ms sends at most 80, all received', async () => {
    const receiver = await boundSocket();
    let got = 0;
    receiver.on('message', () => (got += 1));
    const run = await runBin('udp-send', ['--json', '--rate', '200', '--duration', '400ms', '127.0.0.1', String(receiver.address().port), 'd']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { messages: number };
    expect(json.messages).toBeGreaterThanOrEqual(1);
    expect(json.messages).toBeLessThanOrEqual(80);
    await waitFor(() => got === json.messages, { timeoutMs: 5000, what: 'every datagram' });
  });

  it('--tcp --frame line -c 50 --rate 1000: 50 lines on one connection, the summary in messages/s', async () => {
    let text = '';
    const port = String(await tcpServer((socket) => socket.on('data', (chunk: Buffer) => (text += chunk.toString()))));
    const run = await runBin('udp-send', ['--tcp', '--frame', 'line', '-c', '50', '--rate', '1000', '127.0.0.1', port, 'm']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^sent 50 messages \(100 bytes\) to 127\.0\.0\.1:\d+ over tcp \(connected in [\d.]+ ms\) in [\d.]+ ms from the first to the last, [\d,.]+ messages\/s \(asked for 1,000\)\n$/);
    await waitFor(() => text === 'm\n'.repeat(50), { timeoutMs: 5000, what: '50 lines' });
  });

  it('--duration 300ms alone floods for that long, then stops', async () => {
    const receiver = await boundSocket();
    const run = await runBin('udp-send', ['--json', '--duration', '300ms', '127.0.0.1', String(receiver.address().port), 'f']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { messages: number; sendMs: number };
    expect(json.messages).toBeGreaterThan(1);
    expect(json.sendMs).toBeGreaterThanOrEqual(300);
  });

  it.each([
    [['--rate', '0'], 'invalid --rate "0": expected a number per second above 0, up to 10000000'],
    [['--rate', 'fast'], 'invalid --rate "fast": expected a number per second above 0, up to 10000000'],
    [['--rate', '10', '-i', '5ms'], '--rate and --interval say the same thing: give one'],
    [['--duration', '-1'], 'invalid --duration "-1"'],
  ])('udp-send %j: exit 64 and one line naming it', async (flags, message) => {
    const run = await runBin('udp-send', [...flags, '127.0.0.1', '9', 'x']);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith(`udp-send: ${message}`), run.stderr).toBe(true);
    expect(run.stderr.split('\n')).toHaveLength(2);
  });
});
