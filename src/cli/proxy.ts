/** `udp-proxy`: parse, start the relay (and the control API), print status, records and the summary; stop on a signal. */
import type { Endpoint } from '../types.js';
import { UdpkitError } from '../errors.js';
import { proxy, type ProxyRecord, type UdpProxy, type WireDatagram } from '../proxy/proxy.js';
import { serveControl, type ControlServer } from '../proxy/control.js';
import { put, readerGone, guard, drain } from './output.js';
import type { CliIO } from './io.js';
import { parseProxyArgs, relayOptionsOf, type ProxyConfig } from './proxy-args.js';
import { runCommand } from './run.js';
import { PcapWriter, likelyDestination } from './pcap-writer.js';
import { startProxyWeb, type CommandWeb } from './web.js';
import { impairmentsLine, proxyListeningLine, proxySummaryLines, recordLine, sessionLine } from './proxy-lines.js';
import { startProxyMetrics } from './proxy-metrics.js';

/** Bytes of records the stream may hold unwritten; past this, records are dropped and counted (UDP cannot wait). */
const MAX_QUEUED = 8 * 1024 * 1024;

/** Records bound for stdout, joined and written every few milliseconds; dropped and counted while the reader is behind. */
class RecordOut {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;
  constructor(private readonly stream: CliIO['stdout']) {
    guard(stream);
  }
  add(line: string): void {
    if (this.stream.writableLength >= MAX_QUEUED) {
      this.dropped += 1;
      return;
    }
    this.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), 5);
  }
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    put(this.stream, this.pending.join(''));
    this.pending = [];
  }
}

/** A leg's address as a capture shows it: a wildcard bind written as the address this host would use. */
function onWire(at: Endpoint, other: Endpoint): Endpoint {
  if (at.address !== '0.0.0.0' && at.address !== '::') return at;
  return { ...at, address: likelyDestination(other.address, at) };
}

/** Starts the UDP relay with what `config` asks; records and wire datagrams to the handlers given. */
function startUdp(config: ProxyConfig, signal: AbortSignal | undefined, onRecord: ((r: ProxyRecord) => void) | undefined, wire: ((w: WireDatagram) => void) | undefined): Promise<UdpProxy> {
  return proxy({
    ...relayOptionsOf(config),
    sessionTimeoutMs: config.sessionTimeoutMs,
    maxSessions: config.maxSessions,
    signal,
    onRecord,
    onWire: wire,
  });
}

/** Resolves on Ctrl+C / SIGTERM (the io's signal). */
function untilStopped(io: CliIO): Promise<void> {
  return new Promise((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Runs the UDP relay until a signal; returns the exit code. */
async function runUdp(config: ProxyConfig, io: CliIO): Promise<number> {
  const out = config.format === undefined ? undefined : new RecordOut(io.stdout);
  const format = config.format;
  const pcap = config.pcap === undefined ? undefined : PcapWriter.open(config.pcap);
  let web: CommandWeb<ProxyRecord> | undefined = undefined;
  const onRecord =
    out === undefined && !config.verbose && config.web === undefined
      ? undefined
      : (record: ProxyRecord): void => {
          web?.push(record);
          if (config.verbose) {
            const line = sessionLine(record);
            if (line !== undefined) put(io.stderr, line);
          }
          const line = format === undefined ? undefined : recordLine(record, format);
          if (line !== undefined) out?.add(line);
        };
  const wire = pcap && ((w: WireDatagram) => pcap.add({ event: 'datagram', protocol: 'udp', time: w.time, from: onWire(w.from, w.to), local: onWire(w.to, w.from), payload: w.payload }));
  let relay: UdpProxy;
  try {
    relay = await startUdp(config, undefined, onRecord, wire);
  } catch (error) {
    pcap?.close();
    throw error;
  }
  let control: ControlServer | undefined;
  try {
    control = config.control && (await serveControl(relay, config.control.host, config.control.port));
  } catch (error) {
    await relay.close();
    pcap?.close();
    throw error;
  }
  const metrics = await startProxyMetrics(config, relay, async () => {
    await control?.close();
    pcap?.close();
  });
  put(io.stderr, proxyListeningLine('udp', relay.local, relay.target, config.seed === undefined ? relay.seed : undefined));
  put(io.stderr, impairmentsLine(relay.impairments()));
  if (control) put(io.stderr, `control API on http://${control.local.family === 'IPv6' ? `[${control.local.address}]` : control.local.address}:${control.local.port}/\n`);
  if (metrics) put(io.stderr, `metrics on ${metrics.url}\n`);
  web = await startProxyWeb(io, config.web, relay, async () => {
    await Promise.all([control?.close(), relay.close(), metrics?.close()]);
    pcap?.close();
  });
  await untilStopped(io);
  await metrics?.close();
  await control?.close();
  const summary = await relay.close();
  await web?.close();
  out?.flush();
  pcap?.close();
  await drain(io.stdout);
  put(io.stderr, proxySummaryLines(summary, out?.dropped ?? 0));
  if (pcap?.error) throw new UdpkitError('E_IO', `cannot write --pcap ${pcap.path}: ${(pcap.error as { code?: string }).code ?? pcap.error.message}`);
  const failure = io.stdout.errored;
  if (failure && !readerGone(failure)) throw new UdpkitError('E_IO', `cannot write output: ${failure.message}`);
  return 0;
}

/** Runs `udp-proxy` with `argv` (without node and script); resolves to the exit code. */
export function proxyMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-proxy', io, async () => {
    const config = await parseProxyArgs(argv, io);
    if (!config) return 0;
    if (config.tcp) {
      const { runTcp } = await import('./proxy-tcp.js');
      return runTcp(config, io);
    }
    return runUdp(config, io);
  });
}
