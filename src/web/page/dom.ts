/** Small DOM helpers for the page: elements by id, text-only cells, number and time formats. */

/** The element with `id`, which the page's HTML has. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** A new element holding `text` as text (never parsed as HTML). */
export function cell(tag: string, text: string, className?: string): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className !== undefined) e.className = className;
  return e;
}

/** `12:34:56.789` in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A count with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A number of milliseconds to one decimal, or a dash. */
export function ms(n: number | null): string {
  return n === null ? '–' : n.toFixed(1);
}

/** `ADDRESS:PORT` or `[ADDRESS]:PORT` back into its parts. */
export function parsePeer(peer: string): { address: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(peer);
  return match ? { address: match[1] ?? '', port: Number(match[2]) } : undefined;
}
