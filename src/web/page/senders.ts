/** The senders table: the busiest senders (the server sends up to 1,000), sortable by any column; a click selects one. */
import { byId, cell, clock, count, ms } from './dom.js';
import type { Panel, Second, Selection } from './panel.js';
import type { SenderRow } from '../protocol.js';

type Key = keyof SenderRow;

export class SendersPanel implements Panel {
  private readonly table = byId<HTMLTableElement>('senders');
  private readonly body = this.table.tBodies[0] as HTMLTableSectionElement;
  private last: Second | undefined;
  private key: Key = 'datagrams';
  private descending = true;

  constructor(
    private readonly selection: Selection,
    private readonly paused: () => boolean,
  ) {
    this.table.tHead?.addEventListener('click', (event) => {
      const key = (event.target as HTMLElement).dataset.key as Key | undefined;
      if (key === undefined) return;
      this.descending = key === this.key ? !this.descending : key !== 'peer';
      this.key = key;
      this.render();
    });
    this.body.addEventListener('click', (event) => {
      const peer = (event.target as HTMLElement).closest('tr')?.dataset.peer;
      if (peer !== undefined) selection.select(peer);
    });
    selection.onChange(() => this.render());
  }

  second(second: Second): void {
    if (this.paused()) return;
    this.last = second;
    this.render();
  }

  private render(): void {
    if (!this.last) return;
    const { key, descending } = this;
    const rows = [...this.last.senders].sort((a, b) => {
      const x = a[key] ?? -1;
      const y = b[key] ?? -1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    for (const th of this.table.tHead?.querySelectorAll<HTMLElement>('th') ?? []) {
      th.classList.toggle('sorted', th.dataset.key === key);
      th.classList.toggle('descending', th.dataset.key === key && descending);
    }
    const fragment = document.createDocumentFragment();
    for (const s of rows) {
      const tr = document.createElement('tr');
      tr.dataset.peer = s.peer;
      if (s.peer === this.selection.peer) tr.className = 'selected';
      tr.append(cell('td', s.peer), cell('td', count(s.datagrams), 'num'), cell('td', count(s.bytes), 'num'), cell('td', s.rate.toFixed(1), 'num'),
        cell('td', clock(s.last)), cell('td', ms(s.gapMean), 'num'), cell('td', ms(s.gapMax), 'num'));
      fragment.append(tr);
    }
    this.body.replaceChildren(fragment);
    const others = this.last.others;
    byId('others').textContent = others.senders > 0 ? `and ${count(others.senders)} other senders: ${count(others.datagrams)} datagrams` : '';
  }
}
