/** tshark on the loopback interface (or a veth in a test's namespace), for tests whose claim is about packets: addresses, ports, FIN and RST. */
import { spawnSync } from 'node:child_process';
import { startProcess, waitFor, type Running } from './helpers.js';

/** One TCP or UDP packet as tshark saw it on `lo`. */
export interface WirePacket {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  /** TCP payload bytes, or the UDP payload length. */
  length: number;
  /** The IPv4 TTL or IPv6 hop limit as it was on the wire where captured. */
  ttl: number;
}

/** Why tshark cannot capture here (not installed, not root), or undefined when it can. */
export function captureUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'capturing on lo needs root';
  const probe = spawnSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0 ? undefined : 'tshark is not installed (.ci/run installs it)';
}

const FIELDS = ['ip.src', 'ipv6.src', 'tcp.srcport', 'udp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'udp.dstport',
  'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.reset', 'tcp.len', 'udp.length', 'ip.ttl', 'ipv6.hlim'];

function parse(line: string): WirePacket | undefined {
  const f = line.split('\t');
  if (f.length < FIELDS.length) return undefined;
  const flag = (v: string | undefined): boolean => v === '1' || v === 'True';
  const udpLength = Number(f[12] || 0);
  return {
    src: f[0] || f[1] || '',
    srcPort: Number(f[2] || f[3]),
    dst: f[4] || f[5] || '',
    dstPort: Number(f[6] || f[7]),
    syn: flag(f[8]),
    fin: flag(f[9]),
    rst: flag(f[10]),
    length: f[11] ? Number(f[11]) : Math.max(0, udpLength - 8),
    ttl: Number(f[13] || f[14]),
  };
}

/**
 * Resolves once tshark (`capture`) captures: its "Capture started." line, which comes when dumpcap has the
 * interface open with the filter set. Its earlier "Capturing on" line comes a few milliseconds before that, and
 * packets sent in between are not captured.
 */
export async function captureStarted(capture: Running): Promise<void> {
  await capture.stderr.waitFor(/Capture started/, 20_000);
}

/** A running capture: `stop()` ends it once `enough` holds, and returns what it saw. */
export interface WireCapture {
  /**
   * Waits (up to 5 s) until at least `enough` packets were seen, or until `enough(packets)` holds, then stops tshark
   * and returns every packet it printed.
   */
  stop: (enough: number | ((packets: WirePacket[]) => boolean)) => Promise<WirePacket[]>;
}

/** Starts tshark on `lo` with a capture filter; resolves once it captures. tshark is killed when the test ends in any case. */
export function captureLo(filter: string): Promise<WireCapture> {
  return captureOn('lo', filter);
}

/** As {@link captureLo}, on any interface, inside network namespace `netns` when given. */
export async function captureOn(device: string, filter: string, netns?: string): Promise<WireCapture> {
  const args = ['-i', device, '-l', '-n', '-f', filter, '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
  const [command, ...rest] = netns === undefined ? ['tshark', ...args] : ['ip', 'netns', 'exec', netns, 'tshark', ...args];
  const tshark = startProcess(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  await captureStarted(tshark);
  const packets = (): WirePacket[] => tshark.stdout.text.split('\n').map(parse).filter((p): p is WirePacket => p !== undefined);
  return {
    stop: async (enough) => {
      // tshark prints packets as they come (-l): the last ones may still be on their way when the test is done.
      const done = typeof enough === 'number' ? (seen: WirePacket[]) => seen.length >= enough : enough;
      await waitFor(() => done(packets()), { what: () => `the packets expected on ${device} (tshark printed ${packets().length}; ${tshark.stderr.text.trim()})` });
      tshark.child.kill('SIGINT');
      await tshark.exit;
      return packets();
    },
  };
}
