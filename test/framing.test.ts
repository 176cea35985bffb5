/** Framing parser units: splits at every byte, many frames per chunk, empty frames, oversize, partial at close. */
import { describe, expect, it } from 'vitest';
import { Deframer, FrameTooLargeError, encodeFrame, type Framing } from '../src/core/framing.js';

const messages = [Buffer.from('alpha'), Buffer.alloc(0), Buffer.from('b'), Buffer.from('gamma\r'), Buffer.from([0, 1, 2, 255])];

function feed(deframer: Deframer, chunks: Buffer[]): Buffer[] {
  return chunks.flatMap((chunk) => deframer.push(chunk));
}

describe.each(['line', 'length'] as const)('%s framing', (mode: Framing) => {
  const stream = Buffer.concat(messages.map((m) => encodeFrame(m, mode)));

  it('rebuilds every frame from one chunk holding all of them', () => {
    expect(feed(new Deframer(mode), [stream])).toEqual(messages);
  });

  it('rebuilds every frame when the stream is split at every byte position', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames = feed(new Deframer(mode), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames, `cut at ${cut}`).toEqual(messages);
    }
  });

  it('rebuilds every frame when fed one byte at a time', () => {
    const bytes = [...stream].map((b) => Buffer.of(b));
    expect(feed(new Deframer(mode), bytes)).toEqual(messages);
  });

  it('rejects a frame longer than maxFrame instead of buffering it', () => {
    const deframer = new Deframer(mode, 8);
    expect(() => feed(deframer, [encodeFrame(Buffer.alloc(9, 0x61), mode)])).toThrow(FrameTooLargeError);
    expect(() => new Deframer(mode, 8).push(encodeFrame(Buffer.alloc(9, 0x61), mode))).toThrow('exceeds --max-frame 8');
    expect(feed(new Deframer(mode, 8), [encodeFrame(Buffer.alloc(8, 0x61), mode)])).toEqual([Buffer.alloc(8, 0x61)]);
  });

  it('reports a partial frame at close, and nothing when the stream ended on a boundary', () => {
    const deframer = new Deframer(mode);
    const half = encodeFrame(Buffer.from('unfinished'), mode).subarray(0, mode === 'line' ? 6 : 8);
    expect(feed(deframer, [encodeFrame(Buffer.from('done'), mode), half])).toEqual([Buffer.from('done')]);
    expect(deframer.end()).toEqual(mode === 'line' ? Buffer.from('unfini') : Buffer.from('unfi'));
    expect(deframer.end()).toBeUndefined();
    const clean = new Deframer(mode);
    feed(clean, [stream]);
    expect(clean.end()).toBeUndefined();
  });
});

describe('length framing specifics', () => {
  it('rejects an oversize prefix before any body arrives', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(2 ** 31, 0);
    const deframer = new Deframer('length', 1024);
    expect(() => deframer.push(prefix)).toThrow(new FrameTooLargeError(2 ** 31, 1024).message);
  });

  it('a partial prefix at close is reported as it came', () => {
    const deframer = new Deframer('length');
    deframer.push(Buffer.from([0, 0]));
    expect(deframer.end()).toEqual(Buffer.from([0, 0]));
  });
});

describe('none framing', () => {
  it('passes each chunk through as it came', () => {
    expect(feed(new Deframer('none'), [Buffer.from('ab'), Buffer.from('c')])).toEqual([Buffer.from('ab'), Buffer.from('c')]);
    expect(new Deframer('none').end()).toBeUndefined();
  });
});
