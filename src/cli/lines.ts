/**
 * `--lines`: stdin (or --file) read as it comes and cut at each newline, one message per line, so that
 * `tail -f app.log | udp-send --lines HOST 514` sends each line the moment it is written. A line's pending bytes are
 * bounded: a line longer than one message may be is an error naming its number, and nothing more is read.
 */
import type { Readable } from 'node:stream';
import { UdpkitError } from '../errors.js';
import { ioFailed, unreadable } from './file-errors.js';
import type { ReadLimit } from './message.js';
import { show } from '../format/show.js';

const NEWLINE = 0x0a;
const CR = 0x0d;

/** One line without its `\n` (and without a `\r` before it), with its number from 1. */
export interface Line {
  number: number;
  bytes: Buffer;
}

function strip(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

/**
 * The lines of `stream` as they arrive; a last line without a newline counts too. At most `limit.bytes` per line.
 * @throws UdpkitError E_DATA naming the first line over the limit, E_IO when the stream fails
 */
export async function* readLines(stream: Readable, limit: ReadLimit, source = 'stdin'): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  const tooLong = (): UdpkitError =>
    new UdpkitError('E_DATA', `line ${number + 1} of ${source} is longer than ${limit.bytes} bytes: ${limit.why}`);
  try {
    for await (const chunk of stream) {
      let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      for (let turn = 0; turn < buffer.length + 1; turn++) {
        const at = buffer.indexOf(NEWLINE);
        if (at < 0) break;
        const head = buffer.subarray(0, at);
        // `\r\n` counts as the newline: the `\r` is not part of the line (nor of its length).
        const pendingLength = pendingBytes + head.length - (head.length > 0 ? (head[head.length - 1] === CR ? 1 : 0) : 0);
        if (pendingLength > limit.bytes) throw tooLong();
        const line = pending.length === 0 ? head : Buffer.concat([...pending, head]);
        pending = [];
        pendingBytes = 0;
        number += 1;
        yield { number, bytes: strip(line) };
        buffer = buffer.subarray(at + 1);
      }
      if (buffer.length > 0) {
        // +1: a line exactly at the limit may still have its `\r` to come.
        if (pendingBytes + buffer.length > limit.bytes + 1) throw tooLong();
        pending.push(Buffer.from(buffer));
        pendingBytes += buffer.length;
      }
    }
  } catch (error) {
    stream.destroy();
    throw ioFailed(error, `cannot read ${source}`);
  }
  if (pendingBytes > 0) {
    const line = strip(Buffer.concat(pending));
    if (line.length > limit.bytes) throw tooLong();
    yield { number: number + 1, bytes: line };
  }
}

/**
 * The lines of --file PATH (opened first, so a missing file is named at once) or of stdin, as they come.
 * @throws UdpkitError E_NO_INPUT when the file cannot be opened or is a directory
 */
export async function openLines(file: string | undefined, stdin: Readable, limit: ReadLimit): Promise<AsyncGenerator<Line>> {
  if (file === undefined) return readLines(stdin, limit);
  const { open } = await import('node:fs/promises');
  try {
    const handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return readLines(handle.createReadStream(), limit, `--file ${show(file)}`);
  } catch (error) {
    throw unreadable(error, `cannot read --file ${show(file)}`);
  }
}
