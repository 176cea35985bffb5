/**
 * udp-proxy's directions: a table of both ways (received, forwarded, dropped by cause, duplicated, corrupted,
 * reordered, delay percentiles, loss asked and got) and charts of each way per second (forwarded and dropped) and of
 * the delay applied.
 */
import type uPlot from 'uplot';
import { byId, cell, count, ms } from './dom.js';
import { chart, PALETTE, POINTS } from './charts.js';
import type { Panel } from './panel.js';
import type { ProxySecond, WayFigures } from '../protocol.js';

const dropped = (w: WayFigures): number => Object.values(w.dropped).reduce((a, b) => a + b, 0);

/** `12 (loss 10, queue 2)`: the drops and their causes. */
function droppedText(w: WayFigures): string {
  const causes = Object.entries(w.dropped).filter(([, n]) => n > 0).map(([cause, n]) => `${cause} ${count(n)}`);
  return causes.length === 0 ? '0' : `${count(dropped(w))} (${causes.join(', ')})`;
}

function wayRow(name: string, w: WayFigures): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.way = name;
  const loss = w.lossAsked === 0 ? '–' : `${w.lossAsked} % / ${w.lossAchieved === undefined ? '–' : `${w.lossAchieved.toFixed(1)} %`}`;
  tr.append(cell('td', name), cell('td', count(w.received), 'num'), cell('td', count(w.forwarded), 'num'), cell('td', droppedText(w), 'num'),
    cell('td', count(w.duplicated), 'num'), cell('td', count(w.corrupted), 'num'), cell('td', count(w.reordered), 'num'),
    cell('td', ms(w.delayP50Ms ?? null), 'num'), cell('td', ms(w.delayP99Ms ?? null), 'num'), cell('td', loss, 'num'));
  return tr;
}

/** x (s), then up forwarded/s, up dropped/s, down forwarded/s, down dropped/s, then the four delays. */
type Series = (number | null)[][];

export class DirectionsPanel implements Panel {
  private readonly body = byId<HTMLTableElement>('directions').tBodies[0] as HTMLTableSectionElement;
  private readonly history: Series = [[], [], [], [], [], [], [], [], []];
  private before: ProxySecond | undefined;
  private readonly ways: uPlot;
  private readonly delays: uPlot;

  constructor(private readonly paused: () => boolean) {
    const [a, b, c, d] = PALETTE;
    this.ways = chart('chart-ways', 'datagrams/s each way: forwarded, dropped', [
      { label: 'up forwarded', stroke: a, width: 1.5 }, { label: 'up dropped', stroke: a, dash: [4, 3] },
      { label: 'down forwarded', stroke: b, width: 1.5 }, { label: 'down dropped', stroke: b, dash: [4, 3] },
    ]);
    this.delays = chart('chart-delay', 'delay applied (ms): p50, p99 of the recent', [
      { label: 'up p50', stroke: c, width: 1.5 }, { label: 'up p99', stroke: c, dash: [4, 3] },
      { label: 'down p50', stroke: d, width: 1.5 }, { label: 'down p99', stroke: d, dash: [4, 3] },
    ]);
  }

  second(now: ProxySecond): void {
    const was = this.before;
    this.before = now;
    const rate = (key: 'up' | 'down', of: (w: WayFigures) => number): number | null => (was ? Math.max(0, of(now[key]) - of(was[key])) : null);
    const forwarded = (w: WayFigures): number => w.received - dropped(w);
    const values = [now.time / 1000, rate('up', forwarded), rate('up', dropped), rate('down', forwarded), rate('down', dropped),
      now.up.delayP50Ms ?? null, now.up.delayP99Ms ?? null, now.down.delayP50Ms ?? null, now.down.delayP99Ms ?? null];
    this.history.forEach((series, i) => {
      series.push(values[i] ?? null);
      if (series.length > POINTS) series.shift();
    });
    if (this.paused()) return;
    this.body.replaceChildren(wayRow('up: client → target', now.up), wayRow('down: target → client', now.down));
    byId('sessions').textContent = `sessions: ${count(now.sessions.open)} open, ${count(now.sessions.opened)} opened since the start; ${count(now.held)} datagrams in the delay line`;
    const h = this.history;
    this.ways.setData([h[0], h[1], h[2], h[3], h[4]] as uPlot.AlignedData);
    this.delays.setData([h[0], h[5], h[6], h[7], h[8]] as uPlot.AlignedData);
  }
}
