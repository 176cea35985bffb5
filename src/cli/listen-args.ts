/** The command line of `udp-listen`: yargs declares it, zod checks it once, into a typed {@link ListenConfig}. */
import yargs from 'yargs';
import * as z from 'zod/mini';
import { DEFAULT_MAX_FRAME, FRAMINGS, type Framing } from '../core/framing.js';
import { FORMATS, type Format } from '../types.js';
import { TIME_STYLES, type TimeStyle } from '../format/time.js';
import { DEFAULT_ECHO_RATE } from '../core/echo-guard.js';
import { addIssue, durationSchema, intSchema, listenPortsSchema, parseWith } from '../core/schemas.js';
import { show } from '../format/show.js';
import { choiceSchema, hostSchema } from './schemas.js';
import type { CliIO } from './io.js';
import { parseArgs } from './run.js';
import type { Example } from './help.js';
import { isIP } from 'node:net';
import { isMulticastAddress, type GroupJoin } from '../core/multicast.js';
import { metricsAddressSchema, type MetricsAddress } from './metrics-arg.js';
import type { Rule } from '../respond/rules.js';
import { groupJoins, hardening, respondRules } from './listen-checks.js';
import type { WebAddress } from '../web/address.js';
import { webAddressSchema } from './web-arg.js';

/** Everything `udp-listen` was asked to do, validated. */
export interface ListenConfig {
  /** Every port to listen on, in the order given (ranges expanded). */
  ports: number[];
  host: string | undefined;
  family: 0 | 4 | 6;
  format: Format;
  count: number | undefined;
  timeoutMs: number | undefined;
  echo: boolean;
  /** Echoes per second per sender (0: no bound). */
  echoRate: number;
  stopOn: string | undefined;
  rcvbuf: number | undefined;
  stats: boolean;
  /** TCP mode and its own flags. */
  tcp: boolean;
  frame: Framing;
  maxFrame: number;
  maxConns: number | undefined;
  idleTimeoutMs: number | undefined;
  /** -v: a line on stderr per new sender (UDP) or per connection opened and closed (TCP). */
  verbose: boolean;
  /** --join GROUP[@IFACE] (with --source-filter): the multicast groups to join. */
  join: GroupJoin[];
  /** --pcap FILE: every datagram also into this pcap file. */
  pcap: string | undefined;
  /** --time: how record times are written. */
  time: TimeStyle;
  /** --force: write `-f raw` even to a terminal. */
  force: boolean;
  /** --respond 'MATCH => REPLY', parsed, in the order given. */
  respond: Rule[];
  /** --respond-file FILE: more rules (after those of --respond), read when the listener starts. */
  respondFile: string | undefined;
  /** --allow / --deny CIDR: the senders heard, the senders dropped (counted `denied`). */
  allow: string[];
  deny: string[];
  /** --echo-any-port: echo to the well-known reflectors' source ports too. */
  echoAnyPort: boolean;
  /** --metrics [ADDR:]PORT: serve Prometheus metrics there. */
  metrics: MetricsAddress | undefined;
  /** --web [ADDR:]PORT: serve the live web view there. */
  web: WebAddress | undefined;
}

const listenSchema = z.pipe(
  z.object({
    ports: z.optional(z.array(z.string())),
    p: z.optional(z.string()),
    u: z.optional(z.boolean()),
    l: z.optional(z.boolean()),
    k: z.optional(z.boolean()),
    verbose: z.optional(z.boolean()),
    force: z.optional(z.boolean()),
    host: z.optional(hostSchema('--host')),
    4: z.optional(z.boolean()),
    6: z.optional(z.boolean()),
    format: choiceSchema('--format', FORMATS),
    time: choiceSchema('--time', TIME_STYLES),
    join: z.optional(z.union([z.string(), z.array(z.string())])),
    'source-filter': z.optional(z.string()),
    pcap: z.optional(z.string()),
    count: z.optional(intSchema('--count', 1, Number.MAX_SAFE_INTEGER)),
    timeout: z.optional(durationSchema('--timeout', 'seconds')),
    echo: z.optional(z.boolean()),
    'echo-rate': z.optional(intSchema('--echo-rate', 0, 100_000_000)),
    'stop-on': z.optional(z.string()),
    rcvbuf: z.optional(intSchema('--rcvbuf', 1, 2_147_483_647)),
    stats: z.optional(z.boolean()),
    tcp: z.optional(z.boolean()),
    frame: choiceSchema('--frame', FRAMINGS),
    'max-frame': z.optional(intSchema('--max-frame', 1, 2 ** 31 - 1)),
    'max-conns': z.optional(intSchema('--max-conns', 1, 1_000_000)),
    'idle-timeout': z.optional(durationSchema('--idle-timeout', 'seconds')),
    metrics: z.optional(metricsAddressSchema),
    allow: z.optional(z.union([z.string(), z.array(z.string())])),
    deny: z.optional(z.union([z.string(), z.array(z.string())])),
    'echo-any-port': z.optional(z.boolean()),
    respond: z.optional(z.union([z.string(), z.array(z.string())])),
    'respond-file': z.optional(z.string()),
    web: z.optional(webAddressSchema),
  }),
  z.transform((args, ctx): ListenConfig => {
    // nc's `-l -p PORT` names the port with a flag; the arguments are the usual way (one port or several).
    const given = args.ports ?? [];
    if (given.length > 0 && args.p !== undefined && !(given.length === 1 && given[0] === args.p)) {
      addIssue(ctx, `ports given both as arguments (${given.map(show).join(' ')}) and with -p ${show(args.p)}: give them one way`);
    }
    const rawPorts = given.length > 0 ? given : args.p === undefined ? [] : [args.p];
    if (rawPorts.length === 0) addIssue(ctx, 'missing the port to listen on (udp-listen PORT, or -p PORT)');
    const ports = rawPorts.length === 0 ? undefined : listenPortsSchema.safeParse(rawPorts);
    if (ports !== undefined && !ports.success) addIssue(ctx, ports.error.issues[0]?.message ?? `invalid ports ${rawPorts.map(show).join(' ')}`);
    if (args.u === true && args.tcp === true) addIssue(ctx, '-u (UDP) and --tcp cannot be used together');
    if (args[4] === true && args[6] === true) {
      addIssue(ctx, '-4 and -6 cannot be used together: pick one family');
    }
    const tcpOnly = (['max-frame', 'max-conns', 'idle-timeout'] as const).filter((flag) => args[flag] !== undefined);
    if (args.frame !== 'none') tcpOnly.unshift('frame' as never);
    if (args.tcp !== true && tcpOnly.length > 0) {
      addIssue(ctx, `--${tcpOnly[0]} works with --tcp only`);
    }
    const joins = typeof args.join === 'string' ? [args.join] : (args.join ?? []);
    const join = groupJoins(joins, args['source-filter'], ctx);
    if (args['source-filter'] !== undefined && joins.length === 0) addIssue(ctx, '--source-filter works with --join only');
    if (args['source-filter'] !== undefined && (isIP(args['source-filter']) === 0 || isMulticastAddress(args['source-filter']))) {
      addIssue(ctx, `invalid --source-filter ${show(args['source-filter'])}: expected the unicast IP address of the one sender to hear`);
    }
    if (join.length > 0 && args.host !== undefined) addIssue(ctx, '--host and --join cannot be used together: a listener that joins groups binds the group addresses');
    if (args.pcap !== undefined && args.tcp === true) {
      addIssue(ctx, '--pcap writes UDP datagrams: a TCP stream is not written as packets (capture it with tshark)');
    }
    if (args.pcap === '') addIssue(ctx, 'invalid --pcap "": expected a file to write');
    if (join.length > 0 && args.tcp === true) addIssue(ctx, '--join is for UDP: TCP has no multicast');
    if (args.host !== undefined && args.host.ip !== 0 && isMulticastAddress(args.host.host)) {
      addIssue(ctx, `--host ${show(args.host.host)} is a multicast group: to receive it, use --join ${args.host.host}`);
    }
    const respond = respondRules(args.respond, ctx);
    const answers = args.echo === true || respond.length > 0 || args['respond-file'] !== undefined;
    const rules = respond.length > 0 || args['respond-file'] !== undefined;
    if (args['echo-rate'] !== undefined && !answers) addIssue(ctx, '--echo-rate works with --echo or --respond only');
    else if (args['echo-rate'] !== undefined && args.tcp === true && !rules) {
      // A TCP echo is bounded by flow control (the peer's reading), not per message: the bound would do nothing.
      addIssue(ctx, '--echo-rate bounds UDP echoes and rule answers: a TCP echo is paced by the peer reading it (drop --echo-rate, or add --respond)');
    }
    if (args.tcp === true && args.rcvbuf !== undefined) {
      addIssue(ctx, '--rcvbuf works with UDP only');
    }
    const web = args.web;
    if (args.web !== undefined && args.tcp === true) addIssue(ctx, '--web shows UDP datagrams: it does not work with --tcp');
    return {
      web,
      ports: ports?.success === true ? ports.data : [0],
      host: args.host?.host,
      family: args[4] === true ? 4 : args[6] === true ? 6 : 0,
      format: args.format,
      count: args.count,
      timeoutMs: args.timeout === undefined ? undefined : args.timeout * 1000,
      echo: args.echo === true,
      echoRate: args['echo-rate'] ?? DEFAULT_ECHO_RATE,
      stopOn: args['stop-on'],
      rcvbuf: args.rcvbuf,
      stats: args.stats === true,
      tcp: args.tcp === true,
      frame: args.frame,
      maxFrame: args['max-frame'] ?? DEFAULT_MAX_FRAME,
      maxConns: args['max-conns'],
      idleTimeoutMs: args['idle-timeout'] === undefined ? undefined : args['idle-timeout'] * 1000,
      verbose: args.verbose === true,
      force: args.force === true,
      time: args.time,
      join,
      pcap: args.pcap,
      metrics: args.metrics,
      ...hardening(args, ctx),
      respond,
      respondFile: args['respond-file'],
    };
  }),
);

/** The examples of `--help`. */
export const LISTEN_EXAMPLES: readonly Example[] = [
  ['$0 5005', 'print every datagram sent to port 5005'],
  ['$0 --format json --count 1 0', 'one datagram as JSON on a free port'],
  ['$0 --echo 5005', 'an echo server'],
  ['$0 --join 239.1.2.3@eth0 5005', 'hear a multicast group'],
  ['$0 --pcap dns.pcap --time iso-us 5353', 'also a pcap for tshark; microsecond times'],
  ['$0 5005 5006 7000-7010', 'thirteen ports, one record stream'],
  ['$0 --tcp --frame line 5005', 'TCP, one record per line'],
  ["$0 --respond 'READ? => TEMP=21' 5005", 'answer like a device'],
  ['$0 --respond-file dev.yaml 5005', 'answer by the rules of a file'],
  ['$0 --web 8080 5005', 'and a live page: open the address it prints'],
];

/** The closing paragraph of `--help`. */
const LISTEN_EPILOGUE =
  'Coming from nc: `udp-listen -u -l -k 5005` and `udp-listen -ulp 5005` work as nc\'s do. nc -e and -c (run a ' +
  'program) have no equivalent: udpkit never runs programs; use --echo for an echo server.';

/** Declares the flags of `udp-listen` (all values as strings: zod does the checking). */
export function listenCommand(argv: string[]) {
  return yargs(argv)
    .scriptName('udp-listen')
    .usage(
      '$0 [options] <port>...\n\n' +
        'Receive UDP datagrams from every sender and print one record per datagram:\n' +
        'time, sender address and port, size in bytes, payload. Port 0 picks a free port;\n' +
        'several ports or ranges (5005 7000-7010) make one listener, each record naming its port.\n' +
        'With --tcp, accept connections instead and print their open, data and close.',
    )
    .command('$0 [ports..]', false)
    .positional('ports', { type: 'string', array: true, describe: 'UDP ports to listen on: 5005, 7000-7010 (0 for any free port)' })
    .option('p', { type: 'string', describe: 'The port, as nc -l -p PORT writes it' })
    .option('u', { type: 'boolean', describe: 'Accepted for nc habits: UDP is the default' })
    .option('l', { type: 'boolean', describe: 'Accepted for nc habits: udp-listen always listens' })
    .option('k', { type: 'boolean', describe: 'Accepted for nc habits: udp-listen keeps listening, for every sender' })
    .option('force', { type: 'boolean', describe: 'With -f raw: write raw bytes even to a terminal' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Also a line on stderr per new sender (TCP: per connection)' })
    .option('host', { type: 'string', describe: 'Bind this address only (default: all interfaces, IPv4 and IPv6)' })
    .option('4', { type: 'boolean', describe: 'IPv4 only (bind 0.0.0.0)' })
    .option('6', { type: 'boolean', describe: 'IPv6 only (bind ::)' })
    .option('format', { alias: 'f', type: 'string', default: 'text', describe: 'Record format: text, json, hex or raw' })
    .option('join', { type: 'string', describe: 'Join multicast GROUP (on interface IFACE: GROUP@IFACE) and hear it; repeatable' })
    .option('source-filter', { type: 'string', describe: 'With --join: hear the groups from this one source only (source-specific multicast)' })
    .option('pcap', { type: 'string', describe: 'Also write every datagram to FILE as a pcap capture (tshark -r FILE reads it)' })
    .option('time', { type: 'string', default: 'iso', describe: 'Record times: iso, iso-us, epoch, epoch-us or relative (seconds since the first record)' })
    .option('count', { alias: 'c', type: 'string', describe: 'Exit 0 after N datagrams (TCP: N chunks or frames)' })
    .option('timeout', { alias: 't', type: 'string', describe: 'Stop after this long with nothing received: exit 75 if nothing came at all (bare number: seconds; or 500ms, 1m)' })
    .option('echo', { type: 'boolean', describe: 'Send each datagram back to its sender (never to this listener itself)' })
    .option('echo-rate', { type: 'string', describe: 'At most N echoes (UDP) or rule answers per second per sender, the rest counted (default 1000; 0: no bound)' })
    .option('stop-on', { type: 'string', describe: 'Exit 0 after a datagram whose payload is exactly TEXT' })
    .option('rcvbuf', { type: 'string', describe: 'Receive buffer to ask for, in bytes (default: 8 MiB or the kernel limit)' })
    .option('stats', { type: 'boolean', describe: 'Print a rate and kernel-drop line on stderr every second' })
    .option('web', { type: 'string', describe: 'Also serve a live page of the datagrams on [ADDR:]PORT (127.0.0.1 unless given); needs the token it prints' })
    .option('tcp', { type: 'boolean', describe: 'Listen on TCP instead: open, data and close records per connection' })
    .option('frame', { type: 'string', default: 'none', describe: 'TCP: none (raw chunks), line (split on \\n) or length (4-byte prefix)' })
    .option('max-frame', { type: 'string', describe: 'TCP: largest frame in bytes; longer closes the connection (default 1 MiB)' })
    .option('max-conns', { type: 'string', describe: 'TCP: close connections beyond N at once, with a record' })
    .option('idle-timeout', { type: 'string', describe: 'TCP: close a connection silent this long (bare number: seconds; or 500ms, 1m)' })
    .option('allow', { type: 'string', describe: 'Hear only senders in CIDR (192.0.2.0/24, 2001:db8::/32); repeatable; others dropped and counted' })
    .option('deny', { type: 'string', describe: 'Drop (and count) senders in CIDR; repeatable' })
    .option('echo-any-port', { type: 'boolean', describe: 'Echo even to the source ports of well-known reflectors (53 DNS, 123 NTP, 19 chargen…)' })
    .option('metrics', { type: 'string', describe: 'Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address 127.0.0.1)' })
    .option('respond', { type: 'string', describe: "Answer a message matching MATCH with REPLY: 'MATCH => REPLY' (repeatable, first match answers; --echo answers the rest)" })
    .option('respond-file', { type: 'string', describe: 'Answer by the rules of a YAML or JSON file (several replies, delay, times, drop, state per sender)' });
}

/** Parses and validates argv; undefined when --help or --version was printed. */
export async function parseListenArgs(argv: string[], io: CliIO): Promise<ListenConfig | undefined> {
  const raw = await parseArgs(listenCommand(argv), argv, io, { repeatable: ['ports', 'join', 'allow', 'deny', 'respond'], examples: LISTEN_EXAMPLES, epilogue: LISTEN_EPILOGUE });
  return raw === undefined ? undefined : parseWith(listenSchema, raw);
}
