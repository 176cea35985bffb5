/** `udp-listen`: parse, bind, print records through a buffered writer, stop on count/timeout/signal, summarise. */
import { isIP } from 'node:net';
import { listen, type UdpListener } from '../core/udp-listener.js';
import type { TcpListener } from '../core/tcp-listener.js';
import type { StopReason } from '../core/completion.js';
import { UdpkitError } from '../errors.js';
import type { DatagramRecord, TrafficRecord } from '../types.js';
import { BufferedWriter } from './buffered-writer.js';
import { PcapWriter } from './pcap-writer.js';
import { TimeFormat, needsPreciseTime } from '../format/time.js';
import type { RecordStyle } from '../format/records.js';
import { put, readerGone } from './output.js';
import { refuseRawToTerminal, type CliIO } from './io.js';
import { parseListenArgs, type ListenConfig } from './listen-args.js';
import { runCommand } from './run.js';
import { groupsLine, listeningLine, statsLine, summaryLine } from './summary.js';
import { verboseLines } from './verbose.js';
import { readFile } from 'node:fs/promises';
import type { Responder } from '../respond/responder.js';
import { unreadable } from './file-errors.js';
import { show } from '../format/show.js';
import { startListenWeb, type CommandWeb } from './web.js';

type Listener = UdpListener | TcpListener;

/** The responder of --respond and --respond-file, or undefined without them. */
async function responderOf(config: ListenConfig): Promise<Responder | undefined> {
  if (config.respond.length === 0 && config.respondFile === undefined) return undefined;
  const rules = [...config.respond];
  if (config.respondFile !== undefined) {
    const { parseRulesFile } = await import('../respond/rules-file.js');
    let source: string;
    try {
      source = await readFile(config.respondFile, 'utf8');
    } catch (error) {
      throw unreadable(error, `cannot read --respond-file ${show(config.respondFile)}`);
    }
    rules.push(...parseRulesFile(source, config.respondFile));
  }
  const { Responder } = await import('../respond/responder.js');
  return new Responder(rules);
}

/** Binds the UDP or TCP listener `config` asks for, every record to `write`. */
async function startListener(config: ListenConfig, responder: Responder | undefined, write: (record: TrafficRecord) => void): Promise<Listener> {
  const common = {
    reply: responder?.reply,
    port: config.ports,
    host: config.host,
    family: config.family,
    echo: config.echo,
    count: config.count,
    idleTimeoutMs: config.timeoutMs,
    stopOn: config.stopOn === undefined ? undefined : Buffer.from(config.stopOn),
    preciseTime: needsPreciseTime(config.time),
    allow: config.allow,
    deny: config.deny,
  };
  if (!config.tcp) return listen({ ...common, rcvbuf: config.rcvbuf, echoRate: config.echoRate, echoAnyPort: config.echoAnyPort, join: config.join }, write);
  const { listenTcp } = await import('../core/tcp-listener.js');
  const tcp = { frame: config.frame, maxFrame: config.maxFrame, maxConns: config.maxConns, connIdleTimeoutMs: config.idleTimeoutMs, echoRate: config.echoRate };
  return listenTcp({ ...common, ...tcp }, write);
}

/** The lines that say where the listener listens, and whether the kernel cut its receive buffer. */
function announce(io: CliIO, config: ListenConfig, listener: Listener): void {
  put(
    io.stderr,
    config.join.length > 0 && listener.protocol === 'udp'
      ? groupsLine(listener.locals, config.join)
      : listeningLine(listener, config.host !== undefined && isIP(config.host) === 0 ? config.host : undefined),
  );
  if (listener.protocol === 'udp' && listener.recvBuffer.capped) {
    put(
      io.stderr,
      `receive buffer: asked for ${listener.recvBuffer.requested} bytes${listener.recvBuffer.byDefault ? ' (the default)' : ''}, the kernel granted ${listener.recvBuffer.granted / 2} ` +
        `(net.core.rmem_max caps it; raise it with sysctl -w net.core.rmem_max=N)\n`,
    );
  }
}

/** With --stats, a rate line on stderr every second; returns what stops it. */
function startStats(io: CliIO, config: ListenConfig, listener: Listener): () => void {
  if (!config.stats) return () => undefined;
  let before = listener.summary();
  const timer = setInterval(() => {
    const now = listener.summary();
    put(io.stderr, statsLine(now, before, 1000));
    before = now;
  }, 1000);
  return () => clearInterval(timer);
}

/** With --metrics, /metrics served from the listener's summary. */
async function startMetrics(io: CliIO, config: ListenConfig, listener: Listener, out: BufferedWriter): Promise<{ close(): Promise<void> } | undefined> {
  if (config.metrics === undefined) return undefined;
  const { serveListenerMetrics } = await import('../metrics/serve.js');
  const ports = [...new Set(listener.locals.map((l) => l.port))];
  const server = await serveListenerMetrics({ summary: () => listener.summary(), ports, droppedRecords: () => out.droppedRecords }, config.metrics);
  put(io.stderr, `metrics on ${server.url}\n`);
  return server;
}

/** How a run ended: its reason, and the error of a record handler that threw (a bug: exit 70 after the flush). */
interface Ending {
  reason: StopReason;
  handlerError?: { error: unknown };
}

/** Waits for a stop condition, Ctrl+C (the signal), or the output failing. */
async function untilEnd(io: CliIO, listener: Listener, out: BufferedWriter): Promise<Ending> {
  const stopped = new Promise<StopReason>((resolve) => {
    if (io.signal?.aborted) resolve('closed');
    io.signal?.addEventListener('abort', () => resolve('closed'), { once: true });
  });
  return Promise.race([listener.done, stopped, out.failed.then((): StopReason => 'closed')]).then(
    (reason): Ending => ({ reason }),
    (error: unknown): Ending => ({ reason: 'closed', handlerError: { error } }),
  );
}

/** After the summary: the exit code's reasons, as errors (none: exit 0). */
function checkEnding(config: ListenConfig, ending: Ending, records: number, senders: number, out: BufferedWriter, pcap: PcapWriter | undefined): void {
  if (ending.handlerError !== undefined) throw ending.handlerError.error;
  if (pcap?.error) throw new UdpkitError('E_IO', `cannot write --pcap ${pcap.path}: ${(pcap.error as { code?: string }).code ?? pcap.error.message}`);
  // The reader went away (`| head -3`): it had what it wanted; the summary above is the last word.
  if (out.error && !readerGone(out.error)) throw new UdpkitError('E_IO', `cannot write output: ${out.error.message}`);
  // A quiet spell after data is how a capture ends (exit 0, like `timeout`'s callers expect); 75 means nothing came.
  if (ending.reason === 'timeout' && records === 0 && senders === 0) {
    throw new UdpkitError('E_TIMEOUT', `timed out: nothing received for ${(config.timeoutMs ?? 0) / 1000} s`);
  }
}

/** Runs `udp-listen` with `argv` (without node and script); resolves to the exit code. */
export function listenMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-listen', io, async () => {
    const config = await parseListenArgs(argv, io);
    if (!config) return 0;
    refuseRawToTerminal(io, config.format, config.force);
    // A reader that falls behind: TCP connections stop being read (their senders are slowed by flow control);
    // UDP cannot slow its senders, so records are dropped and counted, and the summary says how many.
    let pauseTcp: ((blocked: boolean) => void) | undefined;
    const out = new BufferedWriter(io.stdout, config.tcp ? { drop: false, onBlocked: (blocked) => pauseTcp?.(blocked) } : { drop: true });
    const style: RecordStyle = { time: new TimeFormat(config.time), showLocal: false };
    const status = config.verbose ? verboseLines() : undefined;
    // Opened once the listener is bound (as tcpdump opens its file after the device): a port in use must not leave
    // an existing capture truncated to an empty one. No datagram can be handled before the bind's continuation runs.
    let pcap: PcapWriter | undefined;
    let web: CommandWeb<DatagramRecord> | undefined = undefined;
    const responder = await responderOf(config);
    const listener = await startListener(config, responder, (record) => {
      if (pcap && record.event === 'datagram') pcap.add(record);
      if (web && record.event === 'datagram') web.push(record);
      const line = status?.(record);
      if (line !== undefined) put(io.stderr, line);
      out.record(record, config.format, style);
    });
    let metrics: { close(): Promise<void> } | undefined;
    try {
      // Not truncated until the other ports are bound too: a port in use leaves an existing capture as it was.
      pcap = config.pcap === undefined ? undefined : PcapWriter.open(config.pcap, { start: false });
      // Several ports or groups: a text record says which one received it (JSON always has `local`).
      style.showLocal = config.ports.length > 1 || config.join.length > 1;
      if (listener.protocol === 'tcp') pauseTcp = (blocked) => (blocked ? listener.pause() : listener.resume());
      announce(io, config, listener);
      metrics = await startMetrics(io, config, listener, out);
      web = await startListenWeb(io, config.web, listener);
      pcap?.start();
    } catch (error) {
      // A part that cannot start (the capture file, the /metrics or --web port) ends the run: what did start is
      // closed, the capture with what it holds, so that nothing is left open or half-written behind the error.
      await metrics?.close();
      await listener.close();
      pcap?.abandon();
      await out.end();
      throw error;
    }
    const stopStats = startStats(io, config, listener);
    const ending = await untilEnd(io, listener, out);
    stopStats();
    await metrics?.close();
    const summary = await listener.close({ drain: ending.reason === 'closed' });
    await web?.close();
    pcap?.close();
    await out.end();
    put(io.stderr, summaryLine(summary, { dropped: out.droppedRecords, abandonedBytes: out.abandonedBytes }, responder?.budget));
    checkEnding(config, ending, summary.records, summary.senders, out, pcap);
    return 0;
  });
}
