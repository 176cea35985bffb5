/**
 * udp-proxy's side of the web view: every datagram's fate (which way, which client, its size, forwarded, delayed,
 * duplicated, corrupted or dropped and why) in a ring of typed arrays (no object kept per datagram), exact counts
 * per direction, and once a second the relay's summary for the directions table and charts.
 */
import type { Endpoint } from '../types.js';
import { formatEndpoint } from '../format/endpoint.js';
import type { ProxyRecord, ProxySummary } from '../proxy/proxy.js';
import { DROP_CAUSES } from '../proxy/impairments.js';
import { DEFAULT_RING } from './ring.js';
import type { ProxySecond, Row } from './protocol.js';
import type { WebSource } from './source.js';

const DUPLICATED = 1;
const CORRUPTED = 2;

/** A fate in words, as the log shows it. */
function fateText(cause: number, delayMs: number, flags: number): string {
  if (cause > 0) return `dropped: ${DROP_CAUSES[cause - 1] ?? 'unknown'}`;
  const parts = [delayMs > 0 ? `delayed ${delayMs.toFixed(1)} ms` : 'forwarded'];
  if (flags & DUPLICATED) parts.push('duplicated');
  if (flags & CORRUPTED) parts.push('corrupted');
  return parts.join(', ');
}

/** The relay's records for its page. */
export class ProxyFeed implements WebSource {
  readonly command = 'udp-proxy';
  readonly panels = ['log', 'directions'];
  readonly columns = ['time', 'way', 'client', 'port', 'size', 'fate'];
  readonly counterLabels = [['up', 'client → target'], ['down', 'target → client'], ['dropped', 'dropped'], ['sessions', 'sessions open']] as const;
  first = 0;
  next = 0;
  private readonly time: Float64Array;
  private readonly size: Int32Array;
  private readonly delay: Float32Array;
  /** 0 up, 1 down. */
  private readonly way: Uint8Array;
  /** 0: not dropped; else 1 + its index in DROP_CAUSES. */
  private readonly cause: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly client: (Endpoint | undefined)[];
  private readonly counts = { up: 0, down: 0, dropped: 0, sessions: 0 };

  /**
   * @param summary the relay's summary, taken once a second (its counts seed this feed's)
   * @param port the port clients send to, shown on each row
   */
  constructor(private readonly summary: () => ProxySummary, private readonly port: number, readonly capacity: number = DEFAULT_RING) {
    this.time = new Float64Array(capacity);
    this.size = new Int32Array(capacity);
    this.delay = new Float32Array(capacity);
    this.way = new Uint8Array(capacity);
    this.cause = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.client = new Array<Endpoint | undefined>(capacity);
    const now = summary();
    const dropped = (d: ProxySummary['up']): number => Object.values(d.dropped).reduce((a, b) => a + b, 0);
    Object.assign(this.counts, { up: now.up.received, down: now.down.received, dropped: dropped(now.up) + dropped(now.down), sessions: now.sessions.open });
  }

  /** Every record of the relay, in order: counted, and a datagram's fate kept in the ring. */
  push(record: ProxyRecord): void {
    if (record.event === 'session') {
      this.counts.sessions += record.state === 'open' ? 1 : -1;
      return;
    }
    const slot = this.next % this.capacity;
    if (this.next - this.first >= this.capacity) this.first += 1;
    this.next += 1;
    const { fate } = record;
    this.counts[record.direction] += 1;
    if (fate.cause !== undefined) this.counts.dropped += 1;
    this.time[slot] = record.time;
    this.size[slot] = record.size;
    this.delay[slot] = fate.delayMs;
    this.way[slot] = record.direction === 'up' ? 0 : 1;
    this.cause[slot] = fate.cause === undefined ? 0 : DROP_CAUSES.indexOf(fate.cause) + 1;
    this.flags[slot] = (fate.duplicated ? DUPLICATED : 0) | (fate.corrupted ? CORRUPTED : 0);
    this.client[slot] = record.client;
  }

  row(id: number): Row | undefined {
    if (id < this.first || id >= this.next) return undefined;
    const slot = id % this.capacity;
    const cause = this.cause[slot] as number;
    const up = this.way[slot] === 0;
    const client = this.client[slot];
    return {
      id,
      kind: up ? 'up' : 'down',
      time: this.time[slot] as number,
      protocol: up ? '→ up' : '← down',
      peer: client ? formatEndpoint(client) : '',
      port: this.port,
      size: this.size[slot] as number,
      text: fateText(cause, this.delay[slot] as number, this.flags[slot] as number),
      hex: '',
      bad: cause > 0,
    };
  }

  counters(): Record<string, number | null> {
    return { ...this.counts };
  }

  second(now: number): ProxySecond {
    const { up, down, sessions, held } = this.summary();
    this.counts.sessions = sessions.open;
    return { time: now, up, down, sessions, held };
  }
}
