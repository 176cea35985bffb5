/** The zod schemas of the library's options: only what can be wrong is checked, with the command line's own schemas. */
import * as z from 'zod/mini';
import { destinationPortSchema, durationSchema, intSchema, listenPortsSchema, parseWith } from './schemas.js';

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

/** A listener's options checked: the checked values as numbers, `port` as the list of ports. */
export function parseListenOptions(options: unknown): z.infer<typeof listenSchema> {
  return parseWith(listenSchema, options);
}

/** A sender's options checked: the checked values as numbers. */
export function parseSendOptions(options: unknown): z.infer<typeof sendSchema> {
  return parseWith(sendSchema, options);
}
