/**
 * The web view's page: one event stream (Server-Sent Events from /events), and the panels the command's hello
 * names, each fed the parts of the stream it shows. Every text from the stream goes into the page as text.
 */
import 'uplot/dist/uPlot.min.css';
import './page.css';
import { byId, cell, count } from './dom.js';
import { ChartsPanel } from './charts.js';
import { inspect } from './inspector.js';
import { LogPanel } from './log.js';
import { Selection, type Batch, type Counters, type Panel } from './panel.js';
import { SendersPanel } from './senders.js';
import { DirectionsPanel } from './directions.js';
import { TargetsPanel } from './targets.js';
import { sendBox } from './send.js';
import type { Hello } from '../protocol.js';

/** The header's counters (the command's, named in its hello), the ring's fill and the "behind" line. */
function showCounters(c: Counters, names: readonly string[], undrawn: number): void {
  for (const name of names) {
    const value = c[name];
    byId(`c-${name}`).textContent = value === null || value === undefined ? 'unknown' : count(value);
  }
  byId('c-ring').textContent = `${count(c.ring)} of ${count(c.ringMax)}`;
  // Skipped: rows the server did not send this page, and rows that came faster than the log is drawn.
  byId('c-skipped').textContent = count(c.skipped + undrawn);
  byId('behind').classList.toggle('is-behind', c.skipped + undrawn > 0 || (c.kernelDrops ?? 0) > 0);
}

/** The header's counters and the log's column heads, as the command's hello names them. */
function layout(hello: Hello): string[] {
  const counters = byId('counters');
  const ring = counters.lastElementChild;
  for (const [name, label] of hello.counters) {
    if (name === 'kernelDrops') {
      byId('drops-note').hidden = false;
      continue;
    }
    const span = cell('span', `${label} `);
    const value = cell('b', '0');
    value.id = `c-${name}`;
    span.append(value);
    counters.insertBefore(span, ring);
  }
  byId<HTMLTableElement>('log').tHead?.rows[0]?.replaceChildren(...hello.columns.map((c) => cell('th', c)));
  filterLabels(hello.columns);
  return hello.counters.map(([name]) => name);
}

/**
 * The log filter's labels name what the log's columns hold: the peer column is a sender (udp-listen), a client
 * (udp-proxy) or a target (udp-probe); a log without a port column (udp-probe) has no port filter.
 */
function filterLabels(columns: readonly string[]): void {
  const peer = columns[2];
  const peerLabel = byId('f-sender').parentElement?.firstChild;
  if (peer !== undefined && peer !== '' && peer !== 'peer' && peerLabel) peerLabel.textContent = `${peer} `;
  const portLabel = byId('f-port').parentElement;
  if (portLabel && columns[3] === '') {
    portLabel.hidden = true;
    byId('log').classList.add('no-port');
  }
}

/** "Capture now": the link asks for the last N datagrams. */
function captureLink(): void {
  const n = byId<HTMLInputElement>('cap-n');
  const link = byId<HTMLAnchorElement>('capture');
  n.addEventListener('input', () => {
    const value = Math.max(1, Math.floor(Number(n.value) || 1));
    link.href = `/api/capture?n=${value}`;
  });
}

/** Builds the panels named in `hello`; the others' sections are hidden. */
function panelsFor(hello: Hello, selection: Selection): Panel[] {
  const names = new Set(hello.panels);
  for (const section of document.querySelectorAll<HTMLElement>('[data-panel]')) section.hidden = !names.has(section.dataset.panel ?? '');
  byId('command').textContent = hello.command;
  const panels: Panel[] = [];
  const log = names.has('log') ? new LogPanel(selection, (row) => void inspect(row)) : undefined;
  const paused = (): boolean => log?.paused === true;
  if (log) panels.push(log);
  if (names.has('senders')) panels.push(new SendersPanel(selection, paused));
  if (names.has('charts')) panels.push(new ChartsPanel(selection));
  if (names.has('directions')) panels.push(new DirectionsPanel(paused));
  if (names.has('targets')) panels.push(new TargetsPanel(selection, paused));
  if (names.has('send')) sendBox(selection);
  if (names.has('capture')) captureLink();
  return panels;
}

function connect(): void {
  const selection = new Selection();
  let panels: Panel[] = [];
  let counters: string[] = [];
  const status = byId('status');
  const events = new EventSource('/events');
  events.addEventListener('hello', (e) => {
    if (panels.length === 0) {
      const hello = JSON.parse((e as MessageEvent<string>).data) as Hello;
      counters = layout(hello);
      panels = panelsFor(hello, selection);
    }
    status.textContent = 'live';
  });
  events.addEventListener('rows', (e) => {
    const batch = JSON.parse((e as MessageEvent<string>).data) as Batch;
    const log = panels.find((p): p is LogPanel => p instanceof LogPanel);
    showCounters(batch.counters, counters, log?.undrawn ?? 0);
    for (const panel of panels) panel.rows?.(batch.rows);
  });
  events.addEventListener('second', (e) => {
    const second = JSON.parse((e as MessageEvent<string>).data) as unknown;
    for (const panel of panels) panel.second?.(second);
  });
  events.addEventListener('end', () => {
    events.close();
    status.textContent = 'the command has stopped';
    document.body.classList.add('ended');
  });
  events.addEventListener('error', () => {
    if (events.readyState !== EventSource.CLOSED) status.textContent = 'disconnected: reconnecting…';
  });
}

connect();
