/**
 * The report as one self-contained HTML file: no script, no font, no request of any kind (a Content-Security-Policy
 * forbids them), styles inline, every picture plain SVG. Light and dark follow the reader's setting; it prints.
 */
import { cellText, isoText, quantity, readable } from './render.js';
import { changeText } from './baseline.js';
import type { CompareReport, Plots, Sample, ScenarioResult } from './types.js';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const W = 640;
const H = 220;
const M = { left: 56, right: 16, top: 14, bottom: 38 };

/** Round tick steps: 1, 2 or 5 times a power of ten, about `count` of them up to `max`. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => Number((i * step).toPrecision(6)));
}

interface Line {
  name: string;
  cls: 'udp' | 'tcp';
  points: [number, number][];
}

/** Axes, grid, ticks and labels around a plot area; `body` draws in plot coordinates through `x` and `y`. */
/** How an axis maps values: linear from 0, or logarithmic from `min` (for times spanning decades). */
interface Scale {
  max: number;
  /** Log scale from this smallest value (> 0); linear from 0 when absent. */
  logMin?: number | undefined;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  xScale: Scale,
  yMax: number,
  body: (x: (v: number) => number, y: (v: number) => number) => string,
  legend: string[] = ['UDP', 'TCP'],
  yTicks = true,
): string {
  const top = M.top + 16;
  const pw = W - M.left - M.right;
  const ph = H - top - M.bottom;
  const { max: xMax, logMin } = xScale;
  const log = logMin !== undefined && logMin > 0 && xMax > logMin;
  const x = (v: number): number => {
    if (log) return M.left + ((Math.log10(Math.max(v, logMin)) - Math.log10(logMin)) / (Math.log10(xMax) - Math.log10(logMin))) * pw;
    return M.left + (xMax > 0 ? (v / xMax) * pw : 0);
  };
  const y = (v: number): number => top + ph - (yMax > 0 ? (v / yMax) * ph : 0);
  const xValues = log
    ? Array.from({ length: Math.floor(Math.log10(xMax)) - Math.ceil(Math.log10(logMin)) + 1 }, (_, i) => 10 ** (Math.ceil(Math.log10(logMin)) + i))
    : ticks(xMax);
  const xt = xValues.map((t) => `<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${top + ph}"/><text x="${x(t)}" y="${top + ph + 14}" text-anchor="middle">${readable(t)}</text>`);
  const yt = yTicks ? ticks(yMax, 4).map((t) => `<line class="grid" x1="${M.left}" x2="${M.left + pw}" y1="${y(t)}" y2="${y(t)}"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${readable(t)}</text>`) : [];
  const keys = legend
    .map((name, i) => `<rect x="${M.left + i * 90}" y="${M.top - 8}" width="10" height="10" class="key ${name === 'UDP' || name === 'delivered' ? 'k0' : 'k1'}"/><text x="${M.left + 14 + i * 90}" y="${M.top + 1}">${esc(name)}</text>`)
    .join('');
  return (
    `<figure><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">` +
    `${xt.join('')}${yt.join('')}<line class="axis" x1="${M.left}" x2="${M.left + pw}" y1="${top + ph}" y2="${top + ph}"/>` +
    `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${top}" y2="${top + ph}"/>${body(x, y)}${keys}` +
    `<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text></svg>` +
    `<figcaption>${esc(title)}</figcaption></figure>`
  );
}

function lineChart(title: string, xLabel: string, yLabel: string, lines: Line[], step = false, logX = false): string {
  const all = lines.flatMap((l) => l.points);
  const xMax = Math.max(0, ...all.map((p) => p[0]));
  const yMax = Math.max(0, ...all.map((p) => p[1])) * 1.05;
  const positive = all.map((p) => p[0]).filter((v) => v > 0);
  // A log axis when the values span more than two decades (a loopback UDP delay beside a retransmitting TCP one).
  const smallest = positive.length > 0 ? Math.min(...positive) : 0;
  const logMin = logX && smallest > 0 && xMax / smallest > 100 ? 10 ** Math.floor(Math.log10(smallest)) : undefined;
  return frame(title, xLabel, yLabel, { max: xMax, logMin }, yMax, (x, y) =>
    lines
      .filter((l) => l.points.length > 0)
      .map((l) => {
        const d = l.points
          .map(([px, py], i) => {
            const prev = l.points[i - 1];
            const corner = step && prev ? `L${x(px).toFixed(1)},${y(prev[1]).toFixed(1)}` : '';
            return `${i === 0 ? 'M' : `${corner}L`}${x(px).toFixed(1)},${y(py).toFixed(1)}`;
          })
          .join('');
        return `<path class="mark line ${l.cls}" d="${d}"><title>${esc(l.name)}</title></path>`;
      })
      .join(''),
  );
}

/** Both transports' distributions on one axis: the share of values at or below each value. */
function cdfChart(cdf: NonNullable<Plots['cdf']>): string {
  const toPoints = (q: number[]): [number, number][] => q.map((v, p) => [v, p / 100]);
  return lineChart(`${cdf.label}: cumulative distribution, UDP and TCP (a log axis when they span decades)`, `${cdf.label} (${cdf.unit})`, 'share at or below', [
    { name: 'UDP', cls: 'udp', points: toPoints(cdf.udp) },
    { name: 'TCP', cls: 'tcp', points: toPoints(cdf.tcp) },
  ], true, true);
}

/** Per bin of message numbers: a bar for what was delivered and one for what was lost, a strip per transport. */
function deliveryChart(delivery: NonNullable<Plots['delivery']>): string {
  const bins = Math.max(delivery.udp.length, delivery.tcp.length);
  const sent = bins * delivery.binSize;
  return frame(`delivered and lost by message number (bins of ${delivery.binSize}); top strip UDP, bottom strip TCP`, 'message number', '', { max: sent }, 2, (x, y) =>
    (['udp', 'tcp'] as const)
      .map((side, row) =>
        delivery[side]
          .map((share, b) => {
            const x0 = x(b * delivery.binSize);
            const width = Math.max(0.5, x((b + 1) * delivery.binSize) - x0 - 0.3);
            const top = y(2 - row);
            const height = y(1 - row) - top - 4;
            const got = height * share;
            return (
              `<rect class="mark ok" x="${x0.toFixed(1)}" y="${(top + height - got).toFixed(1)}" width="${width.toFixed(1)}" height="${got.toFixed(1)}"/>` +
              (share < 1 ? `<rect class="mark lost" x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${(height - got).toFixed(1)}"/>` : '')
            );
          })
          .join('') + `<text class="strip" x="${M.left - 6}" y="${(y(2 - row) + y(1 - row)) / 2}" text-anchor="end">${side.toUpperCase()}</text>`,
      )
      .join(''),
  ['delivered', 'lost'], false);
}

/** What was sent, and what each read returned, as rows of blocks as wide as their bytes. */
function blocksChart(blocks: NonNullable<Plots['blocks']>): string {
  const rows: [string, number[], string][] = [
    ['sent', blocks.sent, 'sent'],
    ['UDP reads', blocks.udp, 'udp'],
    ['TCP reads', blocks.tcp, 'tcp'],
  ];
  const total = Math.max(1, ...rows.map(([, sizes]) => sizes.reduce((a, b) => a + b, 0)));
  const height = 150;
  const left = 80;
  const width = W - left - 16;
  const marks = rows
    .map(([label, sizes, cls], row) => {
      let at = 0;
      const y0 = 10 + row * 44;
      const rects = sizes
        .map((size) => {
          const x0 = left + (at / total) * width;
          at += size;
          return `<rect class="mark block ${cls}" x="${x0.toFixed(1)}" y="${y0}" width="${Math.max(0.6, (size / total) * width - 0.8).toFixed(1)}" height="30"><title>${size} bytes</title></rect>`;
        })
        .join('');
      return `<text x="${left - 8}" y="${y0 + 19}" text-anchor="end">${esc(label)}</text>${rects}`;
    })
    .join('');
  return (
    `<figure><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="message boundaries">${marks}</svg>` +
    `<figcaption>message boundaries: the first ${blocks.sent.length} messages as sent, and the reads that returned the same bytes (width: bytes)</figcaption></figure>`
  );
}

function seriesCharts(series: { udp: Sample[]; tcp: Sample[] }): string {
  const pts = (samples: Sample[], pick: (s: Sample) => number | null): [number, number][] =>
    samples.flatMap((s) => {
      const v = pick(s);
      return v === null ? [] : [[s.t, v] as [number, number]];
    });
  return (
    lineChart('throughput over time, one point per 100 ms', 'seconds from the first arrival', 'Mbit/s', [
      { name: 'UDP', cls: 'udp', points: pts(series.udp, (s) => s.mbps) },
      { name: 'TCP', cls: 'tcp', points: pts(series.tcp, (s) => s.mbps) },
    ]) +
    lineChart('one-way delay over time (median per 100 ms)', 'seconds from the first arrival', 'ms', [
      { name: 'UDP', cls: 'udp', points: pts(series.udp, (s) => s.delayMs) },
      { name: 'TCP', cls: 'tcp', points: pts(series.tcp, (s) => s.delayMs) },
    ])
  );
}

/** Every picture a scenario has data for. */
export function scenarioPlots(result: ScenarioResult): string {
  const parts: string[] = [];
  if (result.plots?.cdf) parts.push(cdfChart(result.plots.cdf));
  if (result.plots?.delivery) parts.push(deliveryChart(result.plots.delivery));
  if (result.plots?.blocks) parts.push(blocksChart(result.plots.blocks));
  if (result.series) parts.push(seriesCharts(result.series));
  return parts.length > 0 ? `<div class="plots">${parts.join('')}</div>` : '';
}

const STYLE = `
:root{--bg:#fff;--fg:#1d1d1f;--muted:#6e6e73;--grid:#e5e5ea;--udp:#d9480f;--tcp:#1c7ed6;--ok:#2f9e44;--lost:#e03131;--sent:#868e96;--card:#f8f9fa}
@media (prefers-color-scheme:dark){:root{--bg:#121214;--fg:#e9e9ee;--muted:#a1a1aa;--grid:#2c2c31;--udp:#ff8a4c;--tcp:#5aa9ff;--ok:#51cf66;--lost:#ff6b6b;--sent:#adb5bd;--card:#1b1b1f}}
body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:920px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--grid);padding-bottom:.25rem}
.meta,.status,figcaption{color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.25rem .6rem;border-bottom:1px solid var(--grid);vertical-align:top}
th{font-weight:600}td.udp,th.udp{color:var(--udp)}td.tcp,th.tcp{color:var(--tcp)}
.change{color:var(--muted);white-space:nowrap}.sentence{background:var(--card);border-left:3px solid var(--muted);padding:.5rem .75rem;margin:.75rem 0}
figure{margin:1rem 0}svg{width:100%;height:auto;display:block}
svg text{fill:var(--muted);font-size:11px}.grid{stroke:var(--grid);stroke-width:1}.axis{stroke:var(--muted);stroke-width:1}
.line{fill:none;stroke-width:2}.line.udp{stroke:var(--udp)}.line.tcp{stroke:var(--tcp)}
.ok{fill:var(--ok)}.lost{fill:var(--lost)}.block.sent{fill:var(--sent)}.block.udp{fill:var(--udp)}.block.tcp{fill:var(--tcp)}
.key.k0{fill:var(--udp)}.key.k1{fill:var(--tcp)}.strip{fill:var(--fg);font-weight:600}
dl{font-size:.9rem}dt{font-weight:600;margin-top:.5rem}dd{margin:0 0 0 1rem;color:var(--muted)}
@media print{:root{--bg:#fff;--fg:#000;--card:#f4f4f4}body{margin:0;max-width:none}section{break-inside:avoid-page}}
`;

/** The delivery chart's legend reads delivered/lost: its keys take those colours. */
const DELIVERY_KEYS = `.plots figure svg[aria-label^="delivered"] .key.k0{fill:var(--ok)}.plots figure svg[aria-label^="delivered"] .key.k1{fill:var(--lost)}`;

function scenarioSection(result: ScenarioResult, baseline: boolean): string {
  const head = `<h2 id="${esc(result.name)}">${esc(result.title)}</h2>`;
  if (result.status !== 'ok') return `<section data-scenario="${esc(result.name)}" data-status="${result.status}">${head}<p class="status">${esc(result.status)}${result.reason ? `: ${esc(result.reason)}` : ''}</p></section>`;
  const rows = result.rows
    .map((r) => {
      const change = baseline ? `<td class="change">${esc(changeText(r.change?.udp))} / ${esc(changeText(r.change?.tcp))}</td>` : '';
      return `<tr data-id="${esc(r.id)}"><td>${esc(r.measurement)}</td><td class="udp">${esc(cellText(r.udp))}</td><td class="tcp">${esc(cellText(r.tcp))}</td>${change}</tr>`;
    })
    .join('');
  return (
    `<section data-scenario="${esc(result.name)}" data-status="ok">${head}` +
    `<table><thead><tr><th>measurement</th><th class="udp">UDP</th><th class="tcp">TCP</th>${baseline ? '<th>since baseline (UDP / TCP)</th>' : ''}</tr></thead><tbody>${rows}</tbody></table>` +
    `${result.sentence ? `<p class="sentence">${esc(result.sentence)}</p>` : ''}${scenarioPlots(result)}</section>`
  );
}

const GUIDE = `<h2>Reading the pictures</h2><dl>
<dt>Cumulative distribution (latency, lossy link)</dt><dd>For each time on the x axis, the share of round trips or one-way delays at or below it. A curve further left is faster; where a curve rises late, its tail is long.</dd>
<dt>Delivered and lost by message number (overload, lossy link)</dt><dd>Messages in order of sending, in bins; green is the share that arrived, red the share lost. UDP's red is loss nobody reported; TCP's strip stays green because it retransmits.</dd>
<dt>Throughput and delay over time (bottleneck)</dt><dd>What the receiver got per 100 ms, and the median one-way delay of it. UDP fills the link and loses the rest at a queue whose delay stays bounded; TCP backs off to the link rate and its delay grows as data waits.</dd>
<dt>Message boundaries</dt><dd>The messages as written, and the reads that brought the same bytes back. UDP's reads match the messages one for one; TCP's reads follow the stream, not the messages.</dd>
</dl>`;

/** The report as one HTML page. */
export function renderHtml(report: CompareReport): string {
  const w = report.workload;
  const meta =
    `${esc(w.target)}; ${w.messages} messages of ${w.size} bytes at ${w.rate}/s; lossy link ${readable(w.loss * 100)}% loss; ` +
    `bottleneck ${esc(quantity(w.linkRate / 1e6, 'Mbit/s'))}, queue ${readable(w.linkBufferMs)} ms. Node ${esc(report.machine.node)}, ` +
    `Linux ${esc(report.machine.kernel)}, ${report.machine.cpus} CPUs; ${isoText(report.startedAt)}; udp-compare ${esc(report.version)}.`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">` +
    `<title>udp-compare: UDP vs TCP</title><style>${STYLE}${DELIVERY_KEYS}</style></head><body>` +
    `<h1>udp-compare: UDP vs TCP, measured</h1><p class="meta">${meta}</p>` +
    `${report.baseline ? `<p class="meta">Changes are since the run of ${isoText(report.baseline.startedAt)} (udp-compare ${esc(report.baseline.version)}).</p>` : ''}${report.scenarios.map((s) => scenarioSection(s, report.baseline !== undefined)).join('')}${GUIDE}</body></html>\n`
  );
}
