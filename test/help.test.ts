/** Help text of both commands, as snapshots: a changed flag or description shows up in review. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareMain } from '../src/cli/compare.js';
import { listenMain } from '../src/cli/listen.js';
import { VERSION } from '../src/cli/run.js';
import { sendMain } from '../src/cli/send.js';
import { COMPARE_EXAMPLES } from '../src/cli/compare-args.js';
import { helpWidth, type Example } from '../src/cli/help.js';
import { LISTEN_EXAMPLES } from '../src/cli/listen-args.js';
import { SEND_EXAMPLES } from '../src/cli/send-args.js';
import { proxyMain } from '../src/cli/proxy.js';
import { PROXY_EXAMPLES } from '../src/cli/proxy-args.js';
import { probeMain } from '../src/cli/probe.js';
import { PROBE_EXAMPLES } from '../src/cli/probe-args.js';
import { deadPort, memoryIO } from './helpers.js';

const MAINS = { 'udp-listen': listenMain, 'udp-send': sendMain, 'udp-compare': compareMain, 'udp-proxy': proxyMain, 'udp-probe': probeMain } as const;
const NAMES = Object.keys(MAINS) as (keyof typeof MAINS)[];

const EXAMPLES: Record<keyof typeof MAINS, readonly Example[]> = {
  'udp-listen': LISTEN_EXAMPLES,
  'udp-send': SEND_EXAMPLES,
  'udp-compare': COMPARE_EXAMPLES,
  'udp-proxy': PROXY_EXAMPLES,
  'udp-probe': PROBE_EXAMPLES,
};

/** Runs a command in-process with argv (and `env`). */
async function run(name: keyof typeof MAINS, argv: readonly string[], env: Record<string, string> = {}) {
  const { io, stdout, stderr } = memoryIO();
  io.env = env;
  const code = await MAINS[name]([...argv], io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('help', () => {
  it('udp-listen --help', async () => {
    const { io, stdout, stderr } = memoryIO();
    expect(await listenMain(['--help'], io)).toBe(0);
    expect(stderr.text).toBe('');
    expect(stdout.text).toMatchInlineSnapshot(`
      "udp-listen [options] <port>...

      Receive UDP datagrams from every sender and print one record per datagram:
      time, sender address and port, size in bytes, payload. Port 0 picks a free port;
      several ports or ranges (5005 7000-7010) make one listener, each record naming its port.
      With --tcp, accept connections instead and print their open, data and close.

      Positionals:
        ports  UDP ports to listen on: 5005, 7000-7010 (0 for any free port)                      [string]

      Options:
        -4                   IPv4 only (bind 0.0.0.0)                                            [boolean]
        -6                   IPv6 only (bind ::)                                                 [boolean]
        -p                   The port, as nc -l -p PORT writes it                                 [string]
        -u                   Accepted for nc habits: UDP is the default                          [boolean]
        -l                   Accepted for nc habits: udp-listen always listens                   [boolean]
        -k                   Accepted for nc habits: udp-listen keeps listening, for every sender[boolean]
            --force          With -f raw: write raw bytes even to a terminal                     [boolean]
        -v, --verbose        Also a line on stderr per new sender (TCP: per connection)          [boolean]
            --host           Bind this address only (default: all interfaces, IPv4 and IPv6)      [string]
        -f, --format         Record format: text, json, hex or raw              [string] [default: "text"]
            --join           Join multicast GROUP (on interface IFACE: GROUP@IFACE) and hear it;
                             repeatable                                                           [string]
            --source-filter  With --join: hear the groups from this one source only (source-specific
                             multicast)                                                           [string]
            --pcap           Also write every datagram to FILE as a pcap capture (tshark -r FILE reads it)
                                                                                                  [string]
            --time           Record times: iso, iso-us, epoch, epoch-us or relative (seconds since the
                             first record)                                       [string] [default: "iso"]
        -c, --count          Exit 0 after N datagrams (TCP: N chunks or frames)                   [string]
        -t, --timeout        Stop after this long with nothing received: exit 75 if nothing came at all
                             (bare number: seconds; or 500ms, 1m)                                 [string]
            --echo           Send each datagram back to its sender (never to this listener itself)
                                                                                                 [boolean]
            --echo-rate      At most N echoes (UDP) or rule answers per second per sender, the rest
                             counted (default 1000; 0: no bound)                                  [string]
            --stop-on        Exit 0 after a datagram whose payload is exactly TEXT                [string]
            --rcvbuf         Receive buffer to ask for, in bytes (default: 8 MiB or the kernel limit)
                                                                                                  [string]
            --stats          Print a rate and kernel-drop line on stderr every second            [boolean]
            --web            Also serve a live page of the datagrams on [ADDR:]PORT (127.0.0.1 unless
                             given); needs the token it prints                                    [string]
            --tcp            Listen on TCP instead: open, data and close records per connection  [boolean]
            --frame          TCP: none (raw chunks), line (split on \\n) or length (4-byte prefix)
                                                                                [string] [default: "none"]
            --max-frame      TCP: largest frame in bytes; longer closes the connection (default 1 MiB)
                                                                                                  [string]
            --max-conns      TCP: close connections beyond N at once, with a record               [string]
            --idle-timeout   TCP: close a connection silent this long (bare number: seconds; or 500ms, 1m)
                                                                                                  [string]
            --allow          Hear only senders in CIDR (192.0.2.0/24, 2001:db8::/32); repeatable; others
                             dropped and counted                                                  [string]
            --deny           Drop (and count) senders in CIDR; repeatable                         [string]
            --echo-any-port  Echo even to the source ports of well-known reflectors (53 DNS, 123 NTP, 19
                             chargen…)                                                           [boolean]
            --metrics        Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address
                             127.0.0.1)                                                           [string]
            --respond        Answer a message matching MATCH with REPLY: 'MATCH => REPLY' (repeatable,
                             first match answers; --echo answers the rest)                        [string]
            --respond-file   Answer by the rules of a YAML or JSON file (several replies, delay, times,
                             drop, state per sender)                                              [string]
            --version        Show version number                                                 [boolean]
        -h, --help           Show help                                                           [boolean]

      Examples:
        udp-listen 5005                                print every datagram sent to port 5005
        udp-listen --format json --count 1 0           one datagram as JSON on a free port
        udp-listen --echo 5005                         an echo server
        udp-listen --join 239.1.2.3@eth0 5005          hear a multicast group
        udp-listen --pcap dns.pcap --time iso-us 5353  also a pcap for tshark; microsecond times
        udp-listen 5005 5006 7000-7010                 thirteen ports, one record stream
        udp-listen --tcp --frame line 5005             TCP, one record per line
        udp-listen --respond 'READ? => TEMP=21' 5005   answer like a device
        udp-listen --respond-file dev.yaml 5005        answer by the rules of a file
        udp-listen --web 8080 5005                     and a live page: open the address it prints

      Coming from nc: \`udp-listen -u -l -k 5005\` and \`udp-listen -ulp 5005\` work as nc's do. nc -e and -c
      (run a program) have no equivalent: udpkit never runs programs; use --echo for an echo server.

      Shell completion: udp-listen completion >> ~/.bashrc (or udp-listen completion zsh >> ~/.zshrc).
      "
    `);
  });

  it('udp-send --help', async () => {
    const { io, stdout } = memoryIO();
    expect(await sendMain(['-h'], io)).toBe(0);
    expect(stdout.text).toMatchInlineSnapshot(`
      "udp-send [options] <host> <port> [message]

      Send MESSAGE as one UDP datagram to HOST:PORT. The message comes from the argument,
      from --file, or from stdin when it is "-" or omitted and stdin is not a terminal.
      With --tcp, connect and write it on a TCP connection instead.

      Positionals:
        host     IPv4 or IPv6 address (brackets optional) or host name                            [string]
        port     Destination port, 1-65535                                                        [string]
        message  The payload ("-" reads stdin)                                                    [string]

      Options:
        -4                     Resolve and send over IPv4 only                                   [boolean]
        -6                     Resolve and send over IPv6 only                                   [boolean]
            --file             Read the message from PATH                                         [string]
            --encoding         How to read the message: utf8, hex or base64     [string] [default: "utf8"]
        -e, --escapes          Turn \\n \\r \\t \\0 \\xHH \\\\ in the message into bytes                [boolean]
        -c, --count            Send the datagram N times (TCP: N messages on one connection)      [string]
        -i, --interval         Time between datagrams (bare number: milliseconds; or 250us, 10ms, 1s)
                                                                                                  [string]
            --lines            Send each line of stdin (or --file) as its own datagram, as soon as it is
                               read                                                              [boolean]
        -r, --rate             Send N datagrams per second, paced on the monotonic clock (decimals
                               allowed)                                                           [string]
            --duration         Stop sending after this long; --count then defaults to no limit (bare
                               number: seconds; or 500ms)                                         [string]
            --connect          Use a connected UDP socket (reports ICMP "connection refused")    [boolean]
        -w, --wait             Wait up to this long for a reply and print it, exit 75 if none (bare
                               number: milliseconds; or 2s)                                       [string]
        -f, --format           Reply format: text, json, hex or raw             [string] [default: "text"]
            --json             Print what was sent (and the reply) as JSON on stdout             [boolean]
            --tcp              Send over a TCP connection instead (connect, write all, half-close)
                                                                                                 [boolean]
            --frame            TCP: add a delimiter to each message: none, line (\\n) or length (4-byte
                               prefix)                                          [string] [default: "none"]
            --connect-timeout  TCP: give up connecting after this long (bare number: milliseconds; default
                               5s)                                                                [string]
            --send-timeout     TCP: give up when a write makes no progress this long (bare number:
                               milliseconds; default 10s)                                         [string]
        -u                     Accepted for nc habits: UDP is the default                        [boolean]
        -s, --source           Send from this local IP address (ncat -s, socat bind=)             [string]
        -p, --source-port      Send from this local port (ncat -p, iperf3 --cport)                [string]
            --pcap             Replay the UDP payloads of a pcap/pcapng capture, with its timing (or
                               --rate)                                                            [string]
            --pcap-filter      With --pcap: only datagrams to or from this port                   [string]
            --ttl              IP TTL / IPv6 hop limit, 1-255 (to a group: the multicast TTL, default 1)
                                                                                                  [string]
            --multicast-if     To a group: send out of this interface (name or address)           [string]
            --multicast-loop   To a group: on (default) or off: whether members on this host get a copy
                                                                                                  [string]
            --broadcast        Allow a broadcast destination (255.255.255.255, a subnet's broadcast
                               address)                                                          [boolean]
            --force            With -f raw: write raw bytes even to a terminal                   [boolean]
        -v, --verbose          Also say which local address and port it sent from                [boolean]
            --expect           With --wait: exit 0 if a reply matches MATCH (text, prefix*, /regex/,
                               hex:…), 65 if none did, 75 if none came; repeatable                [string]
            --script           Run the send/expect/sleep steps of a YAML file on one socket (UDP, or
                               --tcp)                                                             [string]
            --max-reply        With --wait: keep and print at most BYTES of replies; the rest is counted
                               (default 1048576)                                                  [string]
            --version          Show version number                                               [boolean]
        -h, --help             Show help                                                         [boolean]

      Examples:
        udp-send 127.0.0.1 5005 "Hello, World!"                     one datagram
        udp-send -e ::1 5005 "GET / HTTP/1.1\\r\\n\\r\\n"               with escapes, over IPv6
        udp-send -w 2s 127.0.0.1 5005 ping                          send, print the reply
        udp-send --tcp -c 50 --frame line ::1 5005 hi               50 lines, one TCP connection
        tail -f app.log | udp-send --lines 127.0.0.1 514            stream a log, one datagram per line
        udp-send --rate 500 --duration 10s 127.0.0.1 5005 hi        5000 datagrams, 500 a second
        udp-send --pcap dns.pcapng --pcap-filter 53 127.0.0.1 5353  replay a capture's DNS queries
        udp-send --multicast-if eth0 --ttl 4 239.1.2.3 5005 hi      to a multicast group
        udp-send -s 10.0.0.2 -p 40000 10.0.0.7 5005 hi              from this address and port
        udp-send --broadcast 192.168.1.255 5005 hi                  to every host on the subnet
        udp-send -w 1s --expect '/^TEMP=\\d+/' ::1 5005 READ?        a device smoke test (exit 0, 65 or 75)
        udp-send --script talk.yaml 127.0.0.1 5005                  send, expect, sleep steps

      Coming from nc: \`echo hi | udp-send -u HOST PORT\` works as \`nc -u\`; -w takes 2s as nc does (a bare
      number is milliseconds). Here -e is --escapes and -c is --count: nc -e/-c (run a program) have no
      equivalent.

      Shell completion: udp-send completion >> ~/.bashrc (or udp-send completion zsh >> ~/.zshrc).
      "
    `);
  });

  it('udp-proxy --help', async () => {
    const { io, stdout } = memoryIO();
    expect(await proxyMain(['--help'], io)).toBe(0);
    expect(stdout.text).toMatchInlineSnapshot(`
      "udp-proxy [options] <listen-port> <target-host> <target-port>

      Relay UDP datagrams from LISTEN_PORT to TARGET and every answer back to its client,
      through a bad link: loss, delay, jitter, duplicates, corruption, reordering, a rate
      limit, an MTU, outages. No root needed. With --tcp, relay connections instead.

      Positionals:
        listen-port  Port to listen on (0 for a free one)                                         [string]
        target-host  Where to relay: an address or host name                                      [string]
        target-port  The target's port                                                            [string]

      Options:
        -4                     IPv4 only                                                         [boolean]
        -6                     IPv6 only                                                         [boolean]
            --loss             Lose P% of datagrams at random (2%)                                [string]
            --loss-burst       With --loss: losses in bursts of mean length N (Gilbert-Elliott)   [string]
            --delay            Delay each datagram (40ms); up:40ms for one direction              [string]
            --jitter           Add a normal offset of this standard deviation to the delay (10ms) [string]
            --keep-order       With jitter: hold each datagram behind the one before it          [boolean]
            --duplicate        Send P% of datagrams twice                                         [string]
            --corrupt          Flip one random bit in P% of datagrams                             [string]
            --reorder          Hold P% back by one more delay (10 ms without one)                 [string]
            --rate             Link rate in tc's units: 64kbit, 20mbit, 100kbps (bytes/s)         [string]
            --queue            With --rate: the queue holds this much backlog; the rest is dropped
                               (default 50ms)                                                     [string]
            --mtu              Drop datagrams larger than N bytes                                 [string]
            --outage           Go dark FOR out of every EVERY (10s/2s)                            [string]
            --seed             Seed of every random decision (printed when not given)             [string]
            --host             Bind this address only (default: all interfaces, IPv4 and IPv6)    [string]
            --session-timeout  End a session silent this long (default 60s)                       [string]
            --max-sessions     Sessions at once (default 1024); further clients dropped and counted
                                                                                                  [string]
        -f, --format           A record per datagram on stdout: text or json                      [string]
            --pcap             Write both legs to FILE as a pcap capture                          [string]
        -v, --verbose          A line on stderr per session (TCP: connection) opened and closed  [boolean]
            --control          Serve the HTTP JSON API on [ADDR:]PORT (loopback by default)       [string]
            --web              Serve a live page of both directions and each datagram's fate on
                               [ADDR:]PORT (127.0.0.1 unless given); needs the token it prints    [string]
            --tcp              Relay TCP connections (stream impairments only)                   [boolean]
            --slice            TCP: cut writes into pieces of at most N bytes                     [string]
            --reset-after      TCP: reset the connection after N bytes or a duration (64k, 2s)    [string]
            --blackhole-after  TCP: stop forwarding after N bytes or a duration, connection kept open
                                                                                                  [string]
            --allow            Relay only clients in CIDR (192.0.2.0/24, 2001:db8::/32); repeatable;
                               others dropped and counted                                         [string]
            --deny             Drop (and count) clients in CIDR; repeatable                       [string]
            --metrics          Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address
                               127.0.0.1)                                                         [string]
            --version          Show version number                                               [boolean]
        -h, --help             Show help                                                         [boolean]

      Examples:
        udp-proxy 6000 127.0.0.1 5005                              relay port 6000 to a server on 5005, no
                                                                   impairment
        udp-proxy --delay 50ms --loss 2% --loss-burst 3 6000 127.0.0.1 5005
                                                                   a lossy 50 ms link, losses in bursts
        udp-proxy --delay up:40ms --delay down:5ms 6000 ::1 5005   different each way
        udp-proxy --delay 20ms --jitter 10ms 6000 127.0.0.1 5005   datagrams overtake one another
        udp-proxy --rate 1mbit --queue 100ms 6000 127.0.0.1 5005   a 1 Mbit/s bottleneck
        udp-proxy --seed 7 -f json --loss 10% 6000 127.0.0.1 5005  every fate as JSON, the same each run
        udp-proxy --web 8080 --loss 5% 6000 127.0.0.1 5005         and a live page of both directions and
                                                                   each fate: open the address it prints
        udp-proxy --control 8474 6000 127.0.0.1 5005               change the link live: curl -X PUT -d
                                                                   '{"loss":"100%"}' 127.0.0.1:8474/up
        udp-proxy --tcp --delay 100ms 8080 127.0.0.1 80            a slow TCP link

      Each impairment applies both ways; prefix its value with up: (client to target) or down: (target to
      client) for one direction, and give the flag again for the other. Every random decision comes from
      --seed (printed when not given), so a run can be repeated. Ctrl+C prints a summary per direction.

      Shell completion: udp-proxy completion >> ~/.bashrc (or udp-proxy completion zsh >> ~/.zshrc).
      "
    `);
  });

  it('udp-compare --help', async () => {
    const { io, stdout } = memoryIO();
    expect(await compareMain(['--help'], io)).toBe(0);
    expect(stdout.text).toMatchInlineSnapshot(`
      "udp-compare [options] [host port]

      Run the same workloads over UDP and TCP and print one side-by-side report,
      every figure measured now. With no HOST PORT, everything runs on loopback with
      in-process echo listeners. With HOST PORT, it talks to \`udp-listen --echo PORT\`
      and \`udp-listen --tcp --echo PORT\` there (local-only scenarios are skipped).

      Positionals:
        host  Remote echo host                                                                    [string]
        port  Remote echo port (UDP and TCP)                                                      [string]

      Options:
        -s, --scenario     Run only these (repeatable): setup, no-listener, boundaries, size-limits,
                           overload, order, latency, lossy-link, bottleneck, jitter               [string]
        -n, --messages     Messages per workload                                [string] [default: "1000"]
            --size         Message size in bytes                                  [string] [default: "64"]
            --rate         Messages per second for paced workloads (0: unpaced)[string] [default: "10000"]
            --loss         Lossy link: share of packets dropped                  [string] [default: "10%"]
            --duplicate    Lossy link: share of UDP packets duplicated            [string] [default: "0%"]
            --link-rate    Bottleneck: the link rate (tbf), e.g. 20mbit       [string] [default: "20mbit"]
            --link-buffer  Bottleneck: the queue, as the longest a packet waits in it (bare number: ms)
                                                                                [string] [default: "50ms"]
        -f, --format       Report format: text, json, markdown or html (one file, plots inline)
                                                                                [string] [default: "text"]
            --save         Also write the report to DIR as JSON and HTML, and print the HTML's path
                                                                                                  [string]
            --baseline     An earlier JSON report (from --save or -f json): show each row's change since
                           it                                                                     [string]
            --version      Show version number                                                   [boolean]
        -h, --help         Show help                                                             [boolean]

      Examples:
        udp-compare                                   every scenario on loopback
        udp-compare -s boundaries -s overload         two scenarios
        udp-compare -f markdown -s lossy-link         a table to paste (ip, nft; root or userns)
        udp-compare -s bottleneck --link-rate 10mbit  through a congested router (ip, tc; root or userns)
        udp-compare --save reports --baseline reports/last.json
                                                      keep this run, compared with an earlier one
        udp-compare 192.0.2.10 5005                   against a remote echo pair

      Shell completion: udp-compare completion >> ~/.bashrc (or udp-compare completion zsh >> ~/.zshrc).
      "
    `);
  });

  it('udp-probe --help', async () => {
    const { io, stdout } = memoryIO();
    expect(await probeMain(['--help'], io)).toBe(0);
    expect(stdout.text).toMatchInlineSnapshot(`
      "udp-probe [options] <target>...

      Probe UDP echo servers continuously: small sequence-numbered datagrams at a fixed interval,
      each echo matched; loss, late, duplicated and reordered echoes, RTT and jitter per target.

      Positionals:
        targets  Echo servers as HOST:PORT: 127.0.0.1:5005, [::1]:5005, db1:7                     [string]

      Options:
        -4              Resolve names to IPv4 only                                               [boolean]
        -6              Resolve names to IPv6 only                                               [boolean]
        -i, --interval  Time between probes to each target (default 1s; bare number: seconds; or 10ms)
                                                                                                  [string]
        -s, --size      Bytes per probe, at least 12 (default 64)                                 [string]
        -t, --timeout   An echo later than this is lost (and counted late if it comes; default 1s)[string]
        -c, --count     Stop after N probes per target (default: until Ctrl+C)                    [string]
        -d, --duration  Stop after this long (default: until Ctrl+C)                              [string]
        -r, --report    A status line per target this often (default 10s)                         [string]
        -f, --format    text: status lines on stderr; json: NDJSON reports on stdout
                                                                                [string] [default: "text"]
            --metrics   Serve Prometheus metrics at http://[ADDR:]PORT/metrics (default address 127.0.0.1)
                                                                                                  [string]
            --tcp       Probe TCP echo servers: one kept connection each, reconnected when it breaks
                                                                                                 [boolean]
            --web       Serve a live page of loss, RTT percentiles and jitter per target on [ADDR:]PORT
                        (127.0.0.1 unless given); needs the token it prints                       [string]
            --version   Show version number                                                      [boolean]
        -h, --help      Show help                                                                [boolean]

      Examples:
        udp-probe 127.0.0.1:5005  probe an echo server every second (start \`udp-listen --echo 5005\` first)
        udp-probe --interval 10ms --report 1s 127.0.0.1:5005 [::1]:5005
                                  two targets, 100 probes a second each
        udp-probe -f json --count 20 --interval 50ms 127.0.0.1:5005
                                  twenty probes, NDJSON reports
        udp-probe --metrics 9464 db1:5005 db2:5005
                                  serve http://127.0.0.1:9464/metrics for Prometheus
        udp-probe --tcp 127.0.0.1:5005
                                  over TCP: connect timed, a round trip per probe on a kept connection
                                  (\`udp-listen --tcp --echo 5005\`)
        udp-probe --web 8080 --report 1s 127.0.0.1:5005
                                  and a live page: loss, RTT and jitter a point per report

      Against \`udp-listen --echo\`, loss is split into the way there (up) and the way back (down) by the
      echo server's counts; against any other echo server (socat, ncat, inetd) its direction is unknown.
      With --tcp, failures (refused, reset, closed, timeout) are counted by cause and the connection
      opened anew. A target that does not resolve or answer is reported and probed on. Ctrl+C prints the
      summary per target and exits 0.

      Shell completion: udp-probe completion >> ~/.bashrc (or udp-probe completion zsh >> ~/.zshrc).
      "
    `);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const { io, stdout } = memoryIO();
    expect(await sendMain(['--version'], io)).toBe(0);
    expect(stdout.text).toBe(`${pkg.version}\n`);
  });
});

describe('a value given to a flag that takes none', () => {
  it.each(NAMES)('%s --help=1, --help=yes and -h=on print the help, as --help does, and run nothing', async (name) => {
    const help = await run(name, ['--help']);
    expect(help.stdout).toMatch(new RegExp(`^${name} \\[options\\]`));
    for (const argv of [['--help=1'], ['--help=yes'], ['-h=on']]) {
      expect(await run(name, argv), argv.join(' ')).toEqual({ code: 0, stdout: help.stdout, stderr: '' });
    }
  });

  it.each(
    NAMES.flatMap((name) => [
      { name, arg: '--help=0', message: 'invalid --help "0": expected no value (give --help alone)' },
      { name, arg: '--help=please', message: 'invalid --help "please": expected no value (give --help alone)' },
      { name, arg: '--version=x', message: 'invalid --version "x": expected no value (give --version alone)' },
      { name, arg: '--version=1', message: 'invalid --version "1": expected no value (give --version alone)' },
      { name, arg: '-h=0', message: 'invalid -h "0": expected no value (give -h alone)' },
    ]),
  )('$name $arg exits 64 naming the value', async ({ name, arg, message }) => {
    expect(await run(name, [arg])).toEqual({ code: 64, stdout: '', stderr: `${name}: ${message}\n` });
  });

  it.each([
    { name: 'udp-listen', argv: ['--echo=1', '0'], message: 'invalid --echo "1": expected no value (give --echo alone, or --echo=false)' },
    { name: 'udp-listen', argv: ['--no-echo=1', '0'], message: 'invalid --no-echo "1": expected no value (give --no-echo alone)' },
    { name: 'udp-send', argv: ['-e=1', '127.0.0.1', '9', 'x'], message: 'invalid -e "1": expected no value (give -e alone, or -e=false)' },
    { name: 'udp-send', argv: ['-4e=yes', '127.0.0.1', '9', 'x'], message: 'invalid -e "yes": expected no value (give -e alone, or -e=false)' },
    { name: 'udp-compare', argv: ['--version=', '-s', 'setup'], message: 'invalid --version "": expected no value (give --version alone)' },
  ] as const)('$name $argv exits 64: yargs would read the switch as off', async ({ name, argv, message }) => {
    expect(await run(name, argv)).toEqual({ code: 64, stdout: '', stderr: `${name}: ${message}\n` });
  });

  it('a switch still takes =true and =false, as yargs documents', async () => {
    const port = String(await deadPort());
    const on = await run('udp-send', ['--json=true', '127.0.0.1', port, 'x']);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ protocol: 'udp', destination: { port: Number(port) } });
    const off = await run('udp-send', ['--json=false', '127.0.0.1', port, 'x']);
    expect(off).toMatchObject({ code: 0, stdout: '' });
    expect(off.stderr).toMatch(/^sent 1 byte to 127\.0\.0\.1:\d+ over udp\n$/);
  });
});

/**
 * Reads the examples back out of a help text: each command must stand whole at the start of a line, and its
 * description beside it or on the lines below. Returns each description as read, and the columns it starts at.
 */
function readExamples(help: string, name: string, examples: readonly Example[]) {
  const lines = help.slice(help.indexOf('\nExamples:\n') + 11).split('\n\n')[0]?.split('\n') ?? [];
  const commandAt = examples.map(([command]) => {
    const text = `  ${command.replace(/\$0/g, name)}`;
    return lines.findIndex((line) => line === text || line.startsWith(`${text}  `));
  });
  return examples.map(([command], i) => {
    const at = commandAt[i] as number;
    if (at < 0) return { command, description: undefined, columns: [] };
    const end = commandAt.filter((other) => other > at).reduce((a, b) => Math.min(a, b), lines.length);
    const text = `  ${command.replace(/\$0/g, name)}`;
    const parts = [lines[at]?.slice(text.length) ?? '', ...lines.slice(at + 1, end)].filter((part) => part.trim() !== '');
    const columns = parts.map((part, j) => (j === 0 && lines[at]?.slice(text.length) === part ? text.length : 0) + part.search(/\S/));
    return { command, description: parts.map((part) => part.trim()).join(' '), columns };
  });
}

describe('help at the width of the terminal', () => {
  it.each(NAMES.flatMap((name) => [80, 100].map((width) => ({ name, width }))))(
    '$name --help at $width columns: no line wider, every example whole on its line, descriptions in one column',
    async ({ name, width }) => {
      const { code, stdout } = await run(name, ['--help'], { COLUMNS: String(width) });
      expect(code).toBe(0);
      const wide = stdout.split('\n').filter((line) => line.length > width);
      expect(wide).toEqual([]);
      const read = readExamples(stdout, name, EXAMPLES[name]);
      for (const { command, description } of read) expect(description, command).toBe(EXAMPLES[name].find(([c]) => c === command)?.[1]);
      expect(new Set(read.flatMap((r) => r.columns)).size, JSON.stringify(read)).toBe(1);
    },
  );

  it('udp-send at 100 columns: every example on one line with its description (no "hi" left alone on a line)', async () => {
    const { stdout } = await run('udp-send', ['--help'], { COLUMNS: '100' });
    const section = stdout.slice(stdout.indexOf('Examples:\n')).split('\n\n')[0] ?? '';
    expect(section.split('\n')).toHaveLength(SEND_EXAMPLES.length + 1);
    expect(section).toContain('  udp-send --rate 500 --duration 10s 127.0.0.1 5005 hi        5000 datagrams, 500 a second\n');
    expect(section).toContain('  udp-send --pcap dns.pcapng --pcap-filter 53 127.0.0.1 5353  replay a capture\'s DNS queries\n');
  });

  it('an example too long to share its line at 80 columns keeps the line, its description below in the column', async () => {
    const { stdout } = await run('udp-send', ['--help'], { COLUMNS: '80' });
    expect(stdout).toContain(
      '\n  udp-send --pcap dns.pcapng --pcap-filter 53 127.0.0.1 5353\n                                                  replay a capture\'s DNS queries\n',
    );
  });

  it.each([
    { what: 'a terminal of 80 columns', tty: 80, env: {}, width: 80 },
    { what: 'a terminal of 200 columns', tty: 200, env: {}, width: 100 },
    { what: 'a terminal of 20 columns', tty: 20, env: {}, width: 40 },
    { what: 'COLUMNS=72 and no terminal', tty: undefined, env: { COLUMNS: '72' }, width: 72 },
    { what: 'a terminal of 90 and COLUMNS=72', tty: 90, env: { COLUMNS: '72' }, width: 90 },
    { what: 'COLUMNS=wide', tty: undefined, env: { COLUMNS: 'wide' }, width: 100 },
    { what: 'neither', tty: undefined, env: {}, width: 100 },
  ])('help is wrapped at $width for $what', ({ tty, env, width }) => {
    const { io } = memoryIO();
    io.env = env;
    if (tty !== undefined) Object.assign(io.stdout, { isTTY: true, columns: tty });
    expect(helpWidth(io)).toBe(width);
  });
});
