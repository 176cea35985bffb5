/** The command line of `udp-send`: yargs declares it, zod checks it once, into a typed {@link SendConfig}. */
import yargs from 'yargs';
import * as z from 'zod/mini';
import { FRAMINGS, type Framing } from '../core/framing.js';
import { DEFAULT_MAX_REPLY } from '../core/replies.js';
import { ENCODINGS, FORMATS, type Encoding, type Format } from '../types.js';
import { addIssue, destinationPortSchema, durationSchema, intSchema, parseWith } from '../core/schemas.js';
import { show } from '../format/show.js';
import { choiceSchema, hostSchema, rateSchema, type HostSpec } from './schemas.js';
import type { CliIO } from './io.js';
import { parseArgs } from './run.js';
import type { Example } from './help.js';
import { isMulticastAddress } from '../core/multicast.js';
import type { Matcher } from '../respond/match.js';
import { conversationProblems, expectations } from './expect-args.js';

/** Stands for a lone "-" (stdin) while yargs parses. @internal */
const STDIN_MARK = '\u0000stdin';

/** Everything `udp-send` was asked to do, validated (the message is not read yet). */
export interface SendConfig {
  host: HostSpec;
  port: number;
  /** The MESSAGE argument; `-` or undefined means stdin (or --file). */
  message: string | undefined;
  file: string | undefined;
  encoding: Encoding;
  escapes: boolean;
  family: 0 | 4 | 6;
  count: number | undefined;
  intervalMs: number;
  /** --rate: the messages per second asked for (intervalMs is then 1000 / rate). */
  rate: number | undefined;
  /** --duration: stop sending this long after the first send. */
  durationMs: number | undefined;
  connect: boolean;
  waitMs: number | undefined;
  format: Format;
  json: boolean;
  tcp: boolean;
  frame: Framing;
  connectTimeoutMs: number | undefined;
  sendTimeoutMs: number | undefined;
  /** Reply bytes kept and printed at most. */
  maxReply: number;
  /** -v: also say which local address and port it sent from. */
  verbose: boolean;
  /** --broadcast: allow a broadcast destination (SO_BROADCAST). */
  broadcast: boolean;
  /** --source / --source-port: the local address and port to send from. */
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
  /** --ttl: IP TTL / IPv6 hop limit (multicast TTL for a group destination). */
  ttl: number | undefined;
  /** --multicast-if: the interface (name or address) a group destination is sent out of. */
  multicastInterface: string | undefined;
  /** --multicast-loop on|off: whether this host's own group members get a copy. */
  multicastLoop: boolean | undefined;
  /** --pcap FILE: replay the UDP payloads of this capture. */
  pcap: string | undefined;
  /** --pcap-filter PORT: only the capture's datagrams to or from this port. */
  pcapFilter: number | undefined;
  /** --lines: each line of stdin (or --file) is its own datagram (TCP: message), sent as it comes. */
  lines: boolean;
  /** --force: write `-f raw` even to a terminal. */
  force: boolean;
  /** --expect MATCH (repeatable): the replies each request must get, in order (with --wait). */
  expect: Matcher[];
  /** --script FILE: a conversation of send/expect/sleep steps instead of a message. */
  script: string | undefined;
}

const sendSchema = z.pipe(
  z.object({
    host: hostSchema('host'),
    port: destinationPortSchema,
    message: z.optional(z.string()),
    file: z.optional(z.string()),
    encoding: choiceSchema('--encoding', ENCODINGS),
    escapes: z.optional(z.boolean()),
    4: z.optional(z.boolean()),
    6: z.optional(z.boolean()),
    count: z.optional(intSchema('--count', 1, Number.MAX_SAFE_INTEGER)),
    interval: z.optional(durationSchema('--interval', 'milliseconds')),
    rate: z.optional(rateSchema('--rate')),
    duration: z.optional(durationSchema('--duration', 'seconds')),
    connect: z.optional(z.boolean()),
    wait: z.optional(durationSchema('--wait', 'milliseconds')),
    format: choiceSchema('--format', FORMATS),
    json: z.optional(z.boolean()),
    tcp: z.optional(z.boolean()),
    frame: choiceSchema('--frame', FRAMINGS),
    'connect-timeout': z.optional(durationSchema('--connect-timeout', 'milliseconds')),
    'send-timeout': z.optional(durationSchema('--send-timeout', 'milliseconds')),
    'max-reply': z.optional(intSchema('--max-reply', 0, 2 ** 31 - 1)),
    u: z.optional(z.boolean()),
    broadcast: z.optional(z.boolean()),
    source: z.optional(hostSchema('--source')),
    'source-port': z.optional(intSchema('--source-port', 1, 65_535)),
    verbose: z.optional(z.boolean()),
    force: z.optional(z.boolean()),
    lines: z.optional(z.boolean()),
    ttl: z.optional(intSchema('--ttl', 1, 255)),
    pcap: z.optional(z.string()),
    'pcap-filter': z.optional(intSchema('--pcap-filter', 1, 65_535)),
    'multicast-if': z.optional(z.string()),
    'multicast-loop': z.optional(choiceSchema('--multicast-loop', ['on', 'off'] as const)),
    expect: z.optional(z.union([z.string(), z.array(z.string())])),
    script: z.optional(z.string()),
  }),
  z.transform((args, ctx): SendConfig => {
    const problem = (message: string): void => addIssue(ctx, message);
    if (args[4] === true && args[6] === true) problem('-4 and -6 cannot be used together: pick one family');
    if (args.host.ip === 4 && args[6] === true) problem(`host "${args.host.host}" is an IPv4 address, but -6 asks for IPv6`);
    if (args.host.ip === 6 && args[4] === true) problem(`host "${args.host.host}" is an IPv6 address, but -4 asks for IPv4`);
    if (args.file !== undefined && args.message !== undefined && args.message !== STDIN_MARK) {
      problem(`give the message either as an argument or with --file, not both (got ${show(args.message)} and --file)`);
    }
    if (args.lines === true && args.message !== undefined && args.message !== STDIN_MARK) {
      problem(`--lines sends the lines of stdin or --file, not a MESSAGE argument (got ${show(args.message)})`);
    }
    if (args.lines === true && args.tcp === true && args.frame === 'none') {
      problem('--lines with --tcp needs --frame line or --frame length: without a frame the lines would run together');
    }
    if (args.pcap !== undefined) {
      if (args.message !== undefined && args.message !== STDIN_MARK) problem(`--pcap sends the payloads of the capture, not a MESSAGE argument (got ${show(args.message)})`);
      if (args.file !== undefined || args.lines === true) problem('--pcap is the message source: it cannot go with --file or --lines');
      if (args.tcp === true) problem('--pcap replays UDP datagrams: it cannot go with --tcp');
      if (args.interval !== undefined) problem('--pcap keeps the capture\'s timing, or --rate paces it: --interval does not apply');
    }
    if (args['pcap-filter'] !== undefined && args.pcap === undefined) problem('--pcap-filter works with --pcap only');
    const group = args.host.ip !== 0 && isMulticastAddress(args.host.host);
    if (group && args.tcp === true) problem(`${args.host.host} is a multicast group: TCP cannot send to a group (drop --tcp)`);
    if (args.tcp === true && (args.ttl !== undefined || args['multicast-if'] !== undefined || args['multicast-loop'] !== undefined)) {
      problem('--ttl, --multicast-if and --multicast-loop work with UDP only');
    }
    if (!group && args.host.ip !== 0 && (args['multicast-if'] !== undefined || args['multicast-loop'] !== undefined)) {
      problem(`--${args['multicast-if'] !== undefined ? 'multicast-if' : 'multicast-loop'} works with a multicast group destination; ${args.host.host} is unicast`);
    }
    if (args.rate !== undefined && args.interval !== undefined) problem('--rate and --interval say the same thing: give one');
    if (args.tcp !== true && args.frame !== 'none') problem('--frame works with --tcp only');
    if (args.tcp !== true && args['connect-timeout'] !== undefined) problem('--connect-timeout works with --tcp only');
    if (args.tcp !== true && args['send-timeout'] !== undefined) problem('--send-timeout works with --tcp only');
    if (args.tcp === true && args.connect === true) problem('--connect is for UDP: a TCP socket is always connected');
    if (args.u === true && args.tcp === true) problem('-u (UDP) and --tcp cannot be used together');
    if (args.broadcast === true && args.tcp === true) problem('--broadcast is for UDP: TCP has no broadcast');
    if (args.source !== undefined && args.source.ip === 0) problem(`--source ${show(args.source.host)}: give a local IP address, not a name`);
    if (args.source !== undefined && args.source.ip !== 0 && args.host.ip !== 0 && args.source.ip !== args.host.ip) {
      problem(`--source ${show(args.source.host)} is IPv${args.source.ip} but the destination is IPv${args.host.ip}`);
    }
    const expect = expectations(args.expect, problem);
    conversationProblems({ ...args, message: args.message === STDIN_MARK ? '-' : args.message }, expect.length > 0, problem);
    return {
      expect,
      script: args.script,
      host: args.host,
      port: args.port,
      message: args.message === STDIN_MARK ? '-' : args.message,
      file: args.file === STDIN_MARK ? undefined : args.file,
      encoding: args.encoding,
      escapes: args.escapes === true,
      family: args[4] === true ? 4 : args[6] === true ? 6 : 0,
      // Undefined: one, or with --duration as many as the time allows.
      count: args.count,
      intervalMs: args.rate === undefined ? (args.interval ?? 0) : 1000 / args.rate,
      rate: args.rate,
      durationMs: args.duration === undefined ? undefined : args.duration * 1000,
      connect: args.connect === true,
      waitMs: args.wait,
      format: args.format,
      json: args.json === true,
      tcp: args.tcp === true,
      frame: args.frame,
      connectTimeoutMs: args['connect-timeout'],
      sendTimeoutMs: args['send-timeout'],
      maxReply: args['max-reply'] ?? DEFAULT_MAX_REPLY,
      verbose: args.verbose === true,
      broadcast: args.broadcast === true,
      sourceAddress: args.source?.host,
      sourcePort: args['source-port'],
      force: args.force === true,
      lines: args.lines === true,
      ttl: args.ttl,
      pcap: args.pcap,
      pcapFilter: args['pcap-filter'],
      multicastInterface: args['multicast-if'],
      multicastLoop: args['multicast-loop'] === undefined ? undefined : args['multicast-loop'] === 'on',
    };
  }),
);

/** The examples of `--help`. */
export const SEND_EXAMPLES: readonly Example[] = [
  ['$0 127.0.0.1 5005 "Hello, World!"', 'one datagram'],
  ['$0 -e ::1 5005 "GET / HTTP/1.1\\r\\n\\r\\n"', 'with escapes, over IPv6'],
  ['$0 -w 2s 127.0.0.1 5005 ping', 'send, print the reply'],
  ['$0 --tcp -c 50 --frame line ::1 5005 hi', '50 lines, one TCP connection'],
  ['tail -f app.log | $0 --lines 127.0.0.1 514', 'stream a log, one datagram per line'],
  ['$0 --rate 500 --duration 10s 127.0.0.1 5005 hi', '5000 datagrams, 500 a second'],
  ['$0 --pcap dns.pcapng --pcap-filter 53 127.0.0.1 5353', 'replay a capture\'s DNS queries'],
  ['$0 --multicast-if eth0 --ttl 4 239.1.2.3 5005 hi', 'to a multicast group'],
  ['$0 -s 10.0.0.2 -p 40000 10.0.0.7 5005 hi', 'from this address and port'],
  ['$0 --broadcast 192.168.1.255 5005 hi', 'to every host on the subnet'],
  ["$0 -w 1s --expect '/^TEMP=\\d+/' ::1 5005 READ?", 'a device smoke test (exit 0, 65 or 75)'],
  ['$0 --script talk.yaml 127.0.0.1 5005', 'send, expect, sleep steps'],
];

/** The closing paragraph of `--help`. */
const SEND_EPILOGUE =
  'Coming from nc: `echo hi | udp-send -u HOST PORT` works as `nc -u`; -w takes 2s as nc does (a bare number is ' +
  'milliseconds). Here -e is --escapes and -c is --count: nc -e/-c (run a program) have no equivalent.';

/** Declares the flags of `udp-send` (all values as strings: zod does the checking). */
export function sendCommand(argv: string[]) {
  return yargs(argv)
    .scriptName('udp-send')
    .usage(
      '$0 [options] <host> <port> [message]\n\n' +
        'Send MESSAGE as one UDP datagram to HOST:PORT. The message comes from the argument,\n' +
        'from --file, or from stdin when it is "-" or omitted and stdin is not a terminal.\n' +
        'With --tcp, connect and write it on a TCP connection instead.',
    )
    .command('$0 <host> <port> [message]', false)
    .positional('host', { type: 'string', describe: 'IPv4 or IPv6 address (brackets optional) or host name' })
    .positional('port', { type: 'string', describe: 'Destination port, 1-65535' })
    .positional('message', { type: 'string', describe: 'The payload ("-" reads stdin)' })
    .option('file', { type: 'string', describe: 'Read the message from PATH' })
    .option('encoding', { type: 'string', default: 'utf8', describe: 'How to read the message: utf8, hex or base64' })
    .option('escapes', { alias: 'e', type: 'boolean', describe: 'Turn \\n \\r \\t \\0 \\xHH \\\\ in the message into bytes' })
    .option('4', { type: 'boolean', describe: 'Resolve and send over IPv4 only' })
    .option('6', { type: 'boolean', describe: 'Resolve and send over IPv6 only' })
    .option('count', { alias: 'c', type: 'string', describe: 'Send the datagram N times (TCP: N messages on one connection)' })
    .option('interval', { alias: 'i', type: 'string', describe: 'Time between datagrams (bare number: milliseconds; or 250us, 10ms, 1s)' })
    .option('lines', { type: 'boolean', describe: 'Send each line of stdin (or --file) as its own datagram, as soon as it is read' })
    .option('rate', { alias: 'r', type: 'string', describe: 'Send N datagrams per second, paced on the monotonic clock (decimals allowed)' })
    .option('duration', { type: 'string', describe: 'Stop sending after this long; --count then defaults to no limit (bare number: seconds; or 500ms)' })
    .option('connect', { type: 'boolean', describe: 'Use a connected UDP socket (reports ICMP "connection refused")' })
    .option('wait', { alias: 'w', type: 'string', describe: 'Wait up to this long for a reply and print it, exit 75 if none (bare number: milliseconds; or 2s)' })
    .option('format', { alias: 'f', type: 'string', default: 'text', describe: 'Reply format: text, json, hex or raw' })
    .option('json', { type: 'boolean', describe: 'Print what was sent (and the reply) as JSON on stdout' })
    .option('tcp', { type: 'boolean', describe: 'Send over a TCP connection instead (connect, write all, half-close)' })
    .option('frame', { type: 'string', default: 'none', describe: 'TCP: add a delimiter to each message: none, line (\\n) or length (4-byte prefix)' })
    .option('connect-timeout', { type: 'string', describe: 'TCP: give up connecting after this long (bare number: milliseconds; default 5s)' })
    .option('send-timeout', { type: 'string', describe: 'TCP: give up when a write makes no progress this long (bare number: milliseconds; default 10s)' })
    .option('u', { type: 'boolean', describe: 'Accepted for nc habits: UDP is the default' })
    .option('source', { alias: 's', type: 'string', describe: 'Send from this local IP address (ncat -s, socat bind=)' })
    .option('source-port', { alias: 'p', type: 'string', describe: 'Send from this local port (ncat -p, iperf3 --cport)' })
    .option('pcap', { type: 'string', describe: 'Replay the UDP payloads of a pcap/pcapng capture, with its timing (or --rate)' })
    .option('pcap-filter', { type: 'string', describe: 'With --pcap: only datagrams to or from this port' })
    .option('ttl', { type: 'string', describe: 'IP TTL / IPv6 hop limit, 1-255 (to a group: the multicast TTL, default 1)' })
    .option('multicast-if', { type: 'string', describe: 'To a group: send out of this interface (name or address)' })
    .option('multicast-loop', { type: 'string', describe: 'To a group: on (default) or off: whether members on this host get a copy' })
    .option('broadcast', { type: 'boolean', describe: 'Allow a broadcast destination (255.255.255.255, a subnet\'s broadcast address)' })
    .option('force', { type: 'boolean', describe: 'With -f raw: write raw bytes even to a terminal' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Also say which local address and port it sent from' })
    .option('expect', { type: 'string', describe: 'With --wait: exit 0 if a reply matches MATCH (text, prefix*, /regex/, hex:…), 65 if none did, 75 if none came; repeatable' })
    .option('script', { type: 'string', describe: 'Run the send/expect/sleep steps of a YAML file on one socket (UDP, or --tcp)' })
    .option('max-reply', { type: 'string', describe: 'With --wait: keep and print at most BYTES of replies; the rest is counted (default 1048576)' });
}

/** Parses and validates argv; undefined when --help or --version was printed. */
export async function parseSendArgs(argv: string[], io: CliIO): Promise<SendConfig | undefined> {
  // yargs reads a lone "-" as an empty string; keep it distinct from an empty message.
  const marked = argv.map((arg) => (arg === '-' ? STDIN_MARK : arg));
  const raw = await parseArgs(sendCommand(marked), marked, io, { repeatable: ['expect'], examples: SEND_EXAMPLES, epilogue: SEND_EPILOGUE });
  return raw === undefined ? undefined : parseWith(sendSchema, raw);
}
