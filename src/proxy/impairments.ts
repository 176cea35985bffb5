/** What a link does to datagrams, per direction: the typed impairments and the fates a datagram can meet. */

/**
 * Why a datagram was not forwarded. `sessions`: no session could be opened for its client (--max-sessions);
 * `denied`: its sender is outside --allow or inside --deny (dropped before anything else).
 */
export const DROP_CAUSES = ['loss', 'queue', 'mtu', 'outage', 'sessions', 'denied'] as const;

/** A cause of {@link DROP_CAUSES}. */
export type DropCause = (typeof DROP_CAUSES)[number];

/** A direction of the relay: `up` is client → target, `down` target → client. */
export type Direction = 'up' | 'down';

/** The directions, in the order summaries list them. */
export const DIRECTIONS: readonly Direction[] = ['up', 'down'];

/** A link that goes dark for `forMs` out of every `everyMs` (the dark spell ends each period). */
export interface Outage {
  everyMs: number;
  forMs: number;
}

/**
 * The impairments of one direction. Every field is optional: absent means that impairment is off.
 * Percentages are 0..100, durations milliseconds, rates bytes per second (of UDP payload, or TCP stream bytes).
 */
export interface Impairments {
  /** Datagrams lost at random, percent. */
  loss?: number | undefined;
  /** With `loss`: losses come in bursts of this mean length (Gilbert–Elliott; the long-run loss stays `loss`). */
  lossBurst?: number | undefined;
  /** Added to every datagram (TCP: every chunk). */
  delayMs?: number | undefined;
  /** Standard deviation of a normal offset added to the delay (never below 0 in total). */
  jitterMs?: number | undefined;
  /** With jitter: each datagram held behind the one before it, so none overtakes another. */
  keepOrder?: boolean | undefined;
  /** Datagrams sent twice, percent. */
  duplicate?: number | undefined;
  /** Datagrams with one random bit of the payload flipped, percent. */
  corrupt?: number | undefined;
  /** Datagrams held back by one more delay (or 10 ms with none), percent. */
  reorder?: number | undefined;
  /** The link's rate, bytes per second (tc's `kbit`, `mbit` … converted). */
  rate?: number | undefined;
  /** With `rate`: how long a backlog the queue holds before it drops (default 50 ms). */
  queueMs?: number | undefined;
  /** Datagrams larger than this many bytes are dropped. */
  mtu?: number | undefined;
  /** Dark spells. */
  outage?: Outage | undefined;
}

/** Both directions' impairments. */
export interface LinkImpairments {
  up?: Impairments | undefined;
  down?: Impairments | undefined;
}

/** The queue a `rate` holds when none is given. */
export const DEFAULT_QUEUE_MS = 50;

/** How far a `reorder`ed datagram is held back when there is no delay to repeat. */
export const REORDER_HOLD_MS = 10;

/** Whether any impairment is on: with none, a datagram is forwarded at once, never through the delay line. */
export function isClear(imp: Impairments): boolean {
  return (
    !(imp.loss !== undefined && imp.loss > 0) &&
    !(imp.delayMs !== undefined && imp.delayMs > 0) &&
    !(imp.jitterMs !== undefined && imp.jitterMs > 0) &&
    !(imp.duplicate !== undefined && imp.duplicate > 0) &&
    !(imp.corrupt !== undefined && imp.corrupt > 0) &&
    !(imp.reorder !== undefined && imp.reorder > 0) &&
    imp.rate === undefined &&
    imp.mtu === undefined &&
    imp.outage === undefined
  );
}
