/** `udp-listen`: parse, bind, print records through a buffered writer, stop on count/timeout/signal, summarise. */
import { isIP } from 'node:net';
import { listenUdp } from '../core/udp-listener.js';
import type { StopReason } from '../core/completion.js';
import { UdpkitError } from '../errors.js';
import type { TrafficRecord } from '../types.js';
import { BufferedWriter } from './buffered-writer.js';
import { PcapWriter } from './pcap-writer.js';
import { TimeFormat, needsPreciseTime } from '../format/time.js';
import type { RecordStyle } from '../format/records.js';
import { put, readerGone } from './output.js';
import { refuseRawToTerminal, type CliIO } from './io.js';
import { parseListenArgs } from './listen-args.js';
import { runCommand } from './run.js';
import { groupsLine, listeningLine, statsLine, summaryLine } from './summary.js';
import { verboseLines } from './verbose.js';

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
    const common = {
      port: config.ports,
      host: config.host,
      family: config.family,
      echo: config.echo,
      count: config.count,
      idleTimeoutMs: config.timeoutMs,
      stopOn: config.stopOn === undefined ? undefined : Buffer.from(config.stopOn),
      preciseTime: needsPreciseTime(config.time),
    };
    const style: RecordStyle = { time: new TimeFormat(config.time), showLocal: false };
    const status = config.verbose ? verboseLines() : undefined;
    // Opened once the listener is bound (as tcpdump opens its file after the device): a port in use must not leave
    // an existing capture truncated to an empty one. No datagram can be handled before the bind's continuation runs.
    let pcap: PcapWriter | undefined;
    const write = (record: TrafficRecord): void => {
      if (pcap && record.event === 'datagram') pcap.add(record);
      const line = status?.(record);
      if (line !== undefined) put(io.stderr, line);
      out.record(record, config.format, style);
    };
    const listener = config.tcp
      ? await (
          await import('../core/tcp-listener.js')
        ).listenTcp(
          {
            ...common,
            frame: config.frame,
            maxFrame: config.maxFrame,
            maxConns: config.maxConns,
            connIdleTimeoutMs: config.idleTimeoutMs,
          },
          write,
        )
      : await listenUdp({ ...common, rcvbuf: config.rcvbuf, echoRate: config.echoRate, join: config.join }, write);
    try {
      pcap = config.pcap === undefined ? undefined : PcapWriter.open(config.pcap);
    } catch (error) {
      await listener.close();
      throw error;
    }
    // Several ports or groups: a text record says which one received it (JSON always has `local`).
    style.showLocal = config.ports.length > 1 || config.join.length > 1;
    if (listener.protocol === 'tcp') pauseTcp = (blocked) => (blocked ? listener.pause() : listener.resume());
    put(
      io.stderr,
      config.join.length > 0 && listener.protocol === 'udp'
        ? groupsLine(listener.locals, config.join)
        : listeningLine(listener, config.host !== undefined && isIP(config.host) === 0 ? config.host : undefined),
    );
    if (listener.protocol === 'udp' && listener.recvBuffer.capped) {
      put(
        io.stderr,
        `receive buffer: asked for ${listener.recvBuffer.requested} bytes, the kernel granted ${listener.recvBuffer.granted / 2} ` +
          `(net.core.rmem_max caps it; raise it with sysctl -w net.core.rmem_max=N)\n`,
      );
    }
    let statsTimer: NodeJS.Timeout | undefined;
    if (config.stats) {
      let before = listener.summary();
      statsTimer = setInterval(() => {
        const now = listener.summary();
        put(io.stderr, statsLine(now, before, 1000));
        before = now;
      }, 1000);
    }
    const stopped = new Promise<StopReason>((resolve) => {
      if (io.signal?.aborted) resolve('closed');
      io.signal?.addEventListener('abort', () => resolve('closed'), { once: true });
    });
    // A record handler that throws (a bug) rejects `done`: what was received before is still flushed, then exit 70.
    let handlerError: { error: unknown } | undefined;
    const reason = await Promise.race([listener.done, stopped, out.failed.then((): StopReason => 'closed')]).catch(
      (error: unknown): StopReason => {
        handlerError = { error };
        return 'closed';
      },
    );
    if (statsTimer) clearInterval(statsTimer);
    const summary = await listener.close({ drain: reason === 'closed' });
    pcap?.close();
    await out.end();
    put(io.stderr, summaryLine(summary, { dropped: out.droppedRecords, abandonedBytes: out.abandonedBytes }));
    if (handlerError !== undefined) throw handlerError.error;
    if (pcap?.error) throw new UdpkitError('E_IO', `cannot write --pcap ${pcap.path}: ${(pcap.error as { code?: string }).code ?? pcap.error.message}`);
    // The reader went away (`| head -3`): it had what it wanted; the summary above is the last word.
    if (out.error && !readerGone(out.error)) throw new UdpkitError('E_IO', `cannot write output: ${out.error.message}`);
    // A quiet spell after data is how a capture ends (exit 0, like `timeout`'s callers expect); 75 means nothing came.
    if (reason === 'timeout' && summary.records === 0 && summary.senders === 0) {
      throw new UdpkitError('E_TIMEOUT', `timed out: nothing received for ${(config.timeoutMs ?? 0) / 1000} s`);
    }
    return 0;
  });
}
