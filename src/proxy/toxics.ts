/**
 * The impairments as small values behind one interface, as toxiproxy's toxics: each looks at a datagram in transit
 * and drops it, delays it, copies or changes it. A direction's pipeline is the list of those that are on.
 */
import { DEFAULT_QUEUE_MS, REORDER_HOLD_MS, type DropCause, type Impairments } from './impairments.js';
import type { Random } from './random.js';

/** A datagram on its way through one direction's pipeline. */
export interface Transit {
  payload: Buffer;
  /** Milliseconds it is held before it is sent. */
  delayMs: number;
  /** 1, or 2 when duplicated. */
  copies: number;
  corrupted: boolean;
  /** Held back by `reorder`. */
  held: boolean;
}

/** One impairment. `now` is the monotonic clock in milliseconds. Returns the drop cause, or undefined to pass it on. */
export interface Toxic {
  readonly name: string;
  apply(transit: Transit, now: number): DropCause | undefined;
}

/** Dark for `forMs` at the end of every `everyMs`, counted from when the toxic was made. */
class OutageToxic implements Toxic {
  readonly name = 'outage';
  constructor(
    private readonly everyMs: number,
    private readonly forMs: number,
    private readonly start: number,
  ) {}
  apply(_t: Transit, now: number): DropCause | undefined {
    const phase = (now - this.start) % this.everyMs;
    return phase >= this.everyMs - this.forMs ? 'outage' : undefined;
  }
}

class MtuToxic implements Toxic {
  readonly name = 'mtu';
  constructor(private readonly mtu: number) {}
  apply(t: Transit): DropCause | undefined {
    return t.payload.length > this.mtu ? 'mtu' : undefined;
  }
}

/**
 * Random loss. Without a burst length, each datagram is lost with probability p. With one, a Gilbert–Elliott
 * chain: in the bad state every datagram is lost and the chain leaves it with probability 1/burst (so bursts have
 * mean length `burst`); it enters it with the probability that makes the long-run share of the bad state p.
 */
export class LossToxic implements Toxic {
  readonly name = 'loss';
  private bad = false;
  private readonly enter: number;
  private readonly leave: number;
  /** Datagrams that reached this toxic: the denominator of the loss achieved. */
  trials = 0;
  constructor(
    private readonly p: number,
    private readonly burst: number | undefined,
    private readonly random: Random,
  ) {
    this.leave = burst === undefined ? 1 : 1 / burst;
    this.enter = p >= 1 ? 1 : (p * this.leave) / (1 - p);
  }
  apply(): DropCause | undefined {
    this.trials += 1;
    if (this.burst === undefined) return this.random.chance(this.p) ? 'loss' : undefined;
    this.bad = this.bad ? !this.random.chance(this.leave) : this.random.chance(this.enter);
    return this.bad ? 'loss' : undefined;
  }
}

/**
 * A link of `rate` bytes per second with a queue in front of it holding `queueMs` of backlog: a datagram waits its
 * turn on the link (its delay grows by the backlog and its own time on the wire) or, when the backlog is already
 * full, is dropped, as a congested router's tail-drop queue does.
 */
class RateToxic implements Toxic {
  readonly name = 'rate';
  private freeAt = 0;
  constructor(
    private readonly bytesPerMs: number,
    private readonly queueMs: number,
  ) {}
  apply(t: Transit, now: number): DropCause | undefined {
    const backlog = Math.max(0, this.freeAt - now);
    if (backlog > this.queueMs) return 'queue';
    this.freeAt = Math.max(now, this.freeAt) + t.payload.length / this.bytesPerMs;
    t.delayMs += this.freeAt - now;
    return undefined;
  }
}

/** A toxic that strikes each datagram with probability `p`, decided by the seeded generator. */
abstract class ChanceToxic implements Toxic {
  abstract readonly name: string;
  constructor(
    protected readonly p: number,
    protected readonly random: Random,
  ) {}
  abstract apply(t: Transit, now: number): DropCause | undefined;
}

class CorruptToxic extends ChanceToxic {
  readonly name = 'corrupt';
  apply(t: Transit): DropCause | undefined {
    if (t.payload.length === 0 || !this.random.chance(this.p)) return undefined;
    // A copy: the buffer may be the one a duplicate or the pcap writer still holds.
    const bytes = Buffer.from(t.payload);
    const bit = this.random.below(bytes.length * 8);
    bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
    t.payload = bytes;
    t.corrupted = true;
    return undefined;
  }
}

class DuplicateToxic extends ChanceToxic {
  readonly name = 'duplicate';
  apply(t: Transit): DropCause | undefined {
    if (this.random.chance(this.p)) t.copies = 2;
    return undefined;
  }
}

/** Delay, jitter (normal, the total never below 0) and reorder (held back by one more delay). */
class DelayToxic implements Toxic {
  readonly name = 'delay';
  constructor(
    private readonly delayMs: number,
    private readonly jitterMs: number,
    private readonly reorder: number,
    private readonly random: Random,
  ) {}
  apply(t: Transit): DropCause | undefined {
    let delay = this.delayMs;
    if (this.jitterMs > 0) delay += this.jitterMs * this.random.normal();
    if (this.random.chance(this.reorder)) {
      delay += this.delayMs > 0 ? this.delayMs : REORDER_HOLD_MS;
      t.held = true;
    }
    t.delayMs += Math.max(0, delay);
    return undefined;
  }
}

/** A direction's pipeline: the toxics that are on, in the order a link applies them, and the loss toxic for its count. */
export interface Pipeline {
  toxics: Toxic[];
  loss: LossToxic | undefined;
  keepOrder: boolean;
}

/** Builds the toxics for `imp`, drawing from `random`; `now` starts the outage's clock. */
export function pipeline(imp: Impairments, random: Random, now: number): Pipeline {
  const toxics: Toxic[] = [];
  if (imp.outage !== undefined) toxics.push(new OutageToxic(imp.outage.everyMs, imp.outage.forMs, now));
  if (imp.mtu !== undefined) toxics.push(new MtuToxic(imp.mtu));
  const loss = imp.loss !== undefined && imp.loss > 0 ? new LossToxic(imp.loss / 100, imp.lossBurst, random) : undefined;
  if (loss) toxics.push(loss);
  if (imp.rate !== undefined) toxics.push(new RateToxic(imp.rate / 1000, imp.queueMs ?? DEFAULT_QUEUE_MS));
  if ((imp.corrupt ?? 0) > 0) toxics.push(new CorruptToxic((imp.corrupt as number) / 100, random));
  if ((imp.duplicate ?? 0) > 0) toxics.push(new DuplicateToxic((imp.duplicate as number) / 100, random));
  if ((imp.delayMs ?? 0) > 0 || (imp.jitterMs ?? 0) > 0 || (imp.reorder ?? 0) > 0) {
    toxics.push(new DelayToxic(imp.delayMs ?? 0, imp.jitterMs ?? 0, (imp.reorder ?? 0) / 100, random));
  }
  return { toxics, loss, keepOrder: imp.keepOrder === true };
}
