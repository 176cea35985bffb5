/** The command line of `udp-compare`: yargs declares it, zod checks it once, into a typed {@link CompareConfig}. */
import yargs from 'yargs';
import * as z from 'zod/mini';
import { SCENARIO_NAMES, type ScenarioName, type Workload } from '../compare/types.js';
import { MAX_DATAGRAM } from '../types.js';
import { addIssue, convert, destinationPortSchema, durationSchema, intSchema, parseWith, type Schema } from '../core/schemas.js';
import { show } from '../format/show.js';
import { choiceSchema, hostSchema } from './schemas.js';
import type { CliIO } from './io.js';
import { parseArgs } from './run.js';
import type { Example } from './help.js';

/** The report formats. */
export const REPORT_FORMATS = ['text', 'json', 'markdown', 'html'] as const;

/** Everything `udp-compare` was asked to do, validated. */
export interface CompareConfig {
  remote: { host: string; port: number } | undefined;
  scenarios: ScenarioName[];
  workload: Workload;
  format: (typeof REPORT_FORMATS)[number];
  /** --save DIR: also write the report as JSON and HTML there, and print the HTML's path. */
  save: string | undefined;
  /** --baseline FILE: an earlier JSON report to show each row's change against. */
  baseline: string | undefined;
}

/** A percentage: `5%`, `5` or `12.5%` → 0.05, 0.05, 0.125. */
function percentSchema(what: string): Schema<number> {
  return convert((raw, ctx) => {
    const text = typeof raw === 'string' ? raw.trim() : String(raw);
    const match = /^(\d+(?:\.\d+)?)%?$/.exec(text);
    const value = match ? Number(match[1]) : Number.NaN;
    if (!(value >= 0 && value <= 100)) {
      addIssue(ctx, `invalid ${what} ${show(raw)}: expected a percentage from 0 to 100, e.g. 5%`);
      return 0;
    }
    return value / 100;
  });
}

const BIT_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** A link rate as tc writes it: `20mbit`, `500kbit`, `1gbit`, or bits per second; from 100 kbit/s to 10 Gbit/s. */
function bitRateSchema(what: string): Schema<number> {
  return convert((raw, ctx) => {
    const text = (typeof raw === 'string' ? raw.trim() : String(raw)).toLowerCase();
    const match = /^(\d+(?:\.\d+)?)([kmg]?)(?:bit)?$/.exec(text);
    const value = match ? Number(match[1]) * (BIT_UNITS[match[2] ?? ''] ?? 1) : Number.NaN;
    if (!(value >= 100e3 && value <= 10e9)) {
      addIssue(ctx, `invalid ${what} ${show(raw)}: expected a rate from 100kbit to 10gbit, e.g. 20mbit`);
      return 0;
    }
    return value;
  });
}

const compareSchema = z.pipe(
  z.object({
    host: z.optional(hostSchema('host')),
    port: z.optional(destinationPortSchema),
    // A repeated flag arrives as an array, a single one as a string.
    scenario: z.optional(z.pipe(z.transform((v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v])), z.array(choiceSchema('--scenario', SCENARIO_NAMES)))),
    messages: intSchema('--messages', 1, 1_000_000),
    size: intSchema('--size', 1, MAX_DATAGRAM.IPv4),
    rate: intSchema('--rate', 0, 10_000_000),
    loss: percentSchema('--loss'),
    duplicate: percentSchema('--duplicate'),
    'link-rate': bitRateSchema('--link-rate'),
    'link-buffer': durationSchema('--link-buffer', 'milliseconds'),
    format: choiceSchema('--format', REPORT_FORMATS),
    save: z.optional(z.string()),
    baseline: z.optional(z.string()),
  }),
  z.transform((args, ctx): CompareConfig => {
    if ((args.host === undefined) !== (args.port === undefined)) {
      addIssue(ctx, 'give both HOST and PORT of a remote echo pair, or neither');
    }
    return {
      remote: args.host && args.port !== undefined ? { host: args.host.host, port: args.port } : undefined,
      scenarios: [...new Set(args.scenario ?? [])],
      workload: {
        messages: args.messages,
        size: args.size,
        rate: args.rate,
        loss: args.loss,
        duplicate: args.duplicate,
        linkRate: args['link-rate'],
        linkBufferMs: args['link-buffer'],
      },
      format: args.format,
      save: args.save,
      baseline: args.baseline,
    };
  }),
);

/** The examples of `--help`. */
export const COMPARE_EXAMPLES: readonly Example[] = [
  ['$0', 'every scenario on loopback'],
  ['$0 -s boundaries -s overload', 'two scenarios'],
  ['$0 -f markdown -s lossy-link', 'a table to paste (ip, nft; root or userns)'],
  ['$0 -s bottleneck --link-rate 10mbit', 'through a congested router (ip, tc; root or userns)'],
  ['$0 --save reports --baseline reports/last.json', 'keep this run, compared with an earlier one'],
  ['$0 192.0.2.10 5005', 'against a remote echo pair'],
];

/** Declares the flags of `udp-compare`. */
export function compareCommand(argv: string[]) {
  return yargs(argv)
    .scriptName('udp-compare')
    .usage(
      '$0 [options] [host port]\n\n' +
        'Run the same workloads over UDP and TCP and print one side-by-side report,\n' +
        'every figure measured now. With no HOST PORT, everything runs on loopback with\n' +
        'in-process echo listeners. With HOST PORT, it talks to `udp-listen --echo PORT`\n' +
        'and `udp-listen --tcp --echo PORT` there (local-only scenarios are skipped).',
    )
    .command('$0 [host] [port]', false)
    .positional('host', { type: 'string', describe: 'Remote echo host' })
    .positional('port', { type: 'string', describe: 'Remote echo port (UDP and TCP)' })
    .option('scenario', { alias: 's', type: 'string', describe: `Run only these (repeatable): ${SCENARIO_NAMES.join(', ')}` })
    .option('messages', { alias: 'n', type: 'string', default: '1000', describe: 'Messages per workload' })
    .option('size', { type: 'string', default: '64', describe: 'Message size in bytes' })
    .option('rate', { type: 'string', default: '10000', describe: 'Messages per second for paced workloads (0: unpaced)' })
    .option('loss', { type: 'string', default: '10%', describe: 'Lossy link: share of packets dropped' })
    .option('duplicate', { type: 'string', default: '0%', describe: 'Lossy link: share of UDP packets duplicated' })
    .option('link-rate', { type: 'string', default: '20mbit', describe: 'Bottleneck: the link rate (tbf), e.g. 20mbit' })
    .option('link-buffer', { type: 'string', default: '50ms', describe: 'Bottleneck: the queue, as the longest a packet waits in it (bare number: ms)' })
    .option('format', { alias: 'f', type: 'string', default: 'text', describe: 'Report format: text, json, markdown or html (one file, plots inline)' })
    .option('save', { type: 'string', describe: 'Also write the report to DIR as JSON and HTML, and print the HTML\'s path' })
    .option('baseline', { type: 'string', describe: 'An earlier JSON report (from --save or -f json): show each row\'s change since it' });
}

/** Parses and validates argv; undefined when --help or --version was printed. */
export async function parseCompareArgs(argv: string[], io: CliIO): Promise<CompareConfig | undefined> {
  const raw = await parseArgs(compareCommand(argv), argv, io, { repeatable: ['scenario', 's'], examples: COMPARE_EXAMPLES });
  return raw === undefined ? undefined : parseWith(compareSchema, raw);
}
