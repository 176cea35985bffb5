/**
 * The REPLY of a responder rule: text with `-e` escapes and placeholders (`{{1}}`…`{{9}}`, `{{payload}}`,
 * `{{seq}}`, `{{time}}`, `{{epoch-ms}}`, `{{sender}}`, `{{hex:…}}`, `{{len}}`), or `hex:…` bytes; parsed, printed
 * back, rendered, and bounded: {@link templateBound} is the most bytes a template can ever render to.
 */
import { UdpkitError } from '../errors.js';
import { decodeHex, unescapeMessage } from '../format/payload.js';
import { formatEndpoint } from '../format/endpoint.js';
import { show } from '../format/show.js';
import { MAX_DATAGRAM, type Endpoint } from '../types.js';
import { escapeText, type Captures } from './match.js';

/** A placeholder whose value comes from the message being answered. */
export type Variable = 'payload' | 'seq' | 'time' | 'epoch-ms' | 'sender' | 'len';

/** One piece of a template: fixed bytes, a capture (1-9), or a variable. */
export type Part = { readonly bytes: Buffer } | { readonly capture: number } | { readonly variable: Variable };

/** A parsed REPLY. `hex` when it was written as `hex:…` (printed back that way). */
export interface Template {
  readonly parts: readonly Part[];
  readonly hex: boolean;
}

/** The largest payload a message can carry (UDP over IPv6): no capture or `{{payload}}` is longer. */
const MAX_PAYLOAD = MAX_DATAGRAM.IPv6;
/** The most bytes a {{sender}} is written in: longer (an IPv6 address with a long zone) is cut. */
export const SENDER_MAX = 72;

/** The most bytes each variable renders to. */
const VARIABLE_BOUND: Record<Variable, number> = {
  payload: MAX_PAYLOAD,
  // Number.MAX_SAFE_INTEGER has 16 digits; any epoch-ms JavaScript can hold has 16 and a sign (before 1970).
  seq: 16,
  'epoch-ms': 17,
  // `+275760-09-13T00:00:00.000Z`, the last date JavaScript has, is 27 characters.
  time: 27,
  sender: SENDER_MAX,
  len: 5,
};

const VARIABLES = Object.keys(VARIABLE_BOUND) as Variable[];

/** What a template is rendered with. */
export interface RenderContext {
  payload: Buffer;
  captures: Captures;
  /** This rule's answer count, from 1. */
  seq: number;
  /** Epoch milliseconds. */
  now: number;
  from: Endpoint;
}

function placeholder(name: string, where: string, text: string): Part {
  if (/^[1-9]$/.test(name)) return { capture: Number(name) };
  if ((VARIABLES as string[]).includes(name)) return { variable: name as Variable };
  if (name.startsWith('hex:')) {
    try {
      return { bytes: decodeHex(name.slice(4)) };
    } catch (error) {
      throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: {{${name}}}: ${(error as Error).message}`);
    }
  }
  throw new UdpkitError(
    'E_USAGE',
    `invalid ${where} ${show(text)}: unknown placeholder {{${name}}}: expected {{1}}…{{9}}, {{${VARIABLES.join('}}, {{')}}} or {{hex:…}}`,
  );
}

function literal(text: string, where: string, whole: string): Part {
  try {
    return { bytes: unescapeMessage(text) };
  } catch (error) {
    throw new UdpkitError('E_USAGE', `invalid ${where} ${show(whole)}: ${(error as Error).message}`);
  }
}

/**
 * Parses a REPLY as the command line and rule files write it.
 * @throws UdpkitError E_USAGE naming the bad REPLY and what was expected
 */
export function parseTemplate(text: string, where = 'REPLY'): Template {
  if (text.startsWith('hex:')) {
    try {
      return { parts: [{ bytes: decodeHex(text.slice(4)) }], hex: true };
    } catch (error) {
      throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: ${(error as Error).message}`);
    }
  }
  const parts: Part[] = [];
  let at = 0;
  for (let open = text.indexOf('{{'); open !== -1; open = text.indexOf('{{', at)) {
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new UdpkitError('E_USAGE', `invalid ${where} ${show(text)}: {{ without }} (write \\x7b for a literal {)`);
    if (open > at) parts.push(literal(text.slice(at, open), where, text));
    parts.push(placeholder(text.slice(open + 2, close), where, text));
    at = close + 2;
  }
  if (at < text.length) parts.push(literal(text.slice(at), where, text));
  return { parts, hex: false };
}

/** Prints a template back as REPLY text that parses to an equivalent template. */
export function printTemplate(template: Template): string {
  if (template.hex) return `hex:${Buffer.concat(template.parts.map((p) => ('bytes' in p ? p.bytes : Buffer.alloc(0)))).toString('hex')}`;
  let out = '';
  for (const [index, part] of template.parts.entries()) {
    if ('capture' in part) out += `{{${part.capture}}}`;
    else if ('variable' in part) out += `{{${part.variable}}}`;
    else {
      // `{` always escaped (no `{{` can form), and a leading `hex:` too (it would make the whole reply hex).
      const guardHex = index === 0 && part.bytes.toString('latin1').startsWith('hex:');
      out += escapeText(part.bytes, (b, i) => b === 0x7b || (guardHex && i === 0));
    }
  }
  return out;
}

/** The bytes of the fixed parts alone: what the template renders to at the least. */
export function templateFixedBytes(template: Template): number {
  return template.parts.reduce((sum, p) => sum + ('bytes' in p ? p.bytes.length : 0), 0);
}

/** The most bytes `template` can render to, whatever message it answers. */
export function templateBound(template: Template): number {
  return template.parts.reduce((sum, p) => sum + ('bytes' in p ? p.bytes.length : 'capture' in p ? MAX_PAYLOAD : VARIABLE_BOUND[p.variable]), 0);
}

function variableBytes(variable: Variable, ctx: RenderContext): Buffer {
  switch (variable) {
    case 'payload':
      return ctx.payload;
    case 'seq':
      return Buffer.from(String(ctx.seq));
    case 'time':
      return Buffer.from(new Date(Math.floor(ctx.now)).toISOString());
    case 'epoch-ms':
      return Buffer.from(String(Math.floor(ctx.now)));
    case 'sender':
      return Buffer.from(formatEndpoint(ctx.from)).subarray(0, SENDER_MAX);
    case 'len':
      return Buffer.from(String(ctx.payload.length));
  }
}

/** Renders `template` for one message. */
export function renderTemplate(template: Template, ctx: RenderContext): Buffer {
  const first = template.parts[0];
  if (template.parts.length === 1 && first !== undefined && 'bytes' in first) return first.bytes;
  const pieces = template.parts.map((p) =>
    'bytes' in p ? p.bytes : 'capture' in p ? (ctx.captures[p.capture - 1] ?? Buffer.alloc(0)) : variableBytes(p.variable, ctx),
  );
  return Buffer.concat(pieces);
}

/** The template's parts with adjacent fixed bytes merged, as comparable strings. */
function normalized(template: Template): string[] {
  const out: string[] = [];
  let fixed = '';
  for (const p of template.parts) {
    if ('bytes' in p) {
      fixed += p.bytes.toString('hex');
      continue;
    }
    if (fixed !== '') out.push(`bytes ${fixed}`);
    fixed = '';
    out.push('capture' in p ? `capture ${p.capture}` : `variable ${p.variable}`);
  }
  if (fixed !== '') out.push(`bytes ${fixed}`);
  return out;
}

/** Whether two templates render the same bytes for every message (adjacent fixed parts may be split differently). */
export function sameTemplate(a: Template, b: Template): boolean {
  return normalized(a).join('|') === normalized(b).join('|');
}
