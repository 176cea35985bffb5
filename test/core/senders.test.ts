/** The senders' edges found in review of the reshaped core: no listener left on a caller's signal, over-bound replies. */
import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sendTcp } from '../../src/core/tcp-sender.js';
import { send } from '../../src/core/udp-sender.js';
import { boundSocket } from '../helpers.js';

/** A UDP server on 127.0.0.1 that answers every datagram with `reply`; closed when the test ends. */
async function udpAnswering(reply: Buffer): Promise<number> {
  const server = await boundSocket('udp4');
  server.on('message', (_payload, rinfo) => server.send(reply, rinfo.port, rinfo.address));
  return server.address().port;
}

describe('senders', () => {
  it('sendTcp and send leave no listener on the caller\'s signal, run after run', async () => {
    const server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) {
      await sendTcp({ host: '127.0.0.1', port, payload: Buffer.from('hi'), signal: controller.signal });
      await send({ host: '127.0.0.1', port, payload: Buffer.from('hi'), signal: controller.signal });
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('UDP ping: a reply over --max-reply still answers its exchange (counted as overflow, not as a loss)', async () => {
    const port = await udpAnswering(Buffer.alloc(20, 0x61));
    const result = await send({ host: '127.0.0.1', port, payload: Buffer.from('ping'), count: 3, waitMs: 2000, maxReplyBytes: 10 });
    expect(result.rttMs).toHaveLength(3);
    expect(result.rttMs?.every((rtt) => rtt !== null)).toBe(true);
    expect(result.replies).toEqual([]);
    expect(result.replyOverflow).toEqual({ records: 3, bytes: 60 });
  });

  it('TCP ping: after a reply frame over the bound, later exchanges get no round trip made from its tail', async () => {
    // Each line is answered with a 600-byte line, written in slices 40 ms apart: longer than the 100 bytes kept.
    const server = createServer((socket) => {
      socket.on('data', () => {
        const reply = Buffer.concat([Buffer.alloc(599, 0x62), Buffer.from('\n')]);
        for (let at = 0; at < reply.length; at += 100) setTimeout(() => socket.write(reply.subarray(at, at + 100)), (at / 100) * 40);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const result = await sendTcp({ host: '127.0.0.1', port, payload: Buffer.from('q'), frame: 'line', count: 3, waitMs: 100, maxReplyBytes: 100 });
    expect(result.rttMs?.[0]).not.toBeNull();
    // The tail of the first reply arrives while exchanges 2 and 3 wait: it is not their answer.
    expect(result.rttMs?.slice(1)).toEqual([null, null]);
  });
});
