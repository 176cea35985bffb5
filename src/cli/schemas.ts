/** The command line's own zod schemas: hosts as typed, words from a fixed list, rates. */
import { isIPv4, isIPv6 } from 'node:net';
import { convert, fail, type Schema } from '../core/schemas.js';
import { show } from '../format/show.js';

/** A host as the user typed it, checked for form (not yet resolved). */
export interface HostSpec {
  /** The host without brackets. */
  host: string;
  /** 4 or 6 for an IP literal, 0 for a name still to resolve. */
  ip: 0 | 4 | 6;
}

const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/** Checks a host's form: IPv4, IPv6 (with or without brackets) or a host name. */
export function hostSchema(what = 'host'): Schema<HostSpec> {
  return convert((raw, ctx): HostSpec => {
    const value = typeof raw === 'string' ? raw : String(raw);
    const expected = 'expected an IPv4 address, an IPv6 address or a host name';
    if (value === '') return fail(ctx, `invalid ${what} "": ${expected}`);
    const unbracketed = /^\[.*\]$/.test(value) ? value.slice(1, -1) : value;
    if (isIPv4(value)) return { host: value, ip: 4 };
    if (isIPv6(unbracketed)) {
      if (/^fe[89ab][0-9a-f]:/i.test(unbracketed) && !unbracketed.includes('%')) {
        return fail(ctx, `invalid ${what} ${show(value)}: a link-local IPv6 address needs its interface, e.g. ${unbracketed}%eth0`);
      }
      return { host: unbracketed, ip: 6 };
    }
    const withPort = /^(\[[0-9A-Za-z:.%_-]+\]|[0-9A-Za-z._-]+):(\d{1,5})$/.exec(value);
    if (withPort) {
      return fail(ctx, `invalid ${what} ${show(value)}: give the port as its own argument: ${withPort[1] ?? ''} ${withPort[2] ?? ''}`, 'E_USAGE', true);
    }
    if (unbracketed !== value || unbracketed.includes(':')) {
      return fail(ctx, `invalid ${what} ${show(value)}: not a valid IPv6 address`);
    }
    if (/^[0-9.]+$/.test(value)) return fail(ctx, `invalid ${what} ${show(value)}: not a valid IPv4 address`);
    const name = value.endsWith('.') ? value.slice(0, -1) : value;
    if (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) {
      return fail(ctx, `invalid ${what} ${show(value)}: ${expected}`);
    }
    return { host: name, ip: 0 };
  });
}

/** One of a fixed list of words, e.g. `--format json`. */
export function choiceSchema<const T extends readonly string[]>(what: string, choices: T): Schema<T[number]> {
  return convert((raw, ctx) => {
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw;
    return fail(ctx, `invalid ${what} ${show(raw)}: expected one of ${choices.join(', ')}`);
  });
}

/** The highest rate `--rate` takes: ten million per second, beyond what one socket sends. */
export const MAX_RATE = 10_000_000;

/** A positive rate per second, decimals allowed (`--rate 0.5` is one every 2 s), up to {@link MAX_RATE}. */
export function rateSchema(what: string): Schema<number> {
  return convert((raw, ctx) => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    const value = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!(value > 0 && value <= MAX_RATE)) {
      return fail(ctx, `invalid ${what} ${show(raw)}: expected a number per second above 0, up to ${MAX_RATE}`);
    }
    return value;
  });
}
