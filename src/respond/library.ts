/**
 * The library's listen and send with the responder's options: `listen({ respond: [...] })` answers by rules,
 * `send({ expect: [...] })` checks the replies. Without those options they are core's functions, unchanged; the
 * rule parsers are loaded only when rules are given.
 */
import { listen as listenUdp, type DatagramHandler, type UdpListener, type UdpListenOptions as CoreUdpListenOptions } from '../core/udp-listener.js';
import { listenTcp as listenOverTcp, type RecordHandler, type TcpListener, type TcpListenOptions as CoreTcpListenOptions } from '../core/tcp-listener.js';
import { send as sendUdp, type UdpSendOptions as CoreUdpSendOptions, type UdpSendResult } from '../core/udp-sender.js';
import type { ReplyFunction } from '../core/reply-hook.js';
import { UdpkitError } from '../errors.js';
import { monotonicMs } from '../clock.js';
import type { DatagramRecord } from '../types.js';

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

/** Options `expect` does not go with. */
const NOT_WITH_EXPECT = ['intervalMs', 'durationMs', 'connect', 'broadcast', 'sourceAddress', 'sourcePort', 'ttl', 'multicastInterface', 'multicastLoop'] as const;

/**
 * Sends `payload` to host:port over UDP, `count` times; with `expect`, checks each request's replies.
 * @throws UdpkitError E_DATA (too large; with expect: no reply matched), E_UNKNOWN_HOST, E_REFUSED, E_TIMEOUT, E_UNAVAILABLE, E_PERMISSION
 */
export async function send(options: UdpSendOptions): Promise<UdpSendResult> {
  if (options.expect === undefined || options.expect.length === 0) return sendUdp(options);
  const waitMs = options.waitMs;
  const payload = options.payload;
  if (waitMs === undefined) throw new UdpkitError('E_USAGE', 'expect needs waitMs: how long to wait for each reply');
  if (!Buffer.isBuffer(payload)) throw new UdpkitError('E_USAGE', 'expect needs one payload (a Buffer), not a stream');
  const other = NOT_WITH_EXPECT.find((key) => options[key] !== undefined);
  if (other !== undefined) throw new UdpkitError('E_USAGE', `expect does not go with ${other}`);
  const [{ parseMatch }, { Conversation }, { expectSteps, runSteps }] = await Promise.all([import('./match.js'), import('./conversation.js'), import('./script.js')]);
  const matches = options.expect.map((text, i) => parseMatch(text, `expect[${i}]`));
  const count = options.count ?? 1;
  const conversation = await Conversation.open({ host: options.host, port: options.port, family: options.family, signal: options.signal });
  const local = conversation.local;
  const replies: DatagramRecord[] = [];
  const startedAt = Date.now();
  const t0 = monotonicMs();
  try {
    await runSteps(conversation, expectSteps(payload, matches, count, waitMs), (result) => {
      if (result.reply === undefined) return;
      const record: DatagramRecord = { event: 'datagram', protocol: 'udp', time: result.reply.time, from: result.reply.from, local, payload: result.reply.payload };
      replies.push(record);
      options.onReply?.(record);
    }, options.signal);
  } finally {
    await conversation.close();
  }
  return {
    protocol: 'udp',
    destination: conversation.destination,
    local,
    connected: false,
    messages: count,
    bytesPerMessage: payload.length,
    totalBytes: count * payload.length,
    startedAt,
    sendMs: monotonicMs() - t0,
    interrupted: options.signal?.aborted === true,
    replies,
  };
}
