/**
 * `udp-send --expect` and `udp-send --script`: a conversation on one socket, each step printed with its result;
 * exit 0 only when every expectation held (65: replies came and none matched, 75: none came).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { formatEndpoint } from '../format/endpoint.js';
import { formatRecord } from '../format/records.js';
import { show } from '../format/show.js';
import type { Conversation } from '../respond/conversation.js';
import { expectSteps, type Step, type StepResult } from '../respond/script.js';
import type { CliIO } from './io.js';
import { put } from './output.js';
import { triedFirstPart } from './tried-first.js';
import { unreadable } from './file-errors.js';
import type { SendConfig } from './send-args.js';

/** The steps of a --script file; `send: { file }` is read relative to the script. */
async function scriptSteps(path: string, waitMs: number | undefined): Promise<Step[]> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(error, `cannot read --script ${show(path)}`);
  }
  const { parseScript } = await import('../respond/script-file.js');
  const load = (file: string): Buffer => {
    const full = resolve(dirname(path), file);
    try {
      return readFileSync(full);
    } catch (error) {
      throw unreadable(error, `cannot read ${show(file)}`);
    }
  };
  return waitMs === undefined ? parseScript(source, path, load) : parseScript(source, path, load, waitMs);
}

/** Opens the conversation `config` asks for. */
async function open(config: SendConfig, io: CliIO): Promise<Conversation> {
  const { Conversation } = await import('../respond/conversation.js');
  return Conversation.open({
    host: config.host.host,
    port: config.port,
    family: config.family,
    tcp: config.tcp,
    frame: config.frame,
    connectTimeoutMs: config.connectTimeoutMs,
    signal: io.signal,
  });
}

/**
 * Runs --expect (with `payload`) or --script: prints each step (--script) or each matching reply (--expect) on
 * stdout, a closing line on stderr; resolves to 0 when every expectation held, throws the first that did not.
 */
export async function converse(config: SendConfig, io: CliIO, payload: Buffer | undefined): Promise<number> {
  const steps =
    config.script !== undefined
      ? await scriptSteps(config.script, config.waitMs)
      : expectSteps(payload ?? Buffer.alloc(0), config.expect, config.count ?? 1, config.waitMs ?? 0);
  const conversation = await open(config, io);
  // Over TCP to a name: the addresses that failed before the one that answered, as udp-send --tcp says them.
  const where = `${formatEndpoint(conversation.destination)} over ${conversation.protocol}${triedFirstPart(conversation.triedFirst, conversation.destination.port)}`;
  const local = conversation.local;
  const report = (result: StepResult): void => {
    if (config.script !== undefined) put(io.stdout, `step ${result.index} ${result.what}: ${result.result}\n`);
    else if (result.reply !== undefined) {
      const { payload: bytes, from, time } = result.reply;
      const record =
        conversation.protocol === 'udp'
          ? ({ event: 'datagram', protocol: 'udp', time, from, local, payload: bytes } as const)
          : ({ event: 'data', protocol: 'tcp', conn: 1, unit: config.frame === 'none' ? 'chunk' : 'frame', time, from, local, payload: bytes } as const);
      put(io.stdout, formatRecord(record, config.format));
    }
  };
  const { runSteps } = await import('../respond/script.js');
  try {
    await runSteps(conversation, steps, report, io.signal);
  } finally {
    await conversation.close();
  }
  const expectations = steps.filter((s) => s.kind === 'expect').length;
  put(io.stderr, `${expectations === 1 ? '1 expectation' : `${expectations} expectations`} held, ${steps.length} steps with ${where}\n`);
  return 0;
}
