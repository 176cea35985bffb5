/**
 * The receive path of a UDP listener, run for every datagram: counted, checked against the stop conditions,
 * echoed when asked (within the echo guard's bounds), and handed on as a record. @internal
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { unmapEndpoint } from './endpoint.js';
import type { DatagramRecord, Endpoint } from '../types.js';
import type { Completion } from './completion.js';
import { Counters } from './stats.js';
import { EchoGuard } from './echo-guard.js';
import { EchoCounts } from './echo-counts.js';
import type { AddressFilter } from './address-filter.js';
import { monotonicMs, preciseWallMs } from '../clock.js';
import type { ReplyFunction } from './reply-hook.js';
import { UdpReplier } from './udp-replies.js';

/** How the intake treats datagrams. @internal */
export interface IntakeOptions {
  /** Send each datagram back to its sender, bounded by the echo guard. */
  echo?: boolean | undefined;
  /** With echo: echoes per second per sender (0: no bound). */
  echoRate?: number | undefined;
  /** Microsecond record times instead of `Date.now()`. */
  preciseTime?: boolean | undefined;
  /** Answers datagrams (a responder); the echo, when on, answers what it leaves unanswered. */
  reply?: ReplyFunction | undefined;
  /** Senders outside it are dropped before anything else, and counted `denied`. */
  filter?: AddressFilter | undefined;
  /** With echo: echo to the well-known reflectors' source ports too (else refused and counted). */
  echoAnyPort?: boolean | undefined;
}

/** Takes in the datagrams of every socket of one listener, in arrival order. @internal */
export class DatagramIntake {
  readonly counters = new Counters();
  /** Datagrams read from the sockets, emitted or not (a drain waits until this stops moving). */
  arrivals = 0;
  private readonly precise: boolean;
  private readonly guard: EchoGuard | undefined;
  private readonly counts: EchoCounts | undefined;
  /** With a reply function: what answers, instead of the echo alone. */
  readonly replier: UdpReplier | undefined;
  private readonly filter: AddressFilter | undefined;
  // Under a flood this runs hundreds of thousands of times a second: the sender's endpoint object and its
  // distinct-sender entry are made once per change of sender, not per datagram (renderers cache by this object).
  private lastAddress = '';
  private lastPort = -1;
  private from: Endpoint;

  /**
   * @param deliver the record handler, already guarded (a throw ends the run instead of escaping)
   * @param ports the listener's own ports (an echo never goes to them)
   */
  constructor(
    options: IntakeOptions,
    private readonly completion: Completion,
    private readonly deliver: (record: DatagramRecord) => void,
    ports: readonly number[],
    first: Endpoint,
  ) {
    this.precise = options.preciseTime === true;
    this.guard = options.echo === true ? new EchoGuard(new Set(ports), options.echoRate, options.echoAnyPort === true) : undefined;
    this.filter = options.filter;
    this.counts = options.echo === true ? new EchoCounts() : undefined;
    this.from = first;
    if (options.reply !== undefined) {
      const guard = this.guard ?? new EchoGuard(new Set(ports), options.echoRate, options.echoAnyPort === true);
      const echo = this.guard === undefined ? undefined : (socket: Socket, payload: Buffer, rinfo: RemoteInfo) => this.echo(socket, payload, rinfo, this.from);
      this.replier = new UdpReplier(options.reply, guard, new Set(ports), this.counters, echo);
    }
  }

  /** Takes in what `socket` (bound to `local`) receives; its errors after bind are counted, never fatal. */
  attach(socket: Socket, local: Endpoint): void {
    socket.on('message', (payload, rinfo) => this.receive(socket, local, payload, rinfo));
    // After bind, socket errors (e.g. an ICMP error on an echo) must not crash the listener: counted for the summary.
    socket.on('error', () => {
      this.counters.socketErrors += 1;
    });
  }

  private receive(socket: Socket, local: Endpoint, payload: Buffer, rinfo: RemoteInfo): void {
    this.arrivals += 1;
    if (this.completion.finished) return;
    if (this.filter !== undefined && !this.filter.allows(rinfo.address)) {
      this.counters.denied += 1;
      return;
    }
    const time = this.precise ? preciseWallMs() : Date.now();
    if (rinfo.port !== this.lastPort || rinfo.address !== this.lastAddress) {
      this.lastAddress = rinfo.address;
      this.lastPort = rinfo.port;
      this.from = unmapEndpoint(rinfo.address, rinfo.port, rinfo.family);
      this.counters.senders.add(`${this.from.address}|${this.from.port}`);
    }
    const from = this.from;
    this.counters.records += 1;
    this.counters.bytes += payload.length;
    const last = this.completion.record(payload, time);
    if (this.replier !== undefined) {
      this.deliver(this.replier.answer(socket, { event: 'datagram', protocol: 'udp', time, from, local, payload }, rinfo));
    } else {
      if (this.guard) this.echo(socket, payload, rinfo, from);
      this.deliver({ event: 'datagram', protocol: 'udp', time, from, local, payload });
    }
    if (last) this.counters.stop();
  }

  /** Sends the datagram back from the socket that received it, so the reply leaves from the address it was sent to. */
  private echo(socket: Socket, payload: Buffer, rinfo: RemoteInfo, from: Endpoint): void {
    if (this.guard?.refuses(rinfo.port) === true) {
      this.counters.refusedReflectors += 1;
      return;
    }
    // udp-compare's count query is answered with this sender's counts instead of an echo.
    const answer = this.counts?.received(from.address, from.port, payload);
    if (!this.guard?.allow(from.address, from.port, monotonicMs())) {
      this.counters.echoSuppressed += 1;
      return;
    }
    socket.send(answer ?? payload, rinfo.port, rinfo.address, (error) => {
      if (error) this.counters.echoErrors += 1;
      else {
        this.counters.echoed += 1;
        if (answer === undefined) this.counts?.echoed(from.address, from.port);
      }
    });
  }
}
