/**
 * The charts (uPlot): datagrams/s, bytes/s and the inter-arrival gap's min/max band, a point a second, for all
 * traffic or the selected sender (from when it was selected), the last {@link POINTS} seconds.
 */
import uPlot from 'uplot';
import { byId } from './dom.js';
import type { Panel, Second, Selection } from './panel.js';

/** Seconds of history kept and drawn. */
export const POINTS = 300;

/** Series of one view: times (s), datagrams, bytes, gap min, gap max. */
type History = [number[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]];

function empty(): History {
  return [[], [], [], [], []];
}

function push(history: History, values: [number, number | null, number | null, number | null, number | null]): void {
  history.forEach((series, i) => {
    (series as (number | null)[]).push(values[i] ?? null);
    if (series.length > POINTS) series.shift();
  });
}

/** A colour from the page's stylesheet (light or dark). */
function colour(name: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';
}

function chart(id: string, label: string, series: uPlot.Series[], bands?: uPlot.Band[]): uPlot {
  const target = byId(id);
  const axis = { stroke: colour('--fg'), grid: { stroke: colour('--grid') }, ticks: { stroke: colour('--grid') } };
  const options: uPlot.Options = {
    title: label,
    width: Math.max(target.clientWidth, 300),
    height: 160,
    series: [{}, ...series],
    axes: [axis, axis],
    legend: { show: true },
    ...(bands ? { bands } : {}),
  };
  return new uPlot(options, [[], ...series.map(() => [])], target);
}

export class ChartsPanel implements Panel {
  private all = empty();
  private selected = empty();
  private previous: { datagrams: number; bytes: number } | undefined;
  private readonly charts: uPlot[];

  constructor(private readonly selection: Selection) {
    const line = colour('--accent');
    this.charts = [
      chart('chart-rate', 'datagrams/s', [{ label: 'datagrams/s', stroke: line, width: 1.5 }]),
      chart('chart-bytes', 'bytes/s', [{ label: 'bytes/s', stroke: line, width: 1.5 }]),
      chart('chart-gap', 'inter-arrival gap (ms), min–max', [{ label: 'min', stroke: line }, { label: 'max', stroke: line }], [{ series: [2, 1], fill: colour('--band') }]),
    ];
    selection.onChange((peer) => {
      this.selected = empty();
      this.previous = undefined;
      byId('chart-of').textContent = peer ?? 'all traffic';
      byId('chart-all').hidden = peer === undefined;
      this.draw();
    });
    byId('chart-all').addEventListener('click', () => selection.select(undefined));
    window.addEventListener('resize', () => {
      for (const c of this.charts) c.setSize({ width: Math.max(c.root.parentElement?.clientWidth ?? 300, 300), height: 160 });
    });
  }

  second(second: Second): void {
    const t = second.time / 1000;
    push(this.all, [t, second.datagrams, second.bytes, second.gapMin, second.gapMax]);
    const peer = this.selection.peer;
    if (peer !== undefined) {
      const row = second.senders.find((s) => s.peer === peer);
      const before = this.previous;
      this.previous = row ? { datagrams: row.datagrams, bytes: row.bytes } : undefined;
      const delta = row && before ? [row.datagrams - before.datagrams, row.bytes - before.bytes] : [null, null];
      push(this.selected, [t, delta[0] ?? null, delta[1] ?? null, row?.gapMinNow ?? null, row?.gapMaxNow ?? null]);
    }
    this.draw();
  }

  private draw(): void {
    const h = this.selection.peer === undefined ? this.all : this.selected;
    const [rate, bytes, gap] = this.charts;
    rate?.setData([h[0], h[1]] as uPlot.AlignedData);
    bytes?.setData([h[0], h[2]] as uPlot.AlignedData);
    gap?.setData([h[0], h[3], h[4]] as uPlot.AlignedData);
  }
}
