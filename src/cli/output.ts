/**
 * The one write path of the bins for stdout and stderr: a failed write (a full disk, a reader gone) is
 * recorded, never thrown, so it becomes exit 74 with one line (or none, when stderr itself is gone).
 */
import type { Writable } from 'node:stream';

/** How long a stream may make no progress before {@link drain} gives up on it. */
export const DRAIN_IDLE_MS = 500;

const failures = new WeakMap<Writable, Error>();
/** Streams whose reader stopped reading: a later drain does not wait for them again. */
const stalled = new WeakSet<Writable>();
const guarded = new WeakSet<Writable>();

/** Records the stream's first error instead of letting it crash the process; idempotent. */
export function guard(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: Error) => {
    if (!failures.has(stream)) failures.set(stream, error);
  });
}

/** Records `error` as the stream's failure when it has none yet (a write made beside the stream, on its descriptor). */
export function fail(stream: Writable, error: Error): void {
  if (!failures.has(stream)) failures.set(stream, error);
}

/** The first error the stream reported, if any. */
export function failureOf(stream: Writable): Error | undefined {
  return failures.get(stream);
}

/** Writes to a guarded stream; does nothing once it has failed. Returns false when the caller should wait for 'drain'. */
export function put(stream: Writable, data: string | Uint8Array): boolean {
  if (failures.has(stream) || stream.destroyed) return true;
  try {
    return stream.write(data);
  } catch (error) {
    // A synchronous stream (a file, /dev/full) may throw instead of emitting.
    if (!failures.has(stream)) failures.set(stream, error as Error);
    return true;
  }
}

/**
 * Resolves once everything written to `stream` has been handed to the system, or when the stream made no
 * progress for `idleMs` (a reader that stopped reading), or failed. Resolves to the bytes left unwritten.
 */
export async function drain(stream: Writable, idleMs = DRAIN_IDLE_MS): Promise<number> {
  for (let turn = 0; turn < 10_000 && !stalled.has(stream); turn++) {
    if (failures.has(stream) || stream.destroyed || stream.writableLength === 0) break;
    const before = stream.writableLength;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, idleMs);
      function done(): void {
        clearTimeout(timer);
        stream.off('drain', done);
        stream.off('error', done);
        resolve();
      }
      stream.once('drain', done);
      stream.once('error', done);
    });
    if (stream.writableLength >= before && stream.writableLength > 0) stalled.add(stream);
  }
  return failures.has(stream) ? 0 : stream.writableLength;
}

/**
 * True when the reader of a pipe went away (`udp-listen | head -3`): a normal way for a run to end, so it ends
 * quietly with exit 0, as `seq 1e9 | head` does, rather than with an error.
 */
export function readerGone(error: Error | undefined): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** A short reason for a write failure: `EPIPE (the reader went away)`, `ENOSPC (no space left)`. */
export function describeWriteFailure(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return `${code} (the reader went away)`;
  if (code === 'ENOSPC') return 'ENOSPC (no space left on the device)';
  return code ?? error.message;
}
