/** `udp-send`: parse, read and encode the message, send it, report on stderr (and stdout when asked). */
import type { TcpSendResult } from '../core/tcp-sender.js';
import { BROADCAST_NEEDED, send, type UdpSendResult } from '../core/udp-sender.js';
import { routeSource } from '../core/resolve.js';
import { formatEndpoint } from '../format/endpoint.js';
import { formatRecord, recordToJson } from '../format/records.js';
import { encodeMessage } from '../format/payload.js';
import { MAX_DATAGRAM, type SendBase } from '../types.js';
import { refuseRawToTerminal, type CliIO } from './io.js';
import { MAX_TCP_MESSAGE, readMessage, type ReadLimit } from './message.js';
import { put } from './output.js';
import { jsonSafe } from '../format/safe-text.js';
import { parseSendArgs, type SendConfig } from './send-args.js';
import { runCommand } from './run.js';
import { openLines, type Line } from './lines.js';
import { loadReplay, replayPayloads, type Replay } from './replay.js';
import { UdpkitError } from '../errors.js';
import { grouped } from '../format/grouped.js';
import { triedFirstPart } from './tried-first.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function bytes(n: number): string {
  return plural(n, 'byte');
}

function interruptedPart(result: { interrupted: boolean }): string {
  return result.interrupted ? ' (interrupted)' : '';
}

function tcpSentLine(result: TcpSendResult, asked?: number, lines = false): string {
  // Interrupted with writes queued: only what the kernel took was sent.
  const sent = result.handedBytes < result.totalBytes ? `${result.handedBytes} of ${result.totalBytes} bytes` : bytes(result.totalBytes);
  const what = lines ? `${plural(result.messages, 'line')} (${sent})` : result.messages === 1 ? sent : `${result.messages} messages (${sent})`;
  const rtt = result.rttMs && result.messages > 1 ? `: ${rttSummary(result.rttMs, result.lateReplies)}` : '';
  const pace = result.rttMs === undefined && result.messages > 1 ? `${spanPart(result)}${ratePart(result.rate, 'messages', asked)}` : '';
  const tried = triedFirstPart(result.triedFirst, result.destination.port);
  return `sent ${what} to ${formatEndpoint(result.destination)} over tcp (connected in ${result.connectMs.toFixed(2)} ms${tried})${pace}${rtt}${interruptedPart(result)}\n`;
}

function rttSummary(rttMs: (number | null)[], late = 0): string {
  const got = rttMs.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const lost = rttMs.length - got.length;
  const median = got[Math.floor((got.length - 1) / 2)] ?? Number.NaN;
  const f = (v: number | undefined): string => (v ?? Number.NaN).toFixed(3);
  return (
    `${got.length} of ${rttMs.length} answered${lost > 0 ? ` (${lost} without a reply in time${late > 0 ? `; ${late} late ${late === 1 ? 'reply' : 'replies'} came after` : ''})` : ''}, ` +
    `round trip min/median/max ${f(got[0])}/${f(median)}/${f(got.at(-1))} ms`
  );
}

/**
 * ` in 4.99 ms from the first to the last`: the span the rate is measured over, so the two agree (paced: n − 1
 * intervals between the first send and the last; unpaced: every message over the time the socket took them).
 */
function spanPart(result: UdpSendResult | TcpSendResult): string {
  if (result.spanMs !== undefined) return ` in ${result.spanMs.toFixed(result.spanMs < 100 ? 2 : 1)} ms from the first to the last`;
  return ` in ${result.sendMs.toFixed(1)} ms`;
}

/** `, 500.0 datagrams/s (asked for 500)`: the rate achieved, and the one asked for when --rate was given. @internal */
export function ratePart(rate: number | undefined, unit: string, asked: number | undefined): string {
  if (rate === undefined) return '';
  const digits = (v: number): string => grouped(v, v < 100 ? 2 : 0);
  const shown = digits(rate);
  return `, ${shown} ${shown === '1' ? unit.replace(/s$/, '') : unit}/s${asked === undefined ? '' : ` (asked for ${digits(asked)})`}`;
}

function sentLine(result: UdpSendResult, asked?: number, stream?: 'line' | 'datagram'): string {
  const where = `${formatEndpoint(result.destination)} over udp${result.connected ? ' (connected socket)' : ''}${interruptedPart(result)}`;
  if (stream !== undefined) {
    const what = `${plural(result.messages, stream)} (${bytes(result.totalBytes)})${stream === 'line' ? ', a datagram each,' : ''}`;
    if (result.rttMs && result.messages > 0) return `sent ${what} to ${where}: ${rttSummary(result.rttMs, result.lateReplies)}\n`;
    return `sent ${what} to ${where}${spanPart(result)}${ratePart(result.rate, 'datagrams', asked)}\n`;
  }
  if (result.rttMs && result.messages > 1) {
    return `sent ${result.messages} datagrams of ${bytes(result.bytesPerMessage)} to ${where}: ${rttSummary(result.rttMs, result.lateReplies)}\n`;
  }
  if (result.messages === 1) return `sent ${bytes(result.bytesPerMessage)} to ${where}\n`;
  return (
    `sent ${result.messages} datagrams of ${bytes(result.bytesPerMessage)} (${bytes(result.totalBytes)}) to ${where} ` +
    `${spanPart(result).trimStart()}${ratePart(result.rate, 'datagrams', asked)}\n`
  );
}

/** A library error that names an option (`broadcast: true`), said with the flag a command-line user gives. */
function namingFlags(error: unknown): never {
  if (error instanceof UdpkitError && error.message.endsWith(BROADCAST_NEEDED)) {
    throw new UdpkitError(error.code, error.message.replace(BROADCAST_NEEDED, 'sending to it needs --broadcast'), { errno: error.errno ?? 'EACCES' });
  }
  throw error;
}

/** The `--json` object: the result as the library gives it (`startedAt` in epoch milliseconds), replies as the listener's JSON. */
export function sendResultJson(result: UdpSendResult | TcpSendResult): Record<string, unknown> {
  const json: Record<string, unknown> = { ...result };
  if (result.replies !== undefined) json.replies = result.replies.map((record) => recordToJson(record));
  return json;
}

/**
 * How much of a file or stdin to read at most: the largest message the transport takes, times what an encoding
 * or escapes may spend per byte (`\\xHH` is four characters for one byte).
 */
function readLimit(config: SendConfig): ReadLimit {
  const textual = config.encoding !== 'utf8' || config.escapes ? 4 : 1;
  if (config.tcp) return { bytes: MAX_TCP_MESSAGE * textual, why: `the largest message udp-send --tcp takes (${MAX_TCP_MESSAGE} bytes)` };
  return { bytes: MAX_DATAGRAM.IPv6 * textual, why: `a UDP datagram carries at most ${MAX_DATAGRAM.IPv6} bytes (${MAX_DATAGRAM.IPv4} over IPv4)` };
}

/** What a replay read: `replaying 12 UDP datagrams of dns.pcapng (pcapng; left out: 30 other packets, …)`. */
function replayLine(path: string, replay: Replay): string {
  const left = [
    replay.filteredOut > 0 ? `${replay.filteredOut} on other ports` : '',
    replay.otherPackets > 0 ? `${plural(replay.otherPackets, 'packet')} not UDP` : '',
    replay.incomplete > 0 ? `${replay.incomplete} incomplete (fragments or cut by the snapshot length)` : '',
  ].filter((part) => part !== '');
  return `replayed ${plural(replay.datagrams.length, 'UDP datagram')} of ${path} (${replay.format}${left.length > 0 ? `; left out: ${left.join(', ')}` : ''})\n`;
}

/** Each line as the bytes it stands for (with --encoding hex, a line of hex is one message). */
async function* encodeLines(lines: AsyncIterable<Line>, config: SendConfig): AsyncGenerator<Buffer> {
  for await (const line of lines) {
    try {
      yield encodeMessage(line.bytes, config.encoding, config.escapes);
    } catch (error) {
      if (error instanceof UdpkitError) throw new UdpkitError(error.code, `line ${line.number}: ${error.message}`);
      throw error;
    }
  }
}

/** Runs `udp-send` with `argv` (without node and script); resolves to the exit code. */
export function sendMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-send', io, async () => {
    const config = await parseSendArgs(argv, io);
    if (!config) return 0;
    // Replies are printed only with --wait.
    if (config.waitMs !== undefined) refuseRawToTerminal(io, config.format, config.force);
    if (config.script !== undefined) return (await import('./converse.js')).converse(config, io, undefined);
    if (config.expect.length > 0) {
      const message = encodeMessage(await readMessage(config.message, config.file, io.stdin, readLimit(config), io.stdinFd), config.encoding, config.escapes);
      return (await import('./converse.js')).converse(config, io, message);
    }
    const replay = config.pcap === undefined ? undefined : await loadReplay(config.pcap, config.pcapFilter);
    const payload = replay
      ? replayPayloads(replay.datagrams, config.rate === undefined, io.signal)
      : config.lines
      ? encodeLines(await openLines(config.file, io.stdin, readLimit(config)), config)
      : encodeMessage(await readMessage(config.message, config.file, io.stdin, readLimit(config), io.stdinFd), config.encoding, config.escapes);
    const base: SendBase = {
      host: config.host.host,
      port: config.port,
      payload,
      itemName: replay ? 'datagram' : 'line',
      family: config.family,
      count: config.count,
      intervalMs: config.intervalMs,
      durationMs: config.durationMs,
      waitMs: config.waitMs,
      maxReplyBytes: config.maxReply,
      signal: io.signal,
      // Replies are printed as they arrive (with --json they are in the one object at the end).
      onReply: config.json ? undefined : (record) => put(io.stdout, formatRecord(record, config.format)),
    };
    const result = config.tcp
      ? await (await import('../core/tcp-sender.js')).sendTcp({
          ...base,
          frame: config.frame,
          connectTimeoutMs: config.connectTimeoutMs,
          sendTimeoutMs: config.sendTimeoutMs,
          sourceAddress: config.sourceAddress,
          sourcePort: config.sourcePort,
        })
      : await send({
          ...base,
          connect: config.connect,
          broadcast: config.broadcast,
          sourceAddress: config.sourceAddress,
          sourcePort: config.sourcePort,
          ttl: config.ttl,
          multicastInterface: config.multicastInterface,
          multicastLoop: config.multicastLoop,
        }).catch(namingFlags);
    if (config.verbose) {
      // An unconnected UDP socket is bound to the wildcard: the address its datagrams left from is the route's.
      const wildcard = result.local.address === '0.0.0.0' || result.local.address === '::';
      const address = wildcard ? ((await routeSource(result.destination.address, result.destination.family)) ?? result.local.address) : result.local.address;
      put(io.stderr, `from ${formatEndpoint({ address, port: result.local.port })} to ${formatEndpoint(result.destination)} over ${result.protocol}\n`);
    }
    if (replay && result.protocol === 'udp') put(io.stderr, replayLine(config.pcap ?? '', replay));
    put(io.stderr, result.protocol === 'tcp' ? tcpSentLine(result, config.rate, config.lines) : sentLine(result, config.rate, replay ? 'datagram' : config.lines ? 'line' : undefined));
    const overflow = result.replyOverflow;
    if (overflow && overflow.bytes > 0) {
      put(io.stderr, `replies over --max-reply ${config.maxReply} bytes: ${overflow.bytes} bytes not kept or printed\n`);
    }
    if (config.json) put(io.stdout, `${jsonSafe(JSON.stringify(sendResultJson(result)))}\n`);
    return 0;
  });
}
