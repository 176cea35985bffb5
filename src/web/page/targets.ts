/**
 * udp-probe's targets: a table (totals since the start, the last report's loss, RTT percentiles and jitter) and, per
 * report, charts of loss, RTT (p50 and p99) and jitter with a line per target (the first {@link TARGET_LINES}); a
 * click on a target shows its lines alone.
 */
import type uPlot from 'uplot';
import { byId, cell, count, ms } from './dom.js';
import { chart, PALETTE, POINTS } from './charts.js';
import type { Panel, Selection } from './panel.js';
import type { ProbeSecond, TargetPoint, TargetRow } from '../protocol.js';

/** Targets charted, each in a colour of its own. */
export const TARGET_LINES = PALETTE.length;

function targetRow(t: TargetRow, selected: boolean): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.peer = t.target;
  if (selected) tr.className = 'selected';
  if (t.errors > 0 && t.received === 0) tr.classList.add('bad');
  const settled = t.received + t.lost;
  const split = t.lostUp === null ? '–' : `${count(t.lostUp)} / ${count(t.lostDown ?? 0)}`;
  tr.title = t.lastError ?? t.address ?? '';
  tr.append(cell('td', t.target), cell('td', count(t.sent), 'num'), cell('td', count(t.received), 'num'), cell('td', count(t.lost), 'num'),
    cell('td', settled === 0 ? '–' : ((100 * t.lost) / settled).toFixed(1), 'num'), cell('td', split, 'num'), cell('td', count(t.late), 'num'),
    cell('td', count(t.duplicated), 'num'), cell('td', count(t.reordered), 'num'), cell('td', ms(t.rttP50Ms), 'num'), cell('td', ms(t.rttP99Ms), 'num'),
    cell('td', ms(t.jitterMs), 'num'), cell('td', count(t.errors), 'num'));
  return tr;
}

/** The charts, made once the targets are known: x, then per target loss, p50, p99, jitter. */
class TargetCharts {
  private readonly x: number[] = [];
  private readonly values = new Map<string, { loss: (number | null)[]; p50: (number | null)[]; p99: (number | null)[]; jitter: (number | null)[] }>();
  private readonly loss: uPlot;
  private readonly rtt: uPlot;
  private readonly jitter: uPlot;

  constructor(readonly targets: string[]) {
    const line = (t: string, i: number, dash?: number[]): uPlot.Series => ({ label: t, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true, ...(dash ? { dash } : {}) });
    this.loss = chart('chart-loss', 'loss % per report', targets.map((t, i) => line(t, i)));
    this.rtt = chart('chart-rtt', 'RTT (ms): p50, p99 dashed', targets.flatMap((t, i) => [line(t, i), line(`${t} p99`, i, [4, 3])]));
    this.jitter = chart('chart-jitter', 'jitter (ms): mean |IPDV|', targets.map((t, i) => line(t, i)));
    for (const t of targets) this.values.set(t, { loss: [], p50: [], p99: [], jitter: [] });
  }

  /** Reports of one tick share an x (their second). */
  add(points: TargetPoint[]): void {
    for (const p of points) {
      const kept = this.values.get(p.target);
      if (!kept) continue;
      const x = Math.round(p.time / 1000);
      if (this.x[this.x.length - 1] !== x) {
        this.x.push(x);
        for (const v of this.values.values()) for (const series of Object.values(v)) series.push(null);
        if (this.x.length > POINTS) {
          this.x.shift();
          for (const v of this.values.values()) for (const series of Object.values(v)) series.shift();
        }
      }
      const last = this.x.length - 1;
      kept.loss[last] = p.lossPercent;
      kept.p50[last] = p.rttP50Ms;
      kept.p99[last] = p.rttP99Ms;
      kept.jitter[last] = p.jitterMs;
    }
  }

  draw(only: string | undefined): void {
    const v = this.targets.map((t) => this.values.get(t) as NonNullable<ReturnType<typeof this.values.get>>);
    this.loss.setData([this.x, ...v.map((s) => s.loss)] as uPlot.AlignedData);
    this.rtt.setData([this.x, ...v.flatMap((s) => [s.p50, s.p99])] as uPlot.AlignedData);
    this.jitter.setData([this.x, ...v.map((s) => s.jitter)] as uPlot.AlignedData);
    this.targets.forEach((t, i) => {
      const show = only === undefined || only === t;
      this.loss.setSeries(i + 1, { show });
      this.rtt.setSeries(2 * i + 1, { show });
      this.rtt.setSeries(2 * i + 2, { show });
      this.jitter.setSeries(i + 1, { show });
    });
  }
}

export class TargetsPanel implements Panel {
  private readonly body = byId<HTMLTableElement>('targets').tBodies[0] as HTMLTableSectionElement;
  private charts: TargetCharts | undefined;
  private last: ProbeSecond | undefined;

  constructor(
    private readonly selection: Selection,
    private readonly paused: () => boolean,
  ) {
    this.body.addEventListener('click', (event) => {
      const peer = (event.target as HTMLElement).closest('tr')?.dataset.peer;
      if (peer !== undefined) selection.select(peer === selection.peer ? undefined : peer);
    });
    selection.onChange((peer) => {
      byId('target-of').textContent = peer ?? 'every target';
      this.render();
    });
  }

  second(second: ProbeSecond): void {
    this.charts ??= second.targets.length > 0 ? new TargetCharts(second.targets.slice(0, TARGET_LINES).map((t) => t.target)) : undefined;
    this.charts?.add(second.points);
    this.last = second;
    if (!this.paused()) this.render();
  }

  private render(): void {
    if (!this.last) return;
    const peer = this.selection.peer;
    this.body.replaceChildren(...this.last.targets.map((t) => targetRow(t, t.target === peer)));
    this.charts?.draw(peer !== undefined && this.charts.targets.includes(peer) ? peer : undefined);
  }
}
