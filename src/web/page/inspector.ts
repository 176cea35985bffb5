/** The inspector: the whole datagram of a row, as text (escaped as the text format does) and as a hex dump. */
import { byId, clock } from './dom.js';
import type { Row } from './panel.js';

/** Shows `row` at once from what the row carries, then the whole datagram once the server sends it. */
export async function inspect(row: Row): Promise<void> {
  const head = byId('insp-head');
  const text = byId('insp-text');
  const hex = byId('insp-hex');
  const what = `${row.kind === 'sent' ? 'sent to' : 'from'} ${row.peer} (local port ${row.port}) at ${clock(row.time)}: ${row.size} bytes`;
  head.textContent = what;
  text.textContent = row.text;
  hex.textContent = row.hex;
  const res = await fetch(`/api/datagram?id=${row.id}`, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    head.textContent = `${what} (no longer in the server's memory: the first bytes only)`;
    return;
  }
  const whole = (await res.json()) as { text: string; hex: string };
  text.textContent = whole.text;
  hex.textContent = whole.hex;
}
