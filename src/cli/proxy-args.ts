/** The command line of `udp-proxy`: yargs declares it, zod checks it once, into a typed {@link ProxyConfig}. */
import yargs from 'yargs';
import * as z from 'zod/mini';
import { addIssue, destinationPortSchema, durationSchema, intSchema, listenPortSchema, parseWith } from '../core/schemas.js';
import { show } from '../format/show.js';
import { UdpkitError } from '../errors.js';
import type { LinkImpairments } from '../proxy/impairments.js';
import type { RelayOptions } from '../proxy/relay-options.js';
import { DATAGRAM_ONLY, flagImpairments, IMPAIRMENT_FLAGS } from '../proxy/schema.js';
import { parseBytesOrDuration, EXPECTED } from '../proxy/values.js';
import { choiceSchema, hostSchema, type HostSpec } from './schemas.js';
import { cidrLists } from './allow-deny.js';
import { metricsAddressSchema, type MetricsAddress } from './metrics-arg.js';
import type { CliIO } from './io.js';
import { parseArgs } from './run.js';
import type { Example } from './help.js';
import type { WebAddress } from '../web/address.js';
import { webAddressSchema } from './web-arg.js';

/** `-f`: a record per datagram as text or JSON lines; none without it. */
export const PROXY_FORMATS = ['text', 'json'] as const;

/** TCP's own stream impairments. */
export interface TcpStreamOptions {
  /** Writes cut into pieces of at most this many bytes. */
  slice: number | undefined;
  /** Reset both sides after this many bytes (client → target) or this long. */
  resetAfter: { bytes: number } | { ms: number } | undefined;
  /** Stop forwarding (keeping the connection open) after this many bytes or this long. */
  blackholeAfter: { bytes: number } | { ms: number } | undefined;
}

/** Everything `udp-proxy` was asked to do, validated. */
export interface ProxyConfig extends TcpStreamOptions {
  listenPort: number;
  target: HostSpec;
  targetPort: number;
  host: string | undefined;
  family: 0 | 4 | 6;
  link: Required<LinkImpairments>;
  seed: number | undefined;
  sessionTimeoutMs: number;
  maxSessions: number;
  format: (typeof PROXY_FORMATS)[number] | undefined;
  pcap: string | undefined;
  verbose: boolean;
  /** --web: where the live page listens. */
  web: WebAddress | undefined;
  /** --control: where the HTTP JSON API listens. */
  control: { host: string; port: number } | undefined;
  tcp: boolean;
  /** --allow / --deny CIDR: the clients relayed, the clients dropped (counted `denied`). */
  allow: string[];
  deny: string[];
  /** --metrics [ADDR:]PORT: serve Prometheus metrics there. */
  metrics: MetricsAddress | undefined;
}

/** Flags that need datagrams or sessions: with --tcp each is refused with the reason. */
const UDP_ONLY: Readonly<Record<string, string>> = {
  ...DATAGRAM_ONLY,
  'max-sessions': 'TCP has connections, not sessions',
  'session-timeout': 'TCP has connections, not sessions',
  pcap: 'a TCP stream is not written as packets (capture it with tshark)',
  web: 'the page shows datagrams and their fates',
};

/** `[ADDR:]PORT` of --control: loopback unless an address is given. */
function controlAddress(raw: string): { host: string; port: number } | undefined {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost):)?(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || !(port >= 0 && port <= 65_535)) return undefined;
  return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

const impairmentShape = Object.fromEntries(IMPAIRMENT_FLAGS.filter((f) => f !== 'keep-order').map((f) => [f, z.optional(z.union([z.string(), z.array(z.string())]))]));

const proxySchema = z.pipe(
  z.object({
    ...impairmentShape,
    listenPort: z.optional(z.string()),
    targetHost: z.optional(hostSchema('TARGET_HOST')),
    targetPort: z.optional(z.string()),
    'keep-order': z.optional(z.boolean()),
    host: z.optional(hostSchema('--host')),
    4: z.optional(z.boolean()),
    6: z.optional(z.boolean()),
    seed: z.optional(intSchema('--seed', 0, 0xffff_ffff)),
    'session-timeout': z.optional(durationSchema('--session-timeout', 'seconds')),
    'max-sessions': z.optional(intSchema('--max-sessions', 1, 1_000_000)),
    format: z.optional(choiceSchema('--format', PROXY_FORMATS)),
    pcap: z.optional(z.string()),
    verbose: z.optional(z.boolean()),
    control: z.optional(z.string()),
    web: z.optional(webAddressSchema),
    tcp: z.optional(z.boolean()),
    slice: z.optional(intSchema('--slice', 1, 1 << 24)),
    'reset-after': z.optional(z.string()),
    'blackhole-after': z.optional(z.string()),
    allow: z.optional(z.union([z.string(), z.array(z.string())])),
    deny: z.optional(z.union([z.string(), z.array(z.string())])),
    metrics: z.optional(metricsAddressSchema),
  }),
  z.transform((args, ctx): ProxyConfig => {
    const listen = listenPortSchema.safeParse(args.listenPort);
    if (!listen.success) addIssue(ctx, listen.error.issues[0]?.message.replace('port', 'LISTEN_PORT') ?? 'invalid LISTEN_PORT');
    const targetPort = destinationPortSchema.safeParse(args.targetPort);
    if (!targetPort.success) addIssue(ctx, targetPort.error.issues[0]?.message.replace('port', 'TARGET_PORT') ?? 'invalid TARGET_PORT');
    if (args[4] === true && args[6] === true) addIssue(ctx, '-4 and -6 cannot be used together: pick one family');
    const flags = args as unknown as Record<string, string | string[] | undefined>;
    const { link, issues } = flagImpairments(flags, args['keep-order'] === true);
    for (const issue of issues) addIssue(ctx, issue);
    const control = args.control === undefined ? undefined : controlAddress(args.control);
    if (args.control !== undefined && control === undefined) addIssue(ctx, `invalid --control ${show(args.control)}: expected [ADDRESS:]PORT (8474, 127.0.0.1:8474, [::1]:8474)`);
    if (args.pcap === '') addIssue(ctx, 'invalid --pcap "": expected a file to write');
    const after = (flag: 'reset-after' | 'blackhole-after') => {
      const raw = args[flag];
      if (raw === undefined) return undefined;
      const parsed = parseBytesOrDuration(raw);
      if (parsed === undefined) addIssue(ctx, `invalid --${flag} ${show(raw)}: ${EXPECTED.bytesOrDuration}`);
      return parsed;
    };
    const tcpOnly = (['slice', 'reset-after', 'blackhole-after'] as const).filter((flag) => args[flag] !== undefined);
    if (args.tcp !== true && tcpOnly.length > 0) addIssue(ctx, `--${tcpOnly[0]} works with --tcp only: a datagram is not a stream`);
    if (args.tcp === true) {
      const refused = Object.keys(UDP_ONLY).find((flag) => flags[flag] !== undefined);
      if (refused !== undefined) addIssue(ctx, `--${refused} works with UDP only: ${UDP_ONLY[refused]}`);
    }
    return {
      listenPort: listen.success ? listen.data : 0,
      target: args.targetHost ?? { host: '', ip: 0 },
      targetPort: targetPort.success ? targetPort.data : 0,
      host: args.host?.host,
      family: args[4] === true ? 4 : args[6] === true ? 6 : 0,
      link,
      seed: args.seed,
      sessionTimeoutMs: (args['session-timeout'] ?? 60) * 1000,
      maxSessions: args['max-sessions'] ?? 1024,
      format: args.format,
      pcap: args.pcap,
      verbose: args.verbose === true,
      control,
      web: args.web,
      tcp: args.tcp === true,
      slice: args.slice,
      resetAfter: after('reset-after'),
      blackholeAfter: after('blackhole-after'),
      ...cidrLists(args, ctx),
      metrics: args.metrics,
    };
  }),
);

/** The examples of `--help`. */
export const PROXY_EXAMPLES: readonly Example[] = [
  ['$0 6000 127.0.0.1 5005', 'relay port 6000 to a server on 5005, no impairment'],
  ['$0 --delay 50ms --loss 2% --loss-burst 3 6000 127.0.0.1 5005', 'a lossy 50 ms link, losses in bursts'],
  ['$0 --delay up:40ms --delay down:5ms 6000 ::1 5005', 'different each way'],
  ['$0 --delay 20ms --jitter 10ms 6000 127.0.0.1 5005', 'datagrams overtake one another'],
  ['$0 --rate 1mbit --queue 100ms 6000 127.0.0.1 5005', 'a 1 Mbit/s bottleneck'],
  ['$0 --seed 7 -f json --loss 10% 6000 127.0.0.1 5005', 'every fate as JSON, the same each run'],
  ['$0 --web 8080 --loss 5% 6000 127.0.0.1 5005', 'and a live page of both directions and each fate: open the address it prints'],
  ['$0 --control 8474 6000 127.0.0.1 5005', 'change the link live: curl -X PUT -d \'{"loss":"100%"}\' 127.0.0.1:8474/up'],
  ['$0 --tcp --delay 100ms 8080 127.0.0.1 80', 'a slow TCP link'],
];

const PROXY_EPILOGUE =
  'Each impairment applies both ways; prefix its value with up: (client to target) or down: (target to client) for one ' +
  'direction, and give the flag again for the other. Every random decision comes from --seed (printed when not given), ' +
  'so a run can be repeated. Ctrl+C prints a summary per direction.';

/** Declares the flags of `udp-proxy` (all values as strings: zod does the checking). */
export function proxyCommand(argv: string[]) {
  const impairment = (describe: string) => ({ type: 'string' as const, describe });
  return yargs(argv)
    .scriptName('udp-proxy')
    .usage(
      '$0 [options] <listen-port> <target-host> <target-port>\n\n' +
        'Relay UDP datagrams from LISTEN_PORT to TARGET and every answer back to its client,\n' +
        'through a bad link: loss, delay, jitter, duplicates, corruption, reordering, a rate\n' +
        'limit, an MTU, outages. No root needed. With --tcp, relay connections instead.',
    )
    .command('$0 <listen-port> <target-host> <target-port>', false)
    .positional('listen-port', { type: 'string', describe: 'Port to listen on (0 for a free one)' })
    .positional('target-host', { type: 'string', describe: 'Where to relay: an address or host name' })
    .positional('target-port', { type: 'string', describe: "The target's port" })
    .option('loss', impairment('Lose P% of datagrams at random (2%)'))
    .option('loss-burst', impairment('With --loss: losses in bursts of mean length N (Gilbert-Elliott)'))
    .option('delay', impairment('Delay each datagram (40ms); up:40ms for one direction'))
    .option('jitter', impairment('Add a normal offset of this standard deviation to the delay (10ms)'))
    .option('keep-order', { type: 'boolean', describe: 'With jitter: hold each datagram behind the one before it' })
    .option('duplicate', impairment('Send P% of datagrams twice'))
    .option('corrupt', impairment('Flip one random bit in P% of datagrams'))
    .option('reorder', impairment('Hold P% back by one more delay (10 ms without one)'))
    .option('rate', impairment("Link rate in tc's units: 64kbit, 20mbit, 100kbps (bytes/s)"))
    .option('queue', impairment('With --rate: the queue holds this much backlog; the rest is dropped (default 50ms)'))
    .option('mtu', impairment('Drop datagrams larger than N bytes'))
    .option('outage', impairment('Go dark FOR out of every EVERY (10s/2s)'))
    .option('seed', { type: 'string', describe: 'Seed of every random decision (printed when not given)' })
    .option('host', { type: 'string', describe: 'Bind this address only (default: all interfaces, IPv4 and IPv6)' })
    .option('4', { type: 'boolean', describe: 'IPv4 only' })
    .option('6', { type: 'boolean', describe: 'IPv6 only' })
    .option('session-timeout', { type: 'string', describe: 'End a session silent this long (default 60s)' })
    .option('max-sessions', { type: 'string', describe: 'Sessions at once (default 1024); further clients dropped and counted' })
    .option('format', { alias: 'f', type: 'string', describe: 'A record per datagram on stdout: text or json' })
    .option('pcap', { type: 'string', describe: 'Write both legs to FILE as a pcap capture' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'A line on stderr per session (TCP: connection) opened and closed' })
    .option('control', { type: 'string', describe: 'Serve the HTTP JSON API on [ADDR:]PORT (loopback by default)' })
    .option('web', { type: 'string', describe: 'Serve a live page of both directions and each datagram\'s fate on [ADDR:]PORT (127.0.0.1 unless given); needs the token it prints' })
    .option('tcp', { type: 'boolean', describe: 'Relay TCP connections (stream impairments only)' })
    .option('slice', { type: 'string', describe: 'TCP: cut writes into pieces of at most N bytes' })
    .option('reset-after', { type: 'string', describe: 'TCP: reset the connection after N bytes or a duration (64k, 2s)' })
    .option('blackhole-after', { type: 'string', describe: 'TCP: stop forwarding after N bytes or a duration, connection kept open' })
    .option('allow', { type: 'string', describe: 'Relay only clients in CIDR (192.0.2.0/24, 2001:db8::/32); repeatable; others dropped and counted' })
    .option('deny', { type: 'string', describe: 'Drop (and count) clients in CIDR; repeatable' })
    .option('metrics', { type: 'string', describe: 'Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address 127.0.0.1)' });
}

/** Flags whose value may be negative-looking (`--delay -1ms`): joined to it, so the value is checked, not taken for an option. */
const VALUE_FLAGS = new Set([...IMPAIRMENT_FLAGS, 'seed', 'session-timeout', 'max-sessions', 'slice', 'reset-after', 'blackhole-after'].map((f) => `--${f}`));

/**
 * `--delay -1ms` as `--delay=-1ms`, so that the value is refused for what it is; `--keep-order up:…` refused,
 * as the flag has no value and no direction.
 * @throws UdpkitError E_USAGE
 */
function joinValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === '--') return [...out, ...argv.slice(i)];
    if (arg === '--keep-order' && next !== undefined && /^(up|down):/.test(next)) {
      throw new UdpkitError('E_USAGE', `--keep-order takes no value and no direction (${show(next)}): it keeps the order both ways; give it alone`);
    }
    if (VALUE_FLAGS.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

/** Flags that are one for the whole relay: a direction prefix on them is refused. */
const UNDIRECTED = ['seed', 'session-timeout', 'max-sessions', 'slice', 'reset-after', 'blackhole-after', 'control', 'pcap'] as const;

/** Parses and validates argv; undefined when --help or --version was printed. */
export async function parseProxyArgs(given: string[], io: CliIO): Promise<ProxyConfig | undefined> {
  const argv = joinValues(given);
  const raw = await parseArgs(proxyCommand(argv), argv, io, { repeatable: [...IMPAIRMENT_FLAGS, 'allow', 'deny'], examples: PROXY_EXAMPLES, epilogue: PROXY_EPILOGUE });
  if (raw === undefined) return undefined;
  for (const flag of UNDIRECTED) {
    const value = (raw as Record<string, unknown>)[flag];
    if (typeof value === 'string' && /^(up|down):/.test(value)) {
      throw new UdpkitError('E_USAGE', `invalid --${flag} ${show(value)}: --${flag} has no direction (up:/down: are for the impairments); give it once for the whole relay`);
    }
  }
  return parseWith(proxySchema, raw);
}

/** The options both relays take, from the command line's config. */
export function relayOptionsOf(config: ProxyConfig): RelayOptions {
  return {
    port: config.listenPort,
    host: config.host,
    family: config.family,
    target: { host: config.target.host, port: config.targetPort },
    up: config.link.up,
    down: config.link.down,
    seed: config.seed,
    allow: config.allow,
    deny: config.deny,
  };
}
