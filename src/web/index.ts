/** The live web view of a command (`--web`): the feeds a command's records go through, and the server. */
export { WebFeed, type FeedTotals } from './feed.js';
export { ProxyFeed } from './proxy-feed.js';
export { ProbeFeed } from './probe-feed.js';
export type { WebSource } from './source.js';
export { startWebView, type WebView, type WebViewOptions } from './server.js';
export { DEFAULT_RING } from './ring.js';
export { parseWebAddress, isLoopback, type WebAddress } from './address.js';
