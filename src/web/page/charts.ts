/**
 * The charts (uPlot): datagrams/s, bytes/s and the inter-arrival gap's min/max band, a point a second, for all
 * traffic or the selected sender, the last {@link POINTS} seconds.
 */
import uPlot from 'uplot';
import { byId } from './dom.js';
import type { Panel, Second, Selection } from './panel.js';

/** Seconds of history kept and drawn. */
export const POINTS = 300;
/** Senders whose history is kept from their first second (the first this many seen; any other from its selection). */
export const SENDER_HISTORIES = 50;

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
export function colour(name: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';
}

/** Series colours beyond the accent, for charts with a line per direction or target (readable light and dark). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A uPlot chart of `series` (besides the x axis) in the element `id`, coloured from the page's stylesheet. */
export function chart(id: string, label: string, series: uPlot.Series[], bands?: uPlot.Band[]): uPlot {
  const target = byId(id);
  const axis = { stroke: colour('--fg'), grid: { stroke: colour('--grid') }, ticks: { stroke: colour('--grid') } };
  const options: uPlot.Options = {
    title: label,
    width: Math.max(target.clientWidth, 300),
    height: 130,
    series: [{}, ...series],
    axes: [axis, axis],
    // The title names the series; a legend would only repeat it.
    legend: { show: false },
    ...(bands ? { bands } : {}),
  };
  return new uPlot(options, [[], ...series.map(() => [])], target);
}

export class ChartsPanel implements Panel {
  private all = empty();
  /** Per sender: its history, and its totals a second ago. */
  private readonly senders = new Map<string, { history: History; before: { datagrams: number; bytes: number } | undefined }>();
  private readonly charts: uPlot[];

  constructor(private readonly selection: Selection) {
    const line = colour('--accent');
    this.charts = [
      chart('chart-rate', 'datagrams/s', [{ label: 'datagrams/s', stroke: line, width: 1.5 }]),
      chart('chart-bytes', 'bytes/s', [{ label: 'bytes/s', stroke: line, width: 1.5 }]),
      chart('chart-gap', 'inter-arrival gap (ms), min–max', [{ label: 'min', stroke: line }, { label: 'max', stroke: line }], [{ series: [2, 1], fill: colour('--band') }]),
    ];
    selection.onChange((peer) => {
      if (peer !== undefined && !this.senders.has(peer)) this.senders.set(peer, { history: empty(), before: undefined });
      byId('chart-of').textContent = peer ?? 'all traffic';
      byId('chart-all').hidden = peer === undefined;
      this.draw();
    });
    byId('chart-all').addEventListener('click', () => selection.select(undefined));
    window.addEventListener('resize', () => {
      for (const c of this.charts) c.setSize({ width: Math.max(c.root.parentElement?.clientWidth ?? 300, 300), height: 130 });
    });
  }

  second(second: Second): void {
    const t = second.time / 1000;
    push(this.all, [t, second.datagrams, second.bytes, second.gapMin, second.gapMax]);
    for (const row of second.senders) {
      if (!this.senders.has(row.peer) && this.senders.size < SENDER_HISTORIES) this.senders.set(row.peer, { history: empty(), before: undefined });
    }
    const rows = new Map(second.senders.map((row) => [row.peer, row]));
    for (const [peer, kept] of this.senders) {
      const row = rows.get(peer);
      const before = kept.before;
      if (row) kept.before = { datagrams: row.datagrams, bytes: row.bytes };
      // Its first second has no totals before it to subtract: a gap in the line, not a spike.
      const rate = row && before ? row.datagrams - before.datagrams : row ? null : 0;
      const bytes = row && before ? row.bytes - before.bytes : row ? null : 0;
      push(kept.history, [t, rate, bytes, row?.gapMinNow ?? null, row?.gapMaxNow ?? null]);
    }
    this.draw();
  }

  private draw(): void {
    const peer = this.selection.peer;
    const h = peer === undefined ? this.all : (this.senders.get(peer)?.history ?? this.all);
    const [rate, bytes, gap] = this.charts;
    rate?.setData([h[0], h[1]] as uPlot.AlignedData);
    bytes?.setData([h[0], h[2]] as uPlot.AlignedData);
    gap?.setData([h[0], h[3], h[4]] as uPlot.AlignedData);
  }
}
