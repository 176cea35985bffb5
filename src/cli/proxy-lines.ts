/** What `udp-proxy` prints: the status lines on stderr, a record per datagram (text or JSON), the summary per direction. */
import type { Endpoint } from '../types.js';
import { formatEndpoint } from '../format/endpoint.js';
import { ISO_TIME } from '../format/time.js';
import { DROP_CAUSES, DIRECTIONS, type Direction, type Impairments } from '../proxy/impairments.js';
import type { ProxyRecord, ProxySummary } from '../proxy/proxy.js';
import { impairmentsToJson } from '../proxy/schema.js';
import type { DirectionSummary } from '../proxy/stats.js';

/** How each direction is named in the summary. */
const ARROWS: Record<Direction, string> = { up: 'client → target', down: 'target → client' };

/** `up: loss 2%, delay 40ms; down: none`. */
export function impairmentsLine(link: { up: Impairments; down: Impairments }): string {
  const part = (d: Direction): string => {
    const entries = Object.entries(impairmentsToJson(link[d])).map(([k, v]) => (v === true ? k : `${k} ${String(v)}`));
    return `${d}: ${entries.length === 0 ? 'none' : entries.join(', ')}`;
  };
  return `impairments: ${part('up')}; ${part('down')}\n`;
}

/** The first status line: where it listens, where it relays, and the seed that repeats the run. */
export function proxyListeningLine(protocol: 'udp' | 'tcp', local: Endpoint, target: Endpoint, seed: number | undefined): string {
  const seedPart = seed === undefined ? '' : ` (seed ${seed})`;
  return `listening on ${protocol} ${formatEndpoint(local)}, relaying to ${formatEndpoint(target)}${seedPart}\n`;
}

/** A datagram's fate as one word and a cause: `dropped (loss)`, `forwarded`, `duplicated`, `corrupted`. */
function fateOf(record: Extract<ProxyRecord, { event: 'datagram' }>): { fate: string; cause?: string } {
  const f = record.fate;
  if (f.cause !== undefined) return { fate: 'dropped', cause: f.cause };
  if (f.corrupted) return { fate: 'corrupted' };
  if (f.duplicated) return { fate: 'duplicated' };
  return { fate: 'forwarded' };
}

/** One record line, text or JSON; session records give a line only under -v (on stderr, see {@link sessionLine}). */
export function recordLine(record: ProxyRecord, format: 'text' | 'json'): string | undefined {
  if (record.event !== 'datagram') return undefined;
  const { fate, cause } = fateOf(record);
  const delay = Math.round(record.fate.delayMs * 1000) / 1000;
  if (format === 'json') {
    const json = {
      time: ISO_TIME.text(record.time),
      direction: record.direction,
      client: formatEndpoint(record.client),
      size: record.size,
      fate,
      ...(cause === undefined ? {} : { cause }),
      ...(record.fate.duplicated && record.fate.corrupted ? { duplicated: true } : {}),
      delayMs: delay,
    };
    return `${JSON.stringify(json)}\n`;
  }
  const what = cause === undefined ? fate : `${fate} (${cause})`;
  const extra = record.fate.duplicated && record.fate.corrupted ? ', duplicated' : '';
  return `${ISO_TIME.text(record.time)} ${record.direction} ${formatEndpoint(record.client)} ${record.size} ${what}${extra}${delay > 0 ? ` +${delay}ms` : ''}\n`;
}

/** `-v`: `session #3 opened for 127.0.0.1:40000` / `session #3 closed (idle)`. */
export function sessionLine(record: ProxyRecord): string | undefined {
  if (record.event !== 'session') return undefined;
  if (record.state === 'open') return `session #${record.id} opened for ${formatEndpoint(record.client)}\n`;
  return `session #${record.id} closed for ${formatEndpoint(record.client)} (${record.reason ?? 'closed'})\n`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} ms`;
}

/** One direction's summary line. */
export function directionLine(direction: Direction, s: DirectionSummary): string {
  const causes = DROP_CAUSES.filter((c) => s.dropped[c] > 0).map((c) => `${c} ${s.dropped[c]}`);
  const dropped = DROP_CAUSES.reduce((sum, c) => sum + s.dropped[c], 0);
  const loss = s.lossAsked > 0 || s.dropped.loss > 0 ? `, loss asked ${s.lossAsked}% achieved ${(s.lossAchieved ?? 0).toFixed(2)}%` : '';
  return (
    `summary ${direction} (${ARROWS[direction]}): ${s.received} received, ${s.forwarded} forwarded, ` +
    `${dropped} dropped${causes.length > 0 ? ` (${causes.join(', ')})` : ''}, ${s.duplicated} duplicated, ${s.corrupted} corrupted, ` +
    `${s.reordered} reordered, delay p50 ${ms(s.delayP50Ms)} p99 ${ms(s.delayP99Ms)}${loss}\n`
  );
}

/** The closing summary: a line per direction, then the sessions. */
export function proxySummaryLines(summary: ProxySummary, droppedRecords: number): string {
  const lines = DIRECTIONS.map((d) => directionLine(d, summary[d]));
  const held = summary.held > 0 ? `, ${summary.held} datagrams held in the delay line not delivered` : '';
  const records = droppedRecords > 0 ? `, ${droppedRecords} records not printed (the reader fell behind)` : '';
  const warnings = summary.warnings > 0 ? `, ${summary.warnings} socket errors` : '';
  lines.push(`sessions: ${summary.sessions.opened} opened (seed ${summary.seed})${held}${warnings}${records}\n`);
  return lines.join('');
}
