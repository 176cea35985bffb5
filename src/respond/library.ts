/**
 * The library's listen and send with the responder's options: `listen({ respond: [...] })` answers by rules,
 * `send({ expect: [...] })` and `sendTcp({ expect: [...] })` check the replies. Without those options they are
 * core's functions, unchanged; the rule parsers are loaded only when rules are given.
 */
import { listen as listenUdp, type DatagramHandler, type UdpListener, type UdpListenOptions as CoreUdpListenOptions } from '../core/udp-listener.js';
import { listenTcp as listenOverTcp, type RecordHandler, type TcpListener, type TcpListenOptions as CoreTcpListenOptions } from '../core/tcp-listener.js';
import { send as sendUdp, type UdpSendOptions as CoreUdpSendOptions, type UdpSendResult } from '../core/udp-sender.js';
import { sendTcp as sendOverTcp, type TcpSendOptions as CoreTcpSendOptions, type TcpSendResult } from '../core/tcp-sender.js';
import { encodeFrame } from '../core/framing.js';
import type { ReplyFunction } from '../core/reply-hook.js';
import { UdpkitError } from '../errors.js';
import { monotonicMs } from '../clock.js';
import type { DataRecord, DatagramRecord, Endpoint } from '../types.js';
import { checkSendOptions } from '../core/options.js';
import type { Conversation, Reply } from './conversation.js';

/**
 * A responder rule: `'MATCH => REPLY'` as `udp-listen --respond` takes it, or an object as a `--respond-file`
 * rule is written (`{ match: 'HELLO', reply: 'WELCOME', then: 'connected' }`).
 */
export type RespondRule =
  | string
  | {
      match: string;
      reply?: string | string[];
      /** `50ms`, `1s`, or a number of milliseconds. */
      delay?: string | number;
      times?: number;
      drop?: boolean;
      when?: string;
      then?: string;
    };

/** The responder's options of a listener. */
export interface RespondOptions {
  /** Answer by these rules, tried in order (the echo, when on, answers what none matches). */
  respond?: readonly RespondRule[] | undefined;
}

/** Options of {@link listen}. */
export interface UdpListenOptions extends CoreUdpListenOptions, RespondOptions {}
/** Options of {@link listenTcp}. */
export interface TcpListenOptions extends CoreTcpListenOptions, RespondOptions {}

/** The reply function of `respond` rules (or the options' own `reply`). */
async function replyOf(options: RespondOptions & { reply?: ReplyFunction | undefined }): Promise<ReplyFunction | undefined> {
  if (options.respond === undefined || options.respond.length === 0) return options.reply;
  if (options.reply !== undefined) throw new UdpkitError('E_USAGE', 'give respond or reply, not both');
  const [{ parseRuleLine }, { checkRules }, { Responder }] = await Promise.all([import('./rules.js'), import('./rules-file.js'), import('./responder.js')]);
  const rules = options.respond.map((rule, i) => (typeof rule === 'string' ? parseRuleLine(rule, `respond[${i}]`) : checkRules({ rules: [rule] }, `respond[${i}]`)[0]));
  return new Responder(rules.filter((r) => r !== undefined)).reply;
}

/**
 * Binds UDP sockets and calls `handler` for every datagram, whole, with its sender; with `respond`, answers by rules.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE, E_UNKNOWN_HOST when it cannot bind; E_USAGE for a bad rule
 */
export async function listen(options: UdpListenOptions, handler: DatagramHandler): Promise<UdpListener> {
  return listenUdp({ ...options, reply: await replyOf(options) }, handler);
}

/**
 * Listens on TCP and reports each connection's open, data and close as records; with `respond`, answers each
 * chunk or frame by rules.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE when it cannot listen; E_USAGE for a bad rule
 */
export async function listenTcp(options: TcpListenOptions, handler: RecordHandler): Promise<TcpListener> {
  return listenOverTcp({ ...options, reply: await replyOf(options) }, handler);
}

/** Options of {@link send}. */
export interface UdpSendOptions extends CoreUdpSendOptions {
  /**
   * With `waitMs`: the replies each request must get, in order, each a MATCH (`'TEMP=*'`, `'/^TEMP=\\d+/'`,
   * `'hex:02ff*'`). The send rejects with E_DATA (65) when replies came and none matched, E_TIMEOUT (75) when none
   * came. Goes with `host`, `port`, `payload` (one Buffer), `family`, `count` and `signal` only.
   */
  expect?: readonly string[] | undefined;
}

/** Options of {@link sendTcp}. */
export interface TcpSendOptions extends CoreTcpSendOptions {
  /**
   * With `waitMs`: the replies (chunks, or frames with `frame`) each request must get, in order, each a MATCH, as
   * {@link UdpSendOptions.expect}: rejects with E_DATA (65) when replies came and none matched, E_TIMEOUT (75) when
   * none came, E_CLOSED when the peer closed first. Goes with `host`, `port`, `payload` (one Buffer), `family`,
   * `count`, `frame`, `connectTimeoutMs` and `signal` only.
   */
  expect?: readonly string[] | undefined;
}

/** Options `expect` does not go with. */
const NOT_WITH_EXPECT = ['intervalMs', 'durationMs', 'connect', 'broadcast', 'sourceAddress', 'sourcePort', 'ttl', 'multicastInterface', 'multicastLoop', 'sendTimeoutMs'] as const;

/** What a run of expectations did, for the result either transport gives. */
interface ExpectRun<R> {
  conversation: Conversation;
  /** The socket's address and port, read while it was open. */
  local: Endpoint;
  payload: Buffer;
  count: number;
  /** The replies that met an expectation, as records. */
  replies: R[];
  startedAt: number;
  sendMs: number;
}

/**
 * Sends the payload `count` times on one socket (UDP, or a TCP connection), checking each request's replies; each
 * reply that met an expectation is made a record by `record` and handed to `onReply` as it comes.
 * @throws UdpkitError E_USAGE (a bad option, or one expect does not go with), E_DATA, E_TIMEOUT, E_CLOSED naming the step
 */
async function runExpect<R extends DatagramRecord | DataRecord>(
  options: (UdpSendOptions | TcpSendOptions) & { expect: readonly string[] },
  tcp: TcpSendOptions | undefined,
  record: (reply: Reply, local: Endpoint) => R,
): Promise<ExpectRun<R>> {
  const { waitMs, payload } = options;
  if (waitMs === undefined) throw new UdpkitError('E_USAGE', 'expect needs waitMs: how long to wait for each reply');
  if (!Buffer.isBuffer(payload)) throw new UdpkitError('E_USAGE', 'expect needs one payload (a Buffer), not a stream');
  const other = NOT_WITH_EXPECT.find((key) => (options as Partial<Record<(typeof NOT_WITH_EXPECT)[number], unknown>>)[key] !== undefined);
  if (other !== undefined) throw new UdpkitError('E_USAGE', `expect does not go with ${other}`);
  await checkSendOptions(options);
  const [{ parseMatch }, { Conversation }, { expectSteps, runSteps }] = await Promise.all([import('./match.js'), import('./conversation.js'), import('./script.js')]);
  const matches = options.expect.map((text, i) => parseMatch(text, `expect[${i}]`));
  const count = options.count ?? 1;
  const { host, port, family, signal } = options;
  const conversation = await Conversation.open({ host, port, family, signal, tcp: tcp !== undefined, frame: tcp?.frame, connectTimeoutMs: tcp?.connectTimeoutMs });
  const local = conversation.local;
  const replies: R[] = [];
  const startedAt = Date.now();
  const t0 = monotonicMs();
  try {
    await runSteps(conversation, expectSteps(payload, matches, count, waitMs), (result) => {
      if (result.reply === undefined) return;
      const made = record(result.reply, local);
      replies.push(made);
      options.onReply?.(made);
    }, signal);
  } finally {
    await conversation.close();
  }
  return { conversation, local, payload, count, replies, startedAt, sendMs: monotonicMs() - t0 };
}

/** The fields of a send's result that a run of expectations gives alike over UDP and TCP. */
function resultOf<R>(run: ExpectRun<R>, totalBytes: number, signal: AbortSignal | undefined) {
  const { conversation, local, payload, count, startedAt, sendMs, replies } = run;
  const interrupted = signal?.aborted === true;
  return { destination: conversation.destination, local, messages: count, bytesPerMessage: payload.length, totalBytes, startedAt, sendMs, interrupted, replies };
}

/**
 * Sends `payload` to host:port over UDP, `count` times; with `expect`, checks each request's replies.
 * @throws UdpkitError E_DATA (too large; with expect: no reply matched), E_UNKNOWN_HOST, E_REFUSED, E_TIMEOUT, E_UNAVAILABLE, E_PERMISSION
 */
export async function send(options: UdpSendOptions): Promise<UdpSendResult> {
  const { expect } = options;
  if (expect === undefined || expect.length === 0) return sendUdp(options);
  const run = await runExpect({ ...options, expect }, undefined, (r, local): DatagramRecord => ({ event: 'datagram', protocol: 'udp', time: r.time, from: r.from, local, payload: r.payload }));
  return { protocol: 'udp', connected: false, ...resultOf(run, run.count * run.payload.length, options.signal) };
}

/**
 * Connects to host:port over TCP and writes `payload` `count` times; with `expect`, checks each request's replies
 * on the connection (framed as `frame` says), as {@link send} does over UDP.
 * @throws UdpkitError E_REFUSED, E_TIMEOUT, E_RESET, E_UNKNOWN_HOST, E_UNAVAILABLE; with expect: E_DATA, E_TIMEOUT, E_CLOSED naming the step
 */
export async function sendTcp(options: TcpSendOptions): Promise<TcpSendResult> {
  const { expect } = options;
  if (expect === undefined || expect.length === 0) return sendOverTcp(options);
  const frame = options.frame ?? 'none';
  const unit = frame === 'none' ? 'chunk' : 'frame';
  const run = await runExpect({ ...options, expect }, options, (r, local): DataRecord => ({ event: 'data', protocol: 'tcp', time: r.time, conn: 1, from: r.from, local, unit, payload: r.payload }));
  const totalBytes = run.count * encodeFrame(run.payload, frame).length;
  const replyBytes = run.replies.reduce((sum, r) => sum + r.payload.length, 0);
  const connectMs = run.conversation.connectMs ?? 0;
  return { protocol: 'tcp', ...resultOf(run, totalBytes, options.signal), connectMs, handedBytes: totalBytes, replyBytes, triedFirst: run.conversation.triedFirst, closedBy: 'us' };
}
