/** `-v`, as nc users expect it: a status line on stderr per new sender (UDP), per connection opened and closed (TCP). */
import { formatEndpoint } from '../format/endpoint.js';
import type { TrafficRecord } from '../types.js';

/** Senders remembered for "new sender" lines; past this, one line says so and no more are printed. */
export const MAX_VERBOSE_SENDERS = 10_000;

/** Returns the status line a record calls for under -v, if any. */
export function verboseLines(): (record: TrafficRecord) => string | undefined {
  const seen = new Set<string>();
  let full = false;
  return (record) => {
    if (record.protocol === 'tcp') {
      if (record.event === 'open') return `connection #${record.conn} from ${formatEndpoint(record.from)} to ${formatEndpoint(record.local)}\n`;
      if (record.event === 'close') return `connection #${record.conn} from ${formatEndpoint(record.from)} closed (${record.reason})\n`;
      return undefined;
    }
    if (full) return undefined;
    const key = `${record.from.address}|${record.from.port}`;
    if (seen.has(key)) return undefined;
    if (seen.size >= MAX_VERBOSE_SENDERS) {
      full = true;
      return `more than ${MAX_VERBOSE_SENDERS} senders: no more new-sender lines (the summary counts them all)\n`;
    }
    seen.add(key);
    return `new sender ${formatEndpoint(record.from)} (to ${formatEndpoint(record.local)})\n`;
  };
}
