/**
 * `sendTcp({ expect })` from 'udpkit': the replies on the connection (chunks, or frames) checked as `send({ expect
 * })` checks datagrams, against a TCP device written in Python and against `listenTcp({ respond })`, on loopback.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenTcp, sendTcp, UdpkitError, type TrafficRecord } from 'udpkit';
import { fixturePath } from '../helpers.js';

/** Starts fixtures/tcp_device.py; resolves with its port. Killed when the test ends. */
async function pythonDevice(): Promise<number> {
  const child = spawn('python3', [fixturePath('tcp_device.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('error', reject);
  });
}

describe('sendTcp({ expect }) against a Python TCP device', () => {
  it('resolves when every request is answered as expected; replies are frames, handed to onReply as they come', async () => {
    const port = await pythonDevice();
    const seen: string[] = [];
    const result = await sendTcp({
      host: '127.0.0.1',
      port,
      payload: Buffer.from('READ?'),
      frame: 'line',
      count: 3,
      waitMs: 2000,
      expect: ['/^TEMP=\\d+$/'],
      onReply: (record) => seen.push(record.payload.toString()),
    });
    expect(result).toMatchObject({ protocol: 'tcp', messages: 3, bytesPerMessage: 5, totalBytes: 18, handedBytes: 18, replyBytes: 21, interrupted: false });
    expect(result.destination).toMatchObject({ address: '127.0.0.1', port });
    expect(result.replies?.map((r) => [r.unit, r.payload.toString()])).toEqual([['frame', 'TEMP=21'], ['frame', 'TEMP=21'], ['frame', 'TEMP=21']]);
    expect(seen).toEqual(['TEMP=21', 'TEMP=21', 'TEMP=21']);
    expect(result.connectMs).toBeGreaterThan(0);
  });

  it('E_DATA (65) names what came, E_TIMEOUT (75) when nothing did, E_CLOSED when the peer closed first', async () => {
    const port = await pythonDevice();
    const base = { host: '127.0.0.1', port, frame: 'line' as const, waitMs: 500 };
    const wrong = sendTcp({ ...base, payload: Buffer.from('HELLO'), expect: ['TEMP=*'] });
    await expect(wrong).rejects.toThrow(UdpkitError);
    await expect(wrong).rejects.toMatchObject({ code: 'E_DATA', exitCode: 65, message: 'step 2 (expect TEMP=*): 1 reply came, none matched: "ERR HELLO"' });
    await expect(sendTcp({ ...base, payload: Buffer.from('QUIET'), expect: ['TEMP=*'] })).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      exitCode: 75,
      message: 'step 2 (expect TEMP=*): no reply within 500 ms',
    });
    await expect(sendTcp({ ...base, payload: Buffer.from('BYE'), expect: ['TEMP=*'] })).rejects.toMatchObject({
      code: 'E_CLOSED',
      message: 'step 2 (expect TEMP=*): the peer closed the connection before a reply',
    });
  });

  it('refuses options expect does not go with, and needs waitMs', async () => {
    const port = await pythonDevice();
    const base = { host: '127.0.0.1', port, payload: Buffer.from('READ?'), expect: ['TEMP=21'] };
    await expect(sendTcp(base)).rejects.toMatchObject({ code: 'E_USAGE', message: 'expect needs waitMs: how long to wait for each reply' });
    await expect(sendTcp({ ...base, waitMs: 100, sourcePort: 40000 })).rejects.toMatchObject({ code: 'E_USAGE', message: 'expect does not go with sourcePort' });
    await expect(sendTcp({ ...base, waitMs: 100, port: 70_000 })).rejects.toThrow('invalid port 70000: expected an integer from 1 to 65535');
  });
});

describe('sendTcp({ expect }) against listenTcp({ respond })', () => {
  it('two expectations per request, in order, over --frame length', async () => {
    const records: TrafficRecord[] = [];
    const listener = await listenTcp({ port: 0, host: '127.0.0.1', frame: 'length', respond: [{ match: 'HELLO', reply: ['WELCOME', 'v1'] }] }, (r) => records.push(r));
    onTestFinished(async () => {
      await listener.close();
    });
    const result = await sendTcp({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('HELLO'), frame: 'length', count: 2, waitMs: 2000, expect: ['WELCOME', 'v*'] });
    expect(result.replies?.map((r) => r.payload.toString())).toEqual(['WELCOME', 'v1', 'WELCOME', 'v1']);
    expect(result.totalBytes).toBe(2 * (4 + 5));
  });
});
