/** The live web view of a command (`udp-listen --web`): a feed the command's records go through, and its server. */
export { WebFeed, type FeedTotals } from './feed.js';
export { startWebView, type WebView, type WebViewOptions } from './server.js';
export { DEFAULT_RING } from './ring.js';
export { parseWebAddress, isLoopback, type WebAddress } from './address.js';
