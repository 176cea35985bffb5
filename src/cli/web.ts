/**
 * `--web [ADDR:]PORT`: a command's live page beside it, started in one call as --metrics is; prints where to open it
 * (`web view: URL` with the token) and a warning off loopback. udp-listen, udp-proxy and udp-probe each hand it
 * their feed; the page, its server and its rules are the same for all three.
 */
import type { UdpListener } from '../core/udp-listener.js';
import type { TcpListener } from '../core/tcp-listener.js';
import type { UdpProxy, ProxyRecord } from '../proxy/proxy.js';
import type { Prober, ProbeReport } from '../probe/prober.js';
import type { DatagramRecord } from '../types.js';
import type { WebAddress, WebView, WebViewOptions } from '../web/index.js';
import type { CliIO } from './io.js';
import { put } from './output.js';

/** A command's running page: what its records go to, and what closes it. */
export interface CommandWeb<R> {
  /** Takes one of the command's records (cheap: counted, kept in a bounded ring; the page only samples). */
  push(record: R): void;
  close(): Promise<void>;
}

/**
 * Serves a page on `where` and prints its address; when it cannot be bound, `stop` closes the command first.
 * @throws UdpkitError E_ADDR_IN_USE, E_PERMISSION, E_UNAVAILABLE (the bind)
 */
async function serve(io: CliIO, where: WebAddress, options: Omit<WebViewOptions, 'host' | 'port'>, stop: () => Promise<unknown>): Promise<WebView> {
  const { startWebView, isLoopback } = await import('../web/index.js');
  let view: WebView;
  try {
    view = await startWebView({ host: where.host, port: where.port, ...options });
  } catch (error) {
    await stop();
    throw error;
  }
  if (!isLoopback(where.host)) {
    put(io.stderr, `warning: --web ${where.host} is not loopback: the page, its records and its send box are reachable by whoever has the token\n`);
  }
  put(io.stderr, `web view: ${view.url}\n`);
  return view;
}

/** udp-listen's page (UDP only): log, inspector, senders, charts, the send box from the listener's socket, capture. */
export async function startListenWeb(io: CliIO, where: WebAddress | undefined, listener: UdpListener | TcpListener): Promise<CommandWeb<DatagramRecord> | undefined> {
  if (where === undefined || listener.protocol !== 'udp') return undefined;
  const { WebFeed } = await import('../web/index.js');
  const feed = new WebFeed(undefined, () => {
    const summary = listener.summary();
    return { senders: summary.senders, kernelDrops: summary.kernelDrops };
  });
  // Datagrams heard before the page started are counted, though not in its ring.
  const before = listener.summary();
  feed.records = before.records;
  feed.bytes = before.bytes;
  const sendHook = { send: (payload: Buffer, to: { address: string; port: number }) => listener.send(payload, to), local: listener.local };
  const view = await serve(io, where, { source: feed, datagrams: feed, sendHook }, () => listener.close());
  return { push: (record) => feed.push(record), close: () => view.close() };
}

/** udp-proxy's page: each datagram's fate both ways, the directions table and charts. */
export async function startProxyWeb(io: CliIO, where: WebAddress | undefined, relay: UdpProxy, stop: () => Promise<unknown> = () => relay.close()): Promise<CommandWeb<ProxyRecord> | undefined> {
  if (where === undefined) return undefined;
  const { ProxyFeed } = await import('../web/index.js');
  const feed = new ProxyFeed(() => relay.summary(), relay.local.port);
  const view = await serve(io, where, { source: feed }, stop);
  return { push: (record) => feed.push(record), close: () => view.close() };
}

/** udp-probe's page: every report, the targets table, loss, RTT percentiles and jitter per target over time. */
export async function startProbeWeb(io: CliIO, where: WebAddress | undefined, prober: Prober, stop: () => Promise<unknown> = () => prober.close()): Promise<CommandWeb<ProbeReport> | undefined> {
  if (where === undefined) return undefined;
  const { ProbeFeed } = await import('../web/index.js');
  const feed = new ProbeFeed(() => prober.summary());
  const view = await serve(io, where, { source: feed }, stop);
  return { push: (record) => feed.push(record), close: () => view.close() };
}
