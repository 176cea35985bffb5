/** Where the message comes from: the argument, --file PATH, or stdin; read with a bound, never to the end of an endless source. */
import type { Readable } from 'node:stream';
import { UdpkitError, fromSystemError } from '../errors.js';
import { unreadable } from './file-errors.js';
import { show } from '../format/show.js';

/** The largest message over TCP, from a file or stdin: larger than any test needs, but bounded. */
export const MAX_TCP_MESSAGE = 64 * 1024 * 1024;

/** How many bytes at most to read, and how to name that bound in a message. */
export interface ReadLimit {
  bytes: number;
  /** E.g. `the largest UDP datagram (65,527 bytes over IPv6)`. */
  why: string;
}

function tooLarge(source: string, limit: ReadLimit): UdpkitError {
  return new UdpkitError('E_DATA', `${source} holds more than ${limit.bytes} bytes: ${limit.why}`);
}

async function readStream(stream: Readable, limit: ReadLimit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > limit.bytes) {
        stream.destroy();
        throw tooLarge('stdin', limit);
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw fromSystemError(error, 'cannot read stdin', (errno) => {
      if (errno === 'EISDIR') return ['E_NO_INPUT', 'cannot read stdin: it is a directory'];
      return ['E_IO', `cannot read stdin: ${errno === 'EBADF' ? 'EBADF (stdin is not open for reading)' : errno}`];
    });
  }
  return Buffer.concat(chunks);
}

async function readFileBounded(file: string, limit: ReadLimit): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // One byte over the bound is enough to know the file is too large: /dev/zero and FIFOs are never read to the end.
    const buffer = Buffer.alloc(Math.min(limit.bytes + 1, 1024 * 1024));
    const chunks: Buffer[] = [];
    let size = 0;
    for (let turn = 0; turn < 1_000_000; turn++) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, limit.bytes + 1 - size), null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      size += bytesRead;
      if (size > limit.bytes) throw tooLarge(`--file ${show(file)}`, limit);
    }
    return Buffer.concat(chunks);
  } catch (error) {
    throw unreadable(error, `cannot read --file ${show(file)}`);
  } finally {
    await handle?.close();
  }
}

/** Stdin as a stream, and the file descriptor behind it when there is one. */
export type InputStream = Readable & { isTTY?: boolean };

/**
 * Reads the message: the argument as given; a file with --file; stdin when the argument is `-`,
 * or omitted while stdin is not a terminal. Files and stdin are read up to `limit` bytes and refused past it.
 * @throws UdpkitError E_NO_INPUT for a missing file or a directory, E_DATA past the limit, E_IO for an unreadable
 *   stdin, E_USAGE when there is no message at all
 */
export async function readMessage(
  message: string | undefined,
  file: string | undefined,
  stdin: InputStream,
  limit: ReadLimit,
  stdinFd?: number,
): Promise<string | Buffer> {
  if (file !== undefined) return readFileBounded(file, limit);
  if (message !== undefined && message !== '-') return message;
  if (message === undefined && stdin.isTTY === true) {
    throw new UdpkitError('E_USAGE', 'no message: give MESSAGE, --file PATH, or pipe the message on stdin');
  }
  if (stdinFd !== undefined) {
    const { fstatSync } = await import('node:fs');
    let directory = false;
    try {
      directory = fstatSync(stdinFd).isDirectory();
    } catch {
      // a closed stdin reads as empty below
    }
    if (directory) throw new UdpkitError('E_NO_INPUT', 'cannot read stdin: it is a directory (give a file with --file or < FILE)');
  }
  return readStream(stdin, limit);
}
