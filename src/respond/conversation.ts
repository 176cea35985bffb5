/**
 * One socket that talks to one peer, UDP or TCP (framed as asked): send a message, then wait for a reply that
 * satisfies a MATCH, keeping the ones that did not. What `udp-send --expect` and `--script` are run on.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Socket as TcpSocket } from 'node:net';
import { UdpkitError, fromSystemError } from '../errors.js';
import { formatEndpoint } from '../format/endpoint.js';
import { Deframer, encodeFrame, type Framing } from '../core/framing.js';
import { AllAttemptsFailed, connectFirst, describeAttempts, type FailedAttempt } from '../core/happy-eyeballs.js';
import { resolveAll, resolveHost, type ResolvedAddress } from '../core/resolve.js';
import { unmapEndpoint } from '../core/endpoint.js';
import { Waiter } from '../core/waiter.js';
import type { Endpoint } from '../types.js';
import { monotonicMs } from '../clock.js';
import { matchBytes, type Captures, type Matcher } from './match.js';
import { RegexBudget } from './regex-budget.js';

/** Replies held at most while no expectation takes them; past it they are counted, not kept. */
const MAX_HELD = 1000;

/** A reply as a conversation keeps it. */
export interface Reply {
  payload: Buffer;
  from: Endpoint;
  /** Monotonic-free: epoch ms when it arrived. */
  time: number;
}

/** Where and how to talk. */
export interface ConversationOptions {
  host: string;
  port: number;
  family?: 0 | 4 | 6 | undefined;
  /** TCP instead of UDP. */
  tcp?: boolean | undefined;
  /** TCP: how messages are delimited both ways (default `none`: a chunk is a reply). */
  frame?: Framing | undefined;
  /** TCP: give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What an expectation found: the reply that matched (with its captures), and the ones before it that did not. */
export interface ExpectOutcome {
  matched: Reply | undefined;
  captures: Captures | undefined;
  others: Reply[];
  /** Why it ended without a match: the time ran out, the peer closed, or the signal fired. */
  end: 'matched' | 'timeout' | 'closed' | 'aborted';
}

/** Whether `matcher` matches `payload`; regexes run under the time budget (a reply cannot hang the sender). */
export function matchReply(matcher: Matcher, payload: Buffer, budget: RegexBudget): Captures | undefined {
  if (matcher.kind !== 'regex') return matchBytes(matcher, payload);
  budget.beginPayload();
  const outcome = budget.exec(new RegExp(matcher.source, matcher.flags), payload.toString('latin1'));
  return outcome === 'none' || outcome === 'timeout' ? undefined : outcome;
}

/** A conversation with one peer over one socket. */
export class Conversation {
  private readonly held: Reply[] = [];
  /** Replies over {@link MAX_HELD}, counted. */
  overflow = 0;
  private closedByPeer = false;
  private failure: Error | undefined;
  private readonly waiter: Waiter;
  private readonly budget = new RegexBudget();
  /** TCP: milliseconds the connection took to open (the handshake). */
  connectMs: number | undefined;
  /** TCP: the addresses of the name tried before the one that answered, and why each failed. */
  triedFirst: FailedAttempt[] = [];

  private constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly destination: Endpoint,
    private readonly socket: UdpSocket | TcpSocket,
    private readonly frame: Framing,
    signal: AbortSignal | undefined,
  ) {
    this.waiter = new Waiter(signal);
  }

  /**
   * Opens the socket (binds it, or connects over TCP).
   * @throws UdpkitError E_UNKNOWN_HOST, E_REFUSED, E_TIMEOUT (TCP connect), E_UNAVAILABLE
   */
  static async open(options: ConversationOptions): Promise<Conversation> {
    if (options.tcp === true) {
      // Every address of the name, tried as udp-send --tcp tries them (happy eyeballs): localhost reaches a server
      // on 127.0.0.1 alone although ::1 comes first.
      const addresses = await resolveAll(options.host, options.family ?? 0);
      const c0 = monotonicMs();
      const { socket, address, failed } = await connectTcp(addresses, options.port, options.host, options.connectTimeoutMs ?? 5000);
      const conversation = new Conversation('tcp', { ...address, port: options.port }, socket, options.frame ?? 'none', options.signal);
      conversation.connectMs = monotonicMs() - c0;
      conversation.triedFirst = failed;
      conversation.listenTcp(socket);
      return conversation;
    }
    const resolved = await resolveHost(options.host, options.family ?? 0);
    const destination: Endpoint = { ...resolved, port: options.port };
    const socket = createSocket(destination.family === 'IPv6' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const conversation = new Conversation('udp', destination, socket, 'none', options.signal);
    socket.on('message', (payload, rinfo) => conversation.hold({ payload, from: unmapEndpoint(rinfo.address, rinfo.port, rinfo.family), time: Date.now() }));
    socket.on('error', (error) => conversation.fail(error));
    return conversation;
  }

  private listenTcp(socket: TcpSocket): void {
    const deframer = new Deframer(this.frame);
    const from = this.destination;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of deframer.push(chunk)) this.hold({ payload, from, time: Date.now() });
      } catch (error) {
        this.fail(error as Error);
        socket.destroy();
      }
    });
    socket.on('end', () => {
      this.closedByPeer = true;
      this.waiter.wake();
    });
    socket.on('close', () => {
      this.closedByPeer = true;
      this.waiter.wake();
    });
    socket.on('error', (error) => this.fail(error));
  }

  private hold(reply: Reply): void {
    if (this.held.length >= MAX_HELD) this.overflow += 1;
    else this.held.push(reply);
    this.waiter.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.waiter.wake();
  }

  private check(): void {
    if (this.failure !== undefined) throw fromSystemError(this.failure, `cannot talk to ${formatEndpoint(this.destination)} over ${this.protocol}`);
  }

  /** The local address and port of the socket. */
  get local(): Endpoint {
    const bound = this.socket.address() as { address?: string; port?: number; family?: string };
    return unmapEndpoint(bound.address ?? '', bound.port ?? 0, bound.family ?? this.destination.family);
  }

  /** Sends one message (over TCP, framed). */
  async send(payload: Buffer): Promise<void> {
    this.check();
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => (error ? reject(fromSystemError(error, `cannot send to ${formatEndpoint(this.destination)} over ${this.protocol}`)) : resolve());
      if (this.protocol === 'udp') {
        (this.socket as UdpSocket).send(payload, this.destination.port, this.destination.address, done);
      } else {
        (this.socket as TcpSocket).write(encodeFrame(payload, this.frame), done);
      }
    });
  }

  /**
   * Waits up to `ms` for a reply that `matcher` matches, taking replies in arrival order (those that did not match
   * are returned as `others`).
   */
  async expect(matcher: Matcher, ms: number): Promise<ExpectOutcome> {
    const others: Reply[] = [];
    let matched: Reply | undefined;
    let captures: Captures | undefined;
    const scan = (): boolean => {
      for (let reply = this.held.shift(); reply !== undefined; reply = this.held.shift()) {
        captures = matchReply(matcher, reply.payload, this.budget);
        if (captures !== undefined) {
          matched = reply;
          return true;
        }
        others.push(reply);
      }
      return this.closedByPeer || this.failure !== undefined;
    };
    const end = await this.waiter.until(scan, ms);
    this.check();
    if (matched !== undefined) return { matched, captures, others, end: 'matched' };
    return { matched, captures, others, end: end === 'aborted' ? 'aborted' : this.closedByPeer ? 'closed' : 'timeout' };
  }

  /** Closes the socket (TCP: ends it), idempotent. */
  async close(): Promise<void> {
    this.waiter.dispose();
    if (this.protocol === 'udp') {
      const socket = this.socket as UdpSocket;
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve();
        }
      });
    } else {
      (this.socket as TcpSocket).destroy();
    }
  }
}

/** Connects to the first of `addresses` that answers; errors name `host` and the last address tried. */
async function connectTcp(addresses: ResolvedAddress[], port: number, host: string, timeoutMs: number): Promise<{ socket: TcpSocket; address: ResolvedAddress; failed: FailedAttempt[] }> {
  const where = describeAttempts(addresses, port, host);
  try {
    return await connectFirst(addresses, port, timeoutMs, () => new UdpkitError('E_TIMEOUT', `cannot connect to ${where}: no answer within ${timeoutMs} ms`));
  } catch (error) {
    if (!(error instanceof AllAttemptsFailed)) throw error;
    throw fromSystemError(error.cause, `cannot connect to ${where}`);
  }
}
