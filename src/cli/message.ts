/** Where the message comes from: the argument, --file PATH, or stdin. */
import type { Readable } from 'node:stream';
import { UdpkitError, errnoOf } from '../errors.js';

/** Bytes read from stdin are capped here: a message larger than any TCP test needs, but bounded. */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new UdpkitError('E_DATA', `message on stdin is larger than ${MAX_STDIN_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the message: the argument as given; a file with --file; stdin when the argument is `-`,
 * or omitted while stdin is not a terminal.
 * @throws UdpkitError E_NO_INPUT for a missing file, E_USAGE when there is no message at all
 */
export async function readMessage(
  message: string | undefined,
  file: string | undefined,
  stdin: Readable & { isTTY?: boolean },
): Promise<string | Buffer> {
  if (file !== undefined) {
    try {
      const { readFile } = await import('node:fs/promises');
      return await readFile(file);
    } catch (error) {
      const errno = errnoOf(error);
      const why = errno === 'ENOENT' ? 'no such file' : errno === 'EACCES' ? 'permission denied' : (errno ?? 'unreadable');
      throw new UdpkitError('E_NO_INPUT', `cannot read --file ${JSON.stringify(file)}: ${why}`, { cause: error });
    }
  }
  if (message !== undefined && message !== '-') return message;
  if (message === undefined && stdin.isTTY === true) {
    throw new UdpkitError('E_USAGE', 'no message: give MESSAGE, --file PATH, or pipe the message on stdin');
  }
  return readAll(stdin);
}
