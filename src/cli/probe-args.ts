/** The command line of `udp-probe`: yargs declares it, zod checks it once, into a typed {@link ProbeConfig}. */
import yargs from 'yargs';
import * as z from 'zod/mini';
import { addIssue, convert, durationSchema, intSchema, parseWith } from '../core/schemas.js';
import { parseTarget } from '../probe/target-spec.js';
import { PROBE_HEADER_BYTES } from '../probe/packet.js';
import type { UdpkitError } from '../errors.js';
import { choiceSchema } from './schemas.js';
import { metricsAddressSchema, type MetricsAddress } from './metrics-arg.js';
import type { CliIO } from './io.js';
import { parseArgs } from './run.js';
import type { Example } from './help.js';
import type { WebAddress } from '../web/address.js';
import { webAddressSchema } from './web-arg.js';

/** How the reports are written. */
export const PROBE_FORMATS = ['text', 'json'] as const;

/** Everything `udp-probe` was asked to do, validated. */
export interface ProbeConfig {
  targets: string[];
  intervalMs: number;
  size: number;
  timeoutMs: number;
  count: number | undefined;
  durationMs: number | undefined;
  reportMs: number;
  family: 0 | 4 | 6;
  tcp: boolean;
  format: (typeof PROBE_FORMATS)[number];
  metrics: MetricsAddress | undefined;
  /** --web: where the live page listens. */
  web: WebAddress | undefined;
}

/** Each target checked for form with the library's own parser, the bad one named. */
const targetsSchema = convert((raw, ctx): string[] => {
  const words = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  if (words.length === 0) addIssue(ctx, 'missing the target: expected HOST:PORT... (udp-probe 127.0.0.1:5005)');
  for (const word of words) {
    try {
      parseTarget(word);
    } catch (error) {
      addIssue(ctx, (error as UdpkitError).message);
    }
  }
  const seen = words.find((word, i) => words.indexOf(word) !== i);
  if (seen !== undefined) addIssue(ctx, `target ${seen} is given twice: give each target once`);
  return words;
});

const ms = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);

const probeSchema = z.pipe(
  z.object({
    targets: targetsSchema,
    interval: z.optional(durationSchema('--interval', 'seconds')),
    size: z.optional(intSchema('--size', PROBE_HEADER_BYTES, 65_507)),
    timeout: z.optional(durationSchema('--timeout', 'seconds')),
    count: z.optional(intSchema('--count', 1, Number.MAX_SAFE_INTEGER)),
    duration: z.optional(durationSchema('--duration', 'seconds')),
    report: z.optional(durationSchema('--report', 'seconds')),
    format: choiceSchema('--format', PROBE_FORMATS),
    metrics: z.optional(metricsAddressSchema),
    tcp: z.optional(z.boolean()),
    web: z.optional(webAddressSchema),
    4: z.optional(z.boolean()),
    6: z.optional(z.boolean()),
  }),
  z.transform((args, ctx): ProbeConfig => {
    if (args[4] === true && args[6] === true) addIssue(ctx, '-4 and -6 cannot be used together: pick one family');
    if (args.interval !== undefined && args.interval < 0.001) addIssue(ctx, `invalid --interval ${args.interval}s: expected at least 1ms`);
    return {
      targets: args.targets,
      intervalMs: ms(args.interval) ?? 1000,
      size: args.size ?? 64,
      timeoutMs: ms(args.timeout) ?? 1000,
      count: args.count,
      durationMs: ms(args.duration),
      reportMs: ms(args.report) ?? 10_000,
      family: args[4] === true ? 4 : args[6] === true ? 6 : 0,
      tcp: args.tcp === true,
      format: args.format,
      metrics: args.metrics,
      web: args.web,
    };
  }),
);

/** The examples of `--help`. */
export const PROBE_EXAMPLES: readonly Example[] = [
  ['$0 127.0.0.1:5005', 'probe an echo server every second (start `udp-listen --echo 5005` first)'],
  ['$0 --interval 10ms --report 1s 127.0.0.1:5005 [::1]:5005', 'two targets, 100 probes a second each'],
  ['$0 -f json --count 20 --interval 50ms 127.0.0.1:5005', 'twenty probes, NDJSON reports'],
  ['$0 --metrics 9464 db1:5005 db2:5005', 'serve http://127.0.0.1:9464/metrics for Prometheus'],
  ['$0 --tcp 127.0.0.1:5005', 'over TCP: connect timed, a round trip per probe on a kept connection (`udp-listen --tcp --echo 5005`)'],
  ['$0 --web 8080 --report 1s 127.0.0.1:5005', 'and a live page: loss, RTT and jitter a point per report'],
];

/** The closing paragraph of `--help`. */
const PROBE_EPILOGUE =
  'Against `udp-listen --echo`, loss is split into the way there (up) and the way back (down) by the echo ' +
  "server's counts; against any other echo server (socat, ncat, inetd) its direction is unknown. With --tcp, " +
  'failures (refused, reset, closed, timeout) are counted by cause and the connection opened anew. A target ' +
  'that does not resolve or answer is reported and probed on. Ctrl+C prints the summary per target and exits 0.';

/** Declares the flags of `udp-probe` (all values as strings: zod does the checking). */
export function probeCommand(argv: string[]) {
  return yargs(argv)
    .scriptName('udp-probe')
    .usage(
      '$0 [options] <target>...\n\n' +
        'Probe UDP echo servers continuously: small sequence-numbered datagrams at a fixed interval,\n' +
        'each echo matched; loss, late, duplicated and reordered echoes, RTT and jitter per target.',
    )
    .command('$0 [targets..]', false)
    .positional('targets', { type: 'string', array: true, describe: 'Echo servers as HOST:PORT: 127.0.0.1:5005, [::1]:5005, db1:7' })
    .option('interval', { alias: 'i', type: 'string', describe: 'Time between probes to each target (default 1s; bare number: seconds; or 10ms)' })
    .option('size', { alias: 's', type: 'string', describe: 'Bytes per probe, at least 12 (default 64)' })
    .option('timeout', { alias: 't', type: 'string', describe: 'An echo later than this is lost (and counted late if it comes; default 1s)' })
    .option('count', { alias: 'c', type: 'string', describe: 'Stop after N probes per target (default: until Ctrl+C)' })
    .option('duration', { alias: 'd', type: 'string', describe: 'Stop after this long (default: until Ctrl+C)' })
    .option('report', { alias: 'r', type: 'string', describe: 'A status line per target this often (default 10s)' })
    .option('format', { alias: 'f', type: 'string', default: 'text', describe: 'text: status lines on stderr; json: NDJSON reports on stdout' })
    .option('metrics', { type: 'string', describe: 'Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address 127.0.0.1)' })
    .option('tcp', { type: 'boolean', describe: 'Probe TCP echo servers: one kept connection each, reconnected when it breaks' })
    .option('web', { type: 'string', describe: 'Serve a live page of loss, RTT percentiles and jitter per target on [ADDR:]PORT (127.0.0.1 unless given); needs the token it prints' })
    .option('4', { type: 'boolean', describe: 'Resolve names to IPv4 only' })
    .option('6', { type: 'boolean', describe: 'Resolve names to IPv6 only' });
}

/** Parses and validates argv; undefined when --help or --version was printed. */
export async function parseProbeArgs(argv: string[], io: CliIO): Promise<ProbeConfig | undefined> {
  const raw = await parseArgs(probeCommand(argv), argv, io, { repeatable: ['targets'], examples: PROBE_EXAMPLES, epilogue: PROBE_EPILOGUE });
  return raw === undefined ? undefined : parseWith(probeSchema, raw);
}
