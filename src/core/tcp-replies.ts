/**
 * What a TCP sender reads back: every byte counted, replies cut into frames (or taken as chunks), kept up to a
 * bound and the rest counted, each one offered to the ping loop as the answer to an exchange. @internal
 */
import type { DataRecord, Endpoint, ReplyOverflow } from '../types.js';
import { Deframer, FrameTooLargeError, type Framing } from './framing.js';
import { ReplyBox } from './replies.js';
import { monotonicMs } from '../clock.js';
import type { PingLoop } from './ping-loop.js';

/** Reads a sender's replies: one instance per connection. */
export class TcpReplies {
  /** Every reply byte that arrived, kept or not. */
  bytes = 0;
  /** When the first reply byte came (monotonic ms). */
  firstAt: number | undefined;
  private readonly box: ReplyBox<DataRecord>;
  private readonly deframer: Deframer;
  /**
   * Replies are cut into units and kept while true; false once a unit could not be kept whole (a frame over the
   * bound, or chunks past it): from then on bytes are counted. Without framing a chunk is still a unit and answers
   * an exchange; with framing the replies after a frame over the bound can no longer be told apart, so they answer
   * nothing (those exchanges show as lost, never with a round trip made up from the tail of another reply).
   */
  private deframing: boolean;

  constructor(
    private readonly frame: Framing,
    maxBytes: number,
    private readonly ends: { from: Endpoint; local: Endpoint },
    onReply: ((record: DataRecord) => void) | undefined,
    /** Ping mode: replies are kept and matched; otherwise they are only counted. */
    private readonly keep: boolean,
  ) {
    this.box = new ReplyBox<DataRecord>(maxBytes, onReply);
    // A frame can never be longer than what may be kept: the deframer's memory is bounded by the same figure.
    this.deframer = new Deframer(frame, Math.max(1, maxBytes));
    this.deframing = keep;
  }

  /** A chunk came in; each unit in it answers the oldest exchange of `loop` still unmatched. */
  push(chunk: Buffer, loop: PingLoop | undefined): void {
    const now = monotonicMs();
    this.firstAt ??= now;
    this.bytes += chunk.length;
    if (!this.deframing) {
      if (this.keep) {
        this.box.drop(chunk.length);
        if (this.frame === 'none') loop?.answer(now);
      }
      return;
    }
    let payloads: Buffer[];
    try {
      payloads = this.deframer.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      // A frame longer than every byte we may keep: count the rest of the stream instead of holding it.
      this.deframing = false;
      this.box.drop(error.size);
      loop?.answer(now);
      return;
    }
    for (const payload of payloads) {
      loop?.answer(now);
      if (!this.box.offer(this.record(this.frame === 'none' ? 'chunk' : 'frame', payload)) && this.frame === 'none') this.deframing = false;
    }
  }

  private record(unit: DataRecord['unit'], payload: Buffer): DataRecord {
    return { event: 'data', protocol: 'tcp', time: Date.now(), conn: 1, ...this.ends, unit, payload };
  }

  /** The connection is over: an unfinished frame is kept as a `partial` unit. */
  end(): void {
    const partial = this.deframing ? this.deframer.end() : undefined;
    if (partial) this.box.offer(this.record('partial', partial));
  }

  get kept(): DataRecord[] {
    return this.box.kept;
  }

  get overflow(): ReplyOverflow {
    return this.box.overflow;
  }
}
