/** tshark on the loopback interface (or a veth in a test's namespace), for tests whose claim is about packets: addresses, ports, FIN and RST. */
import { spawn, spawnSync } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { Capture } from './helpers.js';

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
 * Starts tshark on `lo` with a capture filter; resolves once it captures. `stop()` ends it and returns what it saw.
 * tshark is killed when the test ends in any case.
 */
export function captureLo(filter: string): Promise<{ stop: () => Promise<WirePacket[]> }> {
  return captureOn('lo', filter);
}

/** As {@link captureLo}, on any interface, inside network namespace `netns` when given. */
export async function captureOn(device: string, filter: string, netns?: string): Promise<{ stop: () => Promise<WirePacket[]> }> {
  const args = ['-i', device, '-l', '-n', '-f', filter, '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
  const child = netns === undefined
    ? spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('ip', ['netns', 'exec', netns, 'tshark', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new Capture();
  const err = new Capture();
  child.stdout.pipe(out);
  child.stderr.pipe(err);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  await err.waitFor(/Capturing on/, 20_000);
  return {
    stop: async () => {
      // tshark prints packets as they come (-l); a moment lets the last ones through before it stops.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGINT');
      await exited;
      return out.text.split('\n').map(parse).filter((p): p is WirePacket => p !== undefined);
    },
  };
}
