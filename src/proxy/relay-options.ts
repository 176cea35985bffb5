/** What both relays (UDP and TCP) are given: where to listen, where to relay, the link each way, who may connect. */
import type { Endpoint } from '../types.js';
import type { Impairments, LinkImpairments } from './impairments.js';

/** The options {@link proxy} and {@link proxyTcp} share. */
export interface RelayOptions {
  /** Port to listen on (0: one the system picks). */
  port: number;
  /** Address to bind; all interfaces (dual stack) when omitted. */
  host?: string | undefined;
  family?: 0 | 4 | 6 | undefined;
  /** Where the traffic goes: a host name or address, and a port. */
  target: { host: string; port: number };
  /** Client → target impairments. */
  up?: Impairments | undefined;
  /** Target → client impairments. */
  down?: Impairments | undefined;
  /** The seed of every random decision; one is chosen (and reported in `seed`) when omitted. */
  seed?: number | undefined;
  /** Clients heard only from these CIDRs / never from these: others dropped first, counted `denied` (as ncat's). */
  allow?: readonly string[] | undefined;
  deny?: readonly string[] | undefined;
  /** Aborting it closes the relay. */
  signal?: AbortSignal | undefined;
}

/** What both running relays offer; `S` is the relay's summary. */
export interface Relay<S> {
  /** Where it listens. */
  readonly local: Endpoint;
  /** The target, resolved. */
  readonly target: Endpoint;
  readonly seed: number;
  /** The impairments in force. */
  impairments(): { up: Impairments; down: Impairments };
  /** Replaces one direction's impairments or both (a direction not given is left as it is). */
  set(link: LinkImpairments): void;
  /** Counters to zero, generators back to the seed. */
  reset(): void;
  summary(): S;
  /** Stops accepting, delivers nothing more, closes every socket; idempotent. */
  close(): Promise<S>;
  [Symbol.asyncDispose](): Promise<void>;
}
