/** Domain types shared by the core, the formatters and the CLI. */

/** An IP address family as Node.js names it. */
export type Family = 'IPv4' | 'IPv6';

/** Which transport a record came over. */
export type Protocol = 'udp' | 'tcp';

/** An address and port on one side of a datagram or connection. */
export interface Endpoint {
  address: string;
  port: number;
  family: Family;
}

/** The answer a responder rule gave a message (the record of that message carries it). */
export interface ReplyNote {
  /** The rule that matched, from 1. */
  rule: number;
  /** Replies the rule sends (0: the rule swallows the message). */
  replies: number;
  /** Their bytes in all. */
  bytes: number;
  /**
   * Why nothing is sent: `loop` (to the listener itself), `reflector` (to a well-known reflecting service's port),
   * `rate` (over the per-sender bound), `size`, `pending` (too many delayed replies waiting).
   */
  suppressed?: 'loop' | 'reflector' | 'rate' | 'size' | 'pending';
}

/** A datagram as the receiver got it. */
export interface DatagramRecord {
  event: 'datagram';
  protocol: 'udp';
  /** When it was read from the socket, in milliseconds since the epoch. */
  time: number;
  from: Endpoint;
  local: Endpoint;
  /** The payload, whole: `payload.length` is the datagram's true size. */
  payload: Buffer;
  /** With a responder: the rule that answered it (absent when no rule did). */
  reply?: ReplyNote;
}

/** How a TCP connection ended. */
export type CloseReason = 'fin' | 'reset' | 'idle-timeout' | 'max-frame' | 'max-conns' | 'shutdown' | 'error';

/** Bytes and chunks moved in one direction of a connection. */
export interface Traffic {
  bytes: number;
  chunks: number;
}

/** A TCP connection was accepted (or, with `--max-conns`, refused). */
export interface OpenRecord {
  event: 'open';
  protocol: 'tcp';
  time: number;
  conn: number;
  from: Endpoint;
  local: Endpoint;
}

/** A chunk as the socket delivered it, or a frame rebuilt from the stream. */
export interface DataRecord {
  event: 'data';
  protocol: 'tcp';
  time: number;
  conn: number;
  from: Endpoint;
  local: Endpoint;
  /** `chunk` with `--frame none`, `frame` otherwise, `partial` for an unfinished frame at close. */
  unit: 'chunk' | 'frame' | 'partial';
  payload: Buffer;
  /** With a responder: the rule that answered it (absent when no rule did). */
  reply?: ReplyNote;
}

/** A TCP connection ended. */
export interface CloseRecord {
  event: 'close';
  protocol: 'tcp';
  time: number;
  conn: number;
  from: Endpoint;
  local: Endpoint;
  reason: CloseReason;
  received: Traffic;
  sent: Traffic;
  /** Milliseconds from open to close. */
  durationMs: number;
}

/** Something went wrong on a connection (the connection is closed after it). */
export interface ErrorRecord {
  event: 'error';
  protocol: 'tcp';
  time: number;
  conn: number;
  from: Endpoint;
  local: Endpoint;
  code: string;
  message: string;
}

/** Every record a listener emits. */
export type TrafficRecord = DatagramRecord | OpenRecord | DataRecord | CloseRecord | ErrorRecord;

/** The output formats of records. */
export const FORMATS = ['text', 'json', 'hex', 'raw'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

/** How a message given on the command line is turned into bytes. */
export const ENCODINGS = ['utf8', 'hex', 'base64'] as const;
/** One of {@link ENCODINGS}. */
export type Encoding = (typeof ENCODINGS)[number];

/** The largest UDP payload per family: 65,535 − 8 (UDP header) − 20 (IPv4 header); IPv6 has no header in the length field. */
export const MAX_DATAGRAM: Record<Family, number> = { IPv4: 65_507, IPv6: 65_527 };

/** What every send (UDP or TCP) is told: where, what, and how often. */
export interface SendBase {
  host: string;
  port: number;
  /**
   * One payload, sent `count` times; or an async iterable of payloads, each sent once as it comes (one datagram or
   * one TCP message per item: how `--lines` streams stdin). A stream ends the run when it ends.
   */
  payload: Buffer | AsyncIterable<Buffer>;
  /** What an item of a streamed payload is called in errors (default `message`; `line` for --lines). */
  itemName?: string | undefined;
  /** 4 or 6 to resolve a name to that family only. */
  family?: 0 | 4 | 6 | undefined;
  /** How many times to send the payload (default 1). */
  count?: number | undefined;
  /**
   * Milliseconds between sends (default 0: as fast as the socket takes them); fractions allowed (0.01 is 100,000
   * per second). Paced against the monotonic clock: send i leaves at start + i × interval.
   */
  intervalMs?: number | undefined;
  /** Stop sending this many milliseconds after the first send; `count` then defaults to no limit. */
  durationMs?: number | undefined;
  /** Ping mode: after each send, wait up to this many milliseconds for a reply before sending the next. */
  waitMs?: number | undefined;
  /** Reply payload bytes kept in all (default 1 MiB); replies over it are counted, not kept. */
  maxReplyBytes?: number | undefined;
  /** Called for each reply kept, as it arrives (so a caller can print it at once). */
  onReply?: ((record: DataRecord | DatagramRecord) => void) | undefined;
  /** Ends a `count`/`interval` run early: the result says what was sent before. */
  signal?: AbortSignal | undefined;
}

/** Replies over the bound a sender keeps: counted, never held. */
export interface ReplyOverflow {
  records: number;
  bytes: number;
}

/**
 * What every send (UDP or TCP) did: one shape for both, each transport adding its own fields. `Reply` is how a
 * reply is recorded: a datagram over UDP, a chunk or frame over TCP.
 */
export interface SendResult<Reply extends DatagramRecord | DataRecord = DatagramRecord | DataRecord> {
  protocol: Protocol;
  destination: Endpoint;
  local: Endpoint;
  /** Messages sent whole: datagrams over UDP, messages written over TCP (ping mode: exchanges sent). */
  messages: number;
  /** The payload's size, or the largest payload of a stream (without framing). */
  bytesPerMessage: number;
  /** Bytes sent in all (over TCP, framing included). */
  totalBytes: number;
  /** When the first message was handed to the socket, in milliseconds since the epoch. */
  startedAt: number;
  /** Milliseconds from the first send to the last send's completion (in ping mode, to the last reply or time-out). */
  sendMs: number;
  /** Messages per second achieved, with more than one message: (n − 1) / spanMs when paced, n / sendMs when not. */
  rate?: number;
  /** Paced runs: milliseconds from the first send to the last (the span `rate` is measured over). */
  spanMs?: number;
  /** True when `signal` ended the run early: `messages` counts what was sent before. */
  interrupted: boolean;
  /** With waitMs: every reply kept, up to `maxReplyBytes` in all. */
  replies?: Reply[];
  /** With waitMs: the round trip of each exchange in milliseconds, null where no reply came in time. */
  rttMs?: (number | null)[];
  /** With waitMs: reply bytes over `maxReplyBytes` (or unsolicited ones over the queue bound), counted and not kept. */
  replyOverflow?: ReplyOverflow;
  /** With waitMs: replies that came after their exchange's wait was over (counted, not kept, not in `rttMs`). */
  lateReplies?: number;
  /** With waitMs: the round trip of the first exchange that got a reply. */
  replyMs?: number;
}
