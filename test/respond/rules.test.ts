/**
 * The responder's parts without sockets: MATCH and REPLY parsing (tables and fast-check properties: every parsed
 * rule prints back to an equivalent rule; no template renders more bytes than its bound), rules in order, times,
 * state, and the regex time budget.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMatch, printMatch, sameMatcher, matchBytes } from '../../src/respond/match.js';
import { parseTemplate, printTemplate, renderTemplate, sameTemplate, templateBound, type Template } from '../../src/respond/template.js';
import { parseRuleLine, printRuleLine, sameRule } from '../../src/respond/rules.js';
import { Responder } from '../../src/respond/responder.js';
import { regexCpuCeilingMs } from '../../src/respond/regex-budget.js';
import { threadCpuMs } from '../../src/respond/cpu-clock.js';
import { checkRules, parseRulesFile } from '../../src/respond/rules-file.js';
import { parseScript } from '../../src/respond/script-file.js';
import { UdpkitError } from '../../src/errors.js';
import type { Endpoint } from '../../src/types.js';

const RUNS = { seed: 20261202, numRuns: 300 };
const FROM: Endpoint = { address: '127.0.0.1', port: 40000, family: 'IPv4' };

describe('MATCH', () => {
  it.each([
    ['READ?', 'exact', 'READ?'],
    ['DATA*', 'prefix', 'DATA'],
    ['a\\*', 'exact', 'a*'],
    ['\\r\\n\\x00', 'exact', '\r\n\0'],
    ['*', 'prefix', ''],
  ])('%s is %s %j', (text, kind, bytes) => {
    const m = parseMatch(text);
    expect(m.kind).toBe(kind);
    if (m.kind !== 'regex') expect(m.bytes.toString('latin1')).toBe(bytes);
  });

  it('hex matches bytes, `*` for the rest', () => {
    const m = parseMatch('hex:02ff*');
    expect(m.kind === 'prefix' && matchBytes(m, Buffer.from([2, 0xff, 7]))).toEqual([Buffer.from([7])]);
    expect(m.kind === 'prefix' && matchBytes(m, Buffer.from([2, 0xfe]))).toBe(undefined);
  });

  it.each([
    ['/(/', 'Invalid regular expression'],
    ['/a/g', 'expected some of d i m s u v'],
    ['hex:0g', 'is not a hex digit'],
    ['bad\\q', 'invalid escape'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseMatch(text)).toThrow(UdpkitError);
    expect(() => parseMatch(text)).toThrow(message);
  });

  const anyMatch = fc.oneof(
    fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.boolean()).map(([bytes, star, hex]) => {
      const b = Buffer.from(bytes);
      return hex ? `hex:${b.toString('hex')}${star ? '*' : ''}` : printMatch({ kind: star ? 'prefix' : 'exact', bytes: b, hex: false });
    }),
    fc.string({ maxLength: 40 }),
    fc.tuple(fc.constantFrom('^GET (\\w+)$', 'a|b', '\\d+', '(x)(y)?', '[/]'), fc.constantFrom('', 'i', 'ms', 'u')).map(([s, f]) => `/${s}/${f}`),
  );

  it('every parsed MATCH prints back to an equivalent one (property)', () => {
    fc.assert(
      fc.property(anyMatch, (text) => {
        let m;
        try {
          m = parseMatch(text);
        } catch (error) {
          expect(error).toBeInstanceOf(UdpkitError);
          return;
        }
        expect(sameMatcher(parseMatch(printMatch(m)), m)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('REPLY', () => {
  const ctx = { payload: Buffer.from('GET key'), captures: [Buffer.from('key')], seq: 3, now: Date.UTC(2026, 11, 2), from: FROM };

  it.each([
    ['VALUE {{1}}', 'VALUE key'],
    ['#{{seq}} {{len}} {{sender}}', '#3 7 127.0.0.1:40000'],
    ['{{epoch-ms}}', String(Date.UTC(2026, 11, 2))],
    ['{{time}}', '2026-12-02T00:00:00.000Z'],
    ['<{{payload}}>\\r\\n', '<GET key>\r\n'],
    ['a{{hex:00ff}}b', 'a\u0000\u00ffb'],
    ['hex:5445', 'TE'],
    ['{{2}}', ''],
  ])('%s renders %j', (text, out) => {
    expect(renderTemplate(parseTemplate(text), ctx).toString('latin1')).toBe(out);
  });

  it.each([
    ['{{nope}}', 'unknown placeholder {{nope}}'],
    ['{{1', '{{ without }}'],
    ['{{hex:zz}}', 'is not a hex digit'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseTemplate(text)).toThrow(message);
  });

  const part = fc.oneof(
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[{}\\]/g, '')),
    fc.constantFrom('{{1}}', '{{9}}', '{{payload}}', '{{seq}}', '{{time}}', '{{epoch-ms}}', '{{sender}}', '{{len}}', '{{hex:00ff7b}}', '\\x7b', '\\r\\n'),
  );
  const anyTemplate = fc.oneof(
    fc.array(part, { maxLength: 8 }).map((parts) => parts.join('')),
    fc.uint8Array({ maxLength: 30 }).map((b) => `hex:${Buffer.from(b).toString('hex')}`),
  );

  it('every parsed REPLY prints back to an equivalent one (property)', () => {
    fc.assert(
      fc.property(anyTemplate, (text) => {
        const t = parseTemplate(text);
        const back: Template = parseTemplate(printTemplate(t));
        expect(sameTemplate(back, t)).toBe(true);
      }),
      RUNS,
    );
  });

  it('no template renders more bytes than its bound (property)', () => {
    const endpoint = fc.record({
      address: fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => `${a}%${'x'.repeat(15)}`)),
      port: fc.integer({ min: 0, max: 65535 }),
      family: fc.constant('IPv6' as const),
    });
    fc.assert(
      fc.property(
        anyTemplate,
        fc.integer({ min: 0, max: 65_527 }),
        fc.array(fc.integer({ min: 0, max: 65_527 }), { maxLength: 9 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        endpoint,
        (text, size, captureSizes, seq, now, from) => {
          const t = parseTemplate(text);
          const payload = Buffer.alloc(size, 0x61);
          const captures = captureSizes.map((n) => payload.subarray(0, n));
          const out = renderTemplate(t, { payload, captures, seq, now, from });
          expect(out.length).toBeLessThanOrEqual(templateBound(t));
        },
      ),
      { ...RUNS, numRuns: 150 },
    );
  });
});

describe('rules', () => {
  it('MATCH => REPLY lines print back to equivalent rules (property)', () => {
    const side = fc.string({ maxLength: 30 }).map((s) => s.replace(/[{}\\]/g, ''));
    const matchSide = fc.oneof(side, side.map((s) => `${s}*`), fc.constantFrom('/^GET (\\w+)$/', '/a => b/i', 'hex:02ff*'));
    fc.assert(
      fc.property(matchSide, side, (m, r) => {
        let rule;
        try {
          rule = parseRuleLine(`${m} => ${r}`);
        } catch (error) {
          expect(error).toBeInstanceOf(UdpkitError);
          return;
        }
        expect(sameRule(parseRuleLine(printRuleLine(rule)), rule)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a regex with => inside is still one MATCH', () => {
    const rule = parseRuleLine('/a => b/ => X');
    expect(rule.match).toMatchObject({ kind: 'regex', source: 'a => b' });
  });

  it('refuses a line without =>, and a reply whose fixed part is over 65,507 bytes', () => {
    expect(() => parseRuleLine('READ?')).toThrow('expected MATCH => REPLY');
    expect(() => parseRuleLine(`x => hex:${'00'.repeat(65_508)}`)).toThrow('65507 bytes one UDP datagram carries');
  });

  it('tries rules in order; captures, {{seq}} per rule', () => {
    const r = new Responder([parseRuleLine('/^GET (\\w+)$/ => VALUE {{1}} #{{seq}}'), parseRuleLine('* => other')]);
    expect(r.answer(Buffer.from('GET k1'), FROM)?.replies[0]?.toString()).toBe('VALUE k1 #1');
    expect(r.answer(Buffer.from('GET k2'), FROM)?.replies[0]?.toString()).toBe('VALUE k2 #2');
    expect(r.answer(Buffer.from('PUT'), FROM)).toMatchObject({ rule: 2 });
  });

  it('times: 2 answers twice then falls through; drop swallows; state per sender', () => {
    const base = parseRuleLine('A => one');
    const r = new Responder([
      { ...base, times: 2 },
      parseRuleLine('A => two'),
      { ...parseRuleLine('X => -'), drop: true },
      { ...parseRuleLine('HELLO => WELCOME'), then: 'connected' },
      { ...parseRuleLine('DATA* => ACK'), when: 'connected' },
    ]);
    const says = (text: string, from = FROM) => r.answer(Buffer.from(text), from)?.replies.map(String);
    expect([says('A'), says('A'), says('A')]).toEqual([['one'], ['one'], ['two']]);
    expect(r.answer(Buffer.from('X'), FROM)).toMatchObject({ rule: 3, replies: [] });
    expect(says('DATA 1')).toBe(undefined);
    expect(says('HELLO')).toEqual(['WELCOME']);
    expect(says('DATA 1')).toEqual(['ACK']);
    expect(says('DATA 1', { ...FROM, port: 40001 })).toBe(undefined);
  });

  it('a catastrophic regex is stopped at the budget, and its sender cools down', () => {
    const r = new Responder([parseRuleLine('/(a+)+$/ => never'), parseRuleLine('* => fallback')], { regexBudgetMs: 20 });
    const cpu0 = threadCpuMs();
    const plan = r.answer(Buffer.from(`${'a'.repeat(30_000)}!`), FROM);
    expect(plan).toMatchObject({ rule: 2 });
    expect(r.budget.timeouts).toBe(1);
    // Not a speed assertion: the CPU-time ceiling the budget's design gives (regex-budget.test.ts shows the rest).
    expect(threadCpuMs() - cpu0).toBeLessThan(regexCpuCeilingMs(20));
    expect(r.answer(Buffer.from('aaa'), FROM)).toMatchObject({ rule: 2 });
    expect(r.budget.skipped).toBe(1);
    expect(r.answer(Buffer.from('aaa'), { ...FROM, port: 1 })).toMatchObject({ rule: 1 });
  });
});

describe('rule and script files', () => {
  const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 100 }), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }));
  const entry = fc.dictionary(fc.constantFrom('match', 'reply', 'delay', 'times', 'drop', 'when', 'then', 'send', 'expect', 'timeout', 'sleep', 'other'), value, { maxKeys: 4 });

  it('any document gives rules or steps, or one UdpkitError naming the file (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(entry, { maxLength: 4 }), value), (list) => {
        for (const run of [() => checkRules({ rules: list }, 'r.yaml'), () => parseScript(JSON.stringify({ steps: list }), 's.yaml', () => Buffer.alloc(0))]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(UdpkitError);
            expect((error as Error).message).toMatch(/^[rs]\.yaml: /);
          }
        }
      }),
      RUNS,
    );
  });

  it('YAML that is not YAML is named as such', () => {
    expect(() => parseRulesFile('rules: [', 'r.yaml')).toThrow(/^r\.yaml: not YAML or JSON: /);
  });
});
