/**
 * What a command gives its web view: numbered rows (the newest kept, older ones gone), exact counters, and once a
 * second what its panels show. udp-listen's {@link WebFeed}, udp-proxy's and udp-probe's feeds each are one; the
 * server, the event stream and the page are the same for all three.
 */
import type { Row } from './protocol.js';

/** A command's side of the web view. */
export interface WebSource {
  /** The command, and the panels, log columns and header counters of its page. */
  readonly command: string;
  readonly panels: readonly string[];
  readonly columns: readonly string[];
  readonly counterLabels: readonly (readonly [string, string])[];
  /** Number of the oldest row still held, of the next to come, and how many are held at most. */
  readonly first: number;
  readonly next: number;
  readonly capacity: number;
  /** Row `id` as the page shows it; undefined once it has left. */
  row(id: number): Row | undefined;
  /** The command's counters, exact; read every tick (cheap: no summary taken here). */
  counters(): Record<string, number | null>;
  /** Closes a second: what the panels get once a second (the command's summary may be taken here). */
  second(now: number): unknown;
}
