/** `udp-send`: parse, read and encode the message, send it, report on stderr (and stdout when asked). */
import type { TcpSendResult } from '../core/tcp-sender.js';
import { sendUdp, type UdpSendResult } from '../core/udp-sender.js';
import { formatEndpoint } from '../format/endpoint.js';
import { formatRecord, recordToJson } from '../format/records.js';
import { encodeMessage } from '../payload.js';
import type { SendBase } from '../types.js';
import type { CliIO } from './io.js';
import { readMessage } from './message.js';
import { parseSendArgs } from './send-args.js';
import { runCommand } from './run.js';

function tcpSentLine(result: TcpSendResult): string {
  const what = result.messages === 1 ? `${result.totalBytes} bytes` : `${result.messages} messages (${result.totalBytes} bytes)`;
  return `sent ${what} to ${formatEndpoint(result.destination)} over tcp (connected in ${result.connectMs.toFixed(2)} ms)\n`;
}

function sentLine(result: UdpSendResult): string {
  const where = `${formatEndpoint(result.destination)} over udp${result.connected ? ' (connected socket)' : ''}`;
  if (result.datagrams === 1) return `sent ${result.bytesPerDatagram} bytes to ${where}\n`;
  return (
    `sent ${result.datagrams} datagrams of ${result.bytesPerDatagram} bytes (${result.totalBytes} bytes) to ${where} ` +
    `in ${result.sendMs.toFixed(1)} ms\n`
  );
}

/** The `--json` object: what was sent, where, how long it took, and the reply. */
export function sendResultJson(result: UdpSendResult | TcpSendResult): Record<string, unknown> {
  const { reply, ...rest } = result;
  const replyJson = reply === undefined ? undefined : Array.isArray(reply) ? reply.map(recordToJson) : recordToJson(reply);
  return {
    ...rest,
    startedAt: new Date(result.startedAt).toISOString(),
    ...(replyJson ? { reply: replyJson } : {}),
  };
}

/** Runs `udp-send` with `argv` (without node and script); resolves to the exit code. */
export function sendMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-send', io, async () => {
    const config = await parseSendArgs(argv, io);
    if (!config) return 0;
    const raw = await readMessage(config.message, config.file, io.stdin);
    const payload = encodeMessage(raw, config.encoding, config.escapes);
    const base: SendBase = {
      host: config.host.host,
      port: config.port,
      payload,
      family: config.family,
      count: config.count,
      intervalMs: config.intervalMs,
      waitMs: config.waitMs,
    };
    if (config.tcp) {
      const { sendTcp } = await import('../core/tcp-sender.js');
      const result = await sendTcp({ ...base, frame: config.frame, connectTimeoutMs: config.connectTimeoutMs });
      io.stderr.write(tcpSentLine(result));
      if (config.json) io.stdout.write(`${JSON.stringify(sendResultJson(result))}\n`);
      else for (const record of result.reply ?? []) io.stdout.write(formatRecord(record, config.format));
      return 0;
    }
    const result = await sendUdp({ ...base, connect: config.connect });
    io.stderr.write(sentLine(result));
    if (config.json) io.stdout.write(`${JSON.stringify(sendResultJson(result))}\n`);
    else if (result.reply) io.stdout.write(formatRecord(result.reply, config.format));
    return 0;
  });
}
