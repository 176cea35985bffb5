/**
 * The zod/mini building blocks of validation, and the number, port and duration schemas that the command line and
 * the library's option checks (core/option-schemas.ts) share; the command line's own schemas are in cli/schemas.ts.
 */
import * as z from 'zod/mini';
import { UdpkitError, type ErrorCode } from '../errors.js';
import { show } from '../format/show.js';

/** The context zod gives a transform, as far as udpkit uses it. */
export type TransformContext = z.core.ParsePayload;

/** A zod/mini schema from unknown input to T. */
export type Schema<T> = z.ZodMiniType<T, unknown>;

/**
 * Adds an issue with our error code to a transform's context.
 * @param explains the problem explains the others (`127.0.0.1:5005 hi`: the port was joined to the host, so the
 *   message was read as the port): it is said alone
 */
export function addIssue(ctx: TransformContext, message: string, code: ErrorCode = 'E_USAGE', explains = false): void {
  ctx.issues.push({ code: 'custom', message, input: undefined, params: { code, explains } });
}

/** Adds an issue to a transform's context and returns zod's NEVER: `return fail(ctx, message)` ends a transform. */
export function fail(ctx: TransformContext, message: string, code: ErrorCode = 'E_USAGE', explains = false): never {
  addIssue(ctx, message, code, explains);
  return z.NEVER;
}

/** A schema that turns any input into T with `fn`, which reports problems on `ctx`. */
export function convert<T>(fn: (raw: unknown, ctx: TransformContext) => T): Schema<T> {
  return z.pipe(z.unknown(), z.transform(fn));
}

/**
 * An integer in [min, max], given as a number or as decimal digits.
 * Rejects `80abc`, `5.5`, `-1`, `1e3`, `0x10` and out-of-range values, repeating the value.
 */
export function intSchema(what: string, min: number, max: number): Schema<number> {
  return convert((raw, ctx) => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    if (!/^\d+$/.test(text)) return fail(ctx, `invalid ${what} ${show(raw)}: expected ${range}`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return fail(ctx, `invalid ${what} ${show(raw)}: expected ${range}`);
    }
    return value;
  });
}

/** A port to send to: 1..65535. Port 0 cannot be a destination. */
export const destinationPortSchema = intSchema('port', 1, 65_535);

/** A port to listen on: 0..65535, where 0 asks the system for a free one. */
export const listenPortSchema = intSchema('port', 0, 65_535);

/** A non-negative decimal number of seconds or milliseconds, e.g. `--timeout 2.5`. */
export function durationSchema(what: string, unit: 'seconds' | 'milliseconds'): Schema<number> {
  return convert((raw, ctx) => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    const ms = durationMs(text, unit);
    if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS) {
      return fail(
        ctx,
        `invalid ${what} ${show(raw)}: expected a positive duration: a number of ${unit}, or one with a unit (250us, 500ms, 2s, 1m, 1h) up to 24 days`,
      );
    }
    return unit === 'seconds' ? ms / 1000 : ms;
  });
}

/** The longest duration a timer can wait: 2^31 - 1 ms, about 24.8 days. */
const MAX_DURATION_MS = 2_147_483_647;
const UNIT_MS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `2s`, `500ms`, `1.5m`, `250us`, or a bare number in `bare` units, as milliseconds; undefined when malformed. */
export function durationMs(text: string, bare: 'seconds' | 'milliseconds'): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)?$/.exec(text);
  if (match === null) return undefined;
  const factor = match[2] === undefined ? (bare === 'seconds' ? 1000 : 1) : (UNIT_MS[match[2]] as number);
  return Number(match[1]) * factor;
}

/**
 * Parses `input` with `schema`; on failure throws one {@link UdpkitError} whose message is one line, the
 * problems joined by `; `, and whose code is that of the first problem.
 */
export function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const explaining = result.error.issues.find((issue) => issue.code === 'custom' && (issue.params as { explains?: boolean } | undefined)?.explains === true);
  const issues = explaining === undefined ? result.error.issues : [explaining];
  const lines = issues.map((issue) => {
    if (issue.code === 'custom') return issue.message;
    const where = issue.path.length > 0 ? `invalid ${issue.path.join('.')}: ` : '';
    return `${where}${issue.message}`;
  });
  const first = issues[0];
  const params = first?.code === 'custom' ? (first.params as { code?: ErrorCode } | undefined) : undefined;
  throw new UdpkitError(params?.code ?? 'E_USAGE', lines.join('; '));
}


/** The most ports one listener takes (each is a socket, or more than one with --echo on the wildcard). */
export const MAX_PORTS = 256;

/**
 * Ports to listen on: numbers, or words that are a port (`5005`) or a range (`7000-7010`). Port 0 (a free port) may
 * come more than once; any other port once only. At most {@link MAX_PORTS}.
 */
export const listenPortsSchema: Schema<number[]> = convert((raw, ctx) => {
  const words = (Array.isArray(raw) ? raw : [raw]) as unknown[];
  const ports: number[] = [];
  const seen = new Map<number, string>();
  for (const word of words) {
    const text = typeof word === 'number' ? String(word) : typeof word === 'string' ? word.trim() : '';
    const range = /^(\d+)-(\d+)$/.exec(text);
    let from: number;
    let to: number;
    if (range) {
      from = Number(range[1]);
      to = Number(range[2]);
      if (!(from >= 1 && to <= 65_535 && from <= to)) {
        return fail(ctx, `invalid port range ${show(word)}: expected FIRST-LAST with 1 <= FIRST <= LAST <= 65535`);
      }
    } else {
      const single = listenPortSchema.safeParse(word);
      if (!single.success) return fail(ctx, single.error.issues[0]?.message ?? `invalid port ${show(word)}`);
      from = to = single.data;
    }
    if (ports.length + (to - from + 1) > MAX_PORTS) {
      return fail(ctx, `too many ports: ${show(word)} takes the count past ${MAX_PORTS}, the most one listener binds`);
    }
    for (let port = from; port <= to; port++) {
      const before = seen.get(port);
      if (before !== undefined && port !== 0) {
        return fail(ctx, `port ${port} is given twice (${before === text ? show(word) : `${show(before)} and ${show(word)}`}): give each port once`);
      }
      seen.set(port, text);
      ports.push(port);
    }
  }
  if (ports.length === 0) return fail(ctx, 'no port given: expected at least one port');
  return ports;
});
