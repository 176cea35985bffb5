/**
 * The live log: a row per record (time, protocol, peer, local port, size, payload as text or, per row, as hex),
 * at most {@link MAX_ROWS} kept; filter, pause and clear; a click opens the row in the inspector.
 */
import { byId, cell, clock, count } from './dom.js';
import type { Panel, Row, Selection } from './panel.js';

/**
 * Rows the log keeps (older ones are removed): the page's memory stays bounded under any flood, and so does the
 * time a layout of the table takes (measured under a flood: a 1,000-row log kept the page's main thread half busy).
 */
export const MAX_ROWS = 500;
/** The log is laid out at most this often (ms): rows that come between wait, so a flood costs a few layouts a second. */
const RENDER_EVERY_MS = 250;

/** What the filter asks: parts left empty match everything. */
interface Filter {
  sender: string;
  port: number | undefined;
  text: string;
  regex: RegExp | undefined;
}

export class LogPanel implements Panel {
  private readonly body = byId<HTMLTableElement>('log').tBodies[0] as HTMLTableSectionElement;
  private readonly data = new WeakMap<HTMLTableRowElement, Row>();
  private filter: Filter = { sender: '', port: undefined, text: '', regex: undefined };
  paused = false;
  /** Rows that came while paused, not shown. */
  held = 0;
  /** Rows waiting for the next render, at most {@link MAX_ROWS}. */
  private waiting: Row[] = [];
  private scheduled = false;
  private lastRender = 0;
  /** Whether the log follows new rows (its reader has not scrolled up). */
  private following = true;
  private readonly scroller = this.body.closest<HTMLElement>('.scroll');

  constructor(
    private readonly selection: Selection,
    private readonly inspect: (row: Row) => void,
  ) {
    for (const id of ['f-sender', 'f-port', 'f-text', 'f-regex']) byId(id).addEventListener('input', () => this.readFilter());
    byId('pause').addEventListener('click', () => this.togglePause());
    byId('clear').addEventListener('click', () => this.body.replaceChildren());
    this.body.addEventListener('click', (event) => this.clicked(event));
    const scroller = this.scroller;
    scroller?.addEventListener('scroll', () => {
      this.following = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    });
  }

  rows(rows: Row[]): void {
    if (this.paused) {
      this.held += rows.length;
      byId('c-held').textContent = count(this.held);
      return;
    }
    if (rows.length === 0) return;
    this.waiting.push(...rows);
    if (this.waiting.length > MAX_ROWS) this.waiting.splice(0, this.waiting.length - MAX_ROWS);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastRender + RENDER_EVERY_MS - performance.now());
    setTimeout(() => requestAnimationFrame(() => this.flush()), wait);
  }

  /** Puts the waiting rows in the table (unless paused meanwhile), dropping the oldest beyond {@link MAX_ROWS}. */
  private flush(): void {
    this.scheduled = false;
    this.lastRender = performance.now();
    const rows = this.waiting;
    this.waiting = [];
    if (this.paused) {
      this.held += rows.length;
      return;
    }
    const fragment = document.createDocumentFragment();
    for (const row of rows) fragment.append(this.render(row));
    this.body.append(fragment);
    for (let extra = this.body.rows.length - MAX_ROWS; extra > 0; extra--) this.body.rows[0]?.remove();
    // Scrolled in the next frame, once this one has laid the table out: reading or setting the scroll position now
    // would make the browser lay it out again at once.
    const scroller = this.scroller;
    if (scroller && this.following) requestAnimationFrame(() => (scroller.scrollTop = scroller.scrollHeight));
  }

  private render(row: Row): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.className = row.bad === true ? `${row.kind} bad` : row.kind;
    tr.dataset.id = String(row.id);
    const payload = document.createElement('td');
    payload.className = 'payload';
    // A row with bytes (udp-listen's) has a hex toggle; a fate or a report is only text.
    if (row.hex !== '') {
      const toggle = cell('button', 'hex', 'hex-toggle') as HTMLButtonElement;
      toggle.type = 'button';
      const hex = cell('pre', row.hex, 'hexdump');
      hex.hidden = true;
      payload.append(toggle, cell('span', row.text, 'payload-text'), hex);
    } else payload.append(cell('span', row.text, 'payload-text'));
    const second = row.kind === 'sent' ? 'sent' : row.protocol;
    tr.append(cell('td', clock(row.time)), cell('td', second), cell('td', row.peer), cell('td', row.port === null ? '' : String(row.port)), cell('td', String(row.size), 'num'), payload);
    this.data.set(tr, row);
    tr.hidden = !this.matches(row);
    return tr;
  }

  private clicked(event: Event): void {
    const target = event.target as HTMLElement;
    const tr = target.closest('tr');
    const row = tr ? this.data.get(tr) : undefined;
    if (!tr || !row) return;
    if (target.classList.contains('hex-toggle')) {
      const hex = tr.querySelector<HTMLElement>('.hexdump');
      const text = tr.querySelector<HTMLElement>('.payload-text');
      if (hex && text) {
        hex.hidden = !hex.hidden;
        text.hidden = !hex.hidden;
        target.textContent = hex.hidden ? 'hex' : 'text';
      }
      return;
    }
    for (const selected of this.body.querySelectorAll('tr.selected')) selected.classList.remove('selected');
    tr.classList.add('selected');
    if (row.kind !== 'sent') this.selection.select(row.peer);
    if (row.hex !== '') this.inspect(row);
  }

  private togglePause(): void {
    this.paused = !this.paused;
    this.held = 0;
    byId('pause').textContent = this.paused ? 'Resume' : 'Pause';
    byId('c-held').textContent = '0';
    byId('paused-note').hidden = !this.paused;
    document.body.classList.toggle('paused', this.paused);
  }

  private readFilter(): void {
    const port = byId<HTMLInputElement>('f-port').value.trim();
    const text = byId<HTMLInputElement>('f-text').value;
    const asRegex = byId<HTMLInputElement>('f-regex').checked;
    let regex: RegExp | undefined;
    const textInput = byId<HTMLInputElement>('f-text');
    textInput.classList.remove('invalid');
    if (asRegex && text !== '') {
      try {
        regex = new RegExp(text);
      } catch {
        textInput.classList.add('invalid');
      }
    }
    this.filter = { sender: byId<HTMLInputElement>('f-sender').value.trim(), port: port === '' ? undefined : Number(port), text: asRegex ? '' : text, regex };
    for (const tr of this.body.rows) {
      const row = this.data.get(tr);
      if (row) tr.hidden = !this.matches(row);
    }
  }

  private matches(row: Row): boolean {
    const f = this.filter;
    if (f.sender !== '' && !row.peer.includes(f.sender)) return false;
    if (f.port !== undefined && row.port !== f.port) return false;
    if (f.text !== '' && !row.text.includes(f.text)) return false;
    return f.regex === undefined || f.regex.test(row.text);
  }
}
