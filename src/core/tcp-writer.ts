/**
 * The writing side of a TCP sender's connection: messages written in slices, the bytes handed to the kernel
 * counted, and a watch that calls a stall when queued bytes stop leaving (the peer is not reading). @internal
 */
import type { Socket } from 'node:net';
import { monotonicMs } from '../clock.js';

/** Messages longer than this are written in slices of it, so a reset in the middle can say how much got out. */
const WRITE_SLICE = 64 * 1024;

/**
 * Watches a socket's outgoing queue: when bytes wait to be written and none has left for `ms`, the peer is not
 * reading, and `onStall` is called once. Returns the function that stops the watch.
 */
export function stallWatch(socket: Socket, ms: number, onStall: () => void): () => void {
  let lastLength = 0;
  let lastProgress = monotonicMs();
  const timer = setInterval(
    () => {
      const pending = socket.writableLength;
      const now = monotonicMs();
      if (pending === 0 || pending < lastLength) lastProgress = now;
      lastLength = pending;
      if (pending > 0 && now - lastProgress >= ms) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(10, Math.min(250, ms / 4)),
  );
  return () => clearInterval(timer);
}

/** Writes whole messages to a socket and counts what was written and what the kernel took. */
export class MessageWriter {
  /** Bytes given to `write()`. */
  written = 0;
  /** Bytes whose write completed: handed to the kernel (not necessarily read by the peer). */
  handed = 0;

  constructor(private readonly socket: Socket) {}

  /** Writes `message` and resolves when its last slice has been handed over; rejects with the write's error. */
  write(message: Buffer): Promise<void> {
    let flushed: Promise<void> = Promise.resolve();
    for (let at = 0; at === 0 || at < message.length; at += WRITE_SLICE) {
      const slice = message.subarray(at, at + WRITE_SLICE);
      // Only the last slice's promise is returned: an earlier one's failure shows again on the last.
      flushed.catch(() => undefined);
      flushed = new Promise<void>((resolve, reject) =>
        this.socket.write(slice, (error) => {
          if (error) {
            reject(error);
            return;
          }
          this.handed += slice.length;
          resolve();
        }),
      );
    }
    this.written += message.length;
    return flushed;
  }

  /** Writes `message` without waiting: a failure shows as the socket's error. */
  writeAndForget(message: Buffer): void {
    this.written += message.length;
    this.socket.write(message, (error) => {
      if (!error) this.handed += message.length;
    });
  }
}
