/** `udp-listen --web`: the web view beside the listener, fed every record; prints where to open it. */
import type { UdpListener } from '../core/udp-listener.js';
import { WebFeed, isLoopback, startWebView, type WebAddress, type WebView } from '../web/index.js';
import type { CliIO } from './io.js';
import { put } from './output.js';

export { WebFeed };

/** The panels udp-listen's page shows. */
const PANELS = ['log', 'senders', 'charts', 'send', 'capture'];

/**
 * Serves the page of `listener` on `where` and prints `web view: URL` (with the token) on stderr, and a warning
 * when the address is not loopback.
 */
export async function serveListenWeb(io: CliIO, where: WebAddress, listener: UdpListener, feed: WebFeed): Promise<WebView> {
  const view = await startWebView({
    host: where.host,
    port: where.port,
    command: 'udp-listen',
    panels: PANELS,
    feed,
    totals: () => {
      const summary = listener.summary();
      return { senders: summary.senders, kernelDrops: summary.kernelDrops };
    },
    sendHook: { send: (payload, to) => listener.send(payload, to), local: listener.local },
  });
  if (!isLoopback(where.host)) {
    put(io.stderr, `warning: --web ${where.host} is not loopback: the page, its records and its send box are reachable by whoever has the token\n`);
  }
  put(io.stderr, `web view: ${view.url}\n`);
  return view;
}
