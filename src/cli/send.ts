/** `udp-send`: parse, read and encode the message, send it, report on stderr (and stdout when asked). */
import { sendUdp, type UdpSendResult } from '../core/udp-sender.js';
import { formatEndpoint } from '../format/endpoint.js';
import { formatRecord, recordToJson } from '../format/records.js';
import { encodeMessage } from '../payload.js';
import type { CliIO } from './io.js';
import { readMessage } from './message.js';
import { parseSendArgs } from './send-args.js';
import { runCommand } from './run.js';

function sentLine(result: UdpSendResult): string {
  const where = `${formatEndpoint(result.destination)} over udp${result.connected ? ' (connected socket)' : ''}`;
  if (result.datagrams === 1) return `sent ${result.bytesPerDatagram} bytes to ${where}\n`;
  return (
    `sent ${result.datagrams} datagrams of ${result.bytesPerDatagram} bytes (${result.totalBytes} bytes) to ${where} ` +
    `in ${result.sendMs.toFixed(1)} ms\n`
  );
}

/** The `--json` object: what was sent, where, how long it took, and the reply. */
export function sendResultJson(result: UdpSendResult): Record<string, unknown> {
  const { reply, ...rest } = result;
  return {
    ...rest,
    startedAt: new Date(result.startedAt).toISOString(),
    ...(reply ? { reply: recordToJson(reply) } : {}),
  };
}

/** Runs `udp-send` with `argv` (without node and script); resolves to the exit code. */
export function sendMain(argv: string[], io: CliIO): Promise<number> {
  return runCommand('udp-send', io, async () => {
    const config = await parseSendArgs(argv, io);
    if (!config) return 0;
    const raw = await readMessage(config.message, config.file, io.stdin);
    const payload = encodeMessage(raw, config.encoding, config.escapes);
    const result = await sendUdp({
      host: config.host.host,
      port: config.port,
      payload,
      family: config.family,
      count: config.count,
      intervalMs: config.intervalMs,
      connect: config.connect,
      waitMs: config.waitMs,
    });
    io.stderr.write(sentLine(result));
    if (config.json) io.stdout.write(`${JSON.stringify(sendResultJson(result))}\n`);
    else if (result.reply) io.stdout.write(formatRecord(result.reply, config.format));
    return 0;
  });
}
