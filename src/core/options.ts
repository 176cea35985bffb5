/**
 * The library checks its options with the CLI's own zod schemas: `listen({ port: 5.5 })` is refused, naming the
 * value, rather than binding port 5 (or, for 65536 or -1, some other port). Only what can be wrong is checked;
 * the rest passes through as it was given.
 */
import * as z from 'zod/mini';
import { destinationPortSchema, durationSchema, intSchema, listenPortsSchema, parseWith } from '../validate.js';

const family = z.optional(z.union([z.literal(0), z.literal(4), z.literal(6)]));
const count = z.optional(intSchema('count', 1, Number.MAX_SAFE_INTEGER));
const milliseconds = (what: string) => z.optional(durationSchema(what, 'milliseconds'));
const host = z.optional(z.string());

const listenSchema = z.object({
  port: listenPortsSchema,
  host,
  family,
  count,
  idleTimeoutMs: milliseconds('idleTimeoutMs'),
  rcvbuf: z.optional(intSchema('rcvbuf', 1, 2_147_483_647)),
  echoRate: z.optional(intSchema('echoRate', 0, 100_000_000)),
  maxFrame: z.optional(intSchema('maxFrame', 1, 2 ** 31 - 1)),
  maxConns: z.optional(intSchema('maxConns', 1, 1_000_000)),
  connIdleTimeoutMs: milliseconds('connIdleTimeoutMs'),
});

const sendSchema = z.object({
  port: destinationPortSchema,
  host: z.string(),
  family,
  count,
  intervalMs: z.optional(z.union([z.literal(0), durationSchema('intervalMs', 'milliseconds')])),
  waitMs: milliseconds('waitMs'),
  durationMs: milliseconds('durationMs'),
  maxReplyBytes: z.optional(intSchema('maxReplyBytes', 0, 2 ** 31 - 1)),
  connectTimeoutMs: milliseconds('connectTimeoutMs'),
  sendTimeoutMs: milliseconds('sendTimeoutMs'),
  settleMs: z.optional(z.union([z.literal(0), durationSchema('settleMs', 'milliseconds')])),
  sourcePort: z.optional(intSchema('sourcePort', 1, 65_535)),
  ttl: z.optional(intSchema('ttl', 1, 255)),
  sourceAddress: z.optional(z.string()),
});

/**
 * Checks a listener's options; returns them with the checked values as numbers, and `port` as the list of ports.
 * @throws UdpkitError E_USAGE naming the bad value
 */
export function checkListenOptions<T extends { port: number | readonly number[] }>(options: T): Omit<T, 'port'> & { port: number[] } {
  return { ...options, ...parseWith(listenSchema, options) };
}

/**
 * Checks a sender's options; returns them with the checked values as numbers.
 * @throws UdpkitError E_USAGE naming the bad value
 */
export function checkSendOptions<T extends { port: number; host: string }>(options: T): T {
  const checked = parseWith(sendSchema, options);
  return { ...options, ...checked };
}

/** Closes a listener (with drain) when `signal` aborts, at once if it already has. */
export function watchSignal(signal: AbortSignal | undefined, close: (options: { drain: boolean }) => Promise<unknown>): void {
  if (signal === undefined) return;
  const stop = (): void => void close({ drain: true });
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
}
