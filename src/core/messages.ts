/**
 * What a sender sends: one payload `count` times, or a stream of messages sent each as it comes (`--lines`).
 * The stream is read one message ahead of the send at most, and a signal ends a wait for the next one. @internal
 */

/** A payload sent `count` times, or an async iterable whose every item is sent once, as it comes. */
export type Payload = Buffer | AsyncIterable<Buffer>;

export interface MessageSource {
  /** The payload when it is one buffer (sent `count` times), else undefined. */
  readonly fixed: Buffer | undefined;
  /** The next message (number `index`, from 0), or undefined once the stream has ended or the signal fired. */
  next(index: number): Promise<Buffer | undefined>;
  /** Stops reading the stream (it is not awaited: a read in progress may never end, as with `tail -f`). */
  close(): void;
}

/**
 * @param check throws for a message that cannot be sent (too large), given its number from 1
 */
export function messageSource(payload: Payload, signal: AbortSignal | undefined, check: (message: Buffer, number: number) => void): MessageSource {
  if (Buffer.isBuffer(payload)) {
    check(payload, 1);
    return { fixed: payload, next: () => Promise.resolve(payload), close: () => undefined };
  }
  const iterator = payload[Symbol.asyncIterator]();
  const aborted = new Promise<undefined>((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  return {
    fixed: undefined,
    async next(index) {
      const item = await Promise.race([iterator.next(), aborted]);
      if (item === undefined || item.done === true) return undefined;
      check(item.value, index + 1);
      return item.value;
    },
    close() {
      void iterator.return?.()?.catch(() => undefined);
    },
  };
}
