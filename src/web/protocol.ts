/**
 * What the web view's event stream carries to the page (server and browser code share these types): rows sampled
 * from a command's records, counters that are exact, and once a second what the command's panels chart and tabulate
 * (udp-listen: senders; udp-proxy: the two directions; udp-probe: the targets).
 */

/**
 * One record as the page's live log shows it. `kind` names the row: a datagram heard or one the send box sent
 * (udp-listen), a datagram relayed `up` (client → target) or `down` (udp-proxy), a `report` (udp-probe).
 */
export interface Row {
  /** The record's number in the server's ring (the inspector asks for it by this). */
  id: number;
  kind: 'datagram' | 'sent' | 'up' | 'down' | 'report';
  /** Epoch milliseconds. */
  time: number;
  /** The second column: the protocol (udp-listen), the direction (udp-proxy), the target's state (udp-probe). */
  protocol: string;
  /** The peer: the sender of a datagram, the one a `sent` datagram went to, a proxy's client, a probe's target. */
  peer: string;
  /** The local port it reached (null where the command has none to show). */
  port: number | null;
  /** Bytes (udp-probe: probes settled in the report's window). */
  size: number;
  /** The payload as the text format escapes it (at most {@link ROW_TEXT_BYTES} of it); a fate; a report. */
  text: string;
  /** The payload as the hex format dumps it (at most {@link ROW_HEX_BYTES} of it); empty when no bytes are kept. */
  hex: string;
  /** Whether the row says something went wrong (a datagram dropped, a probe lost). */
  bad?: boolean;
}

/** Bytes of a payload escaped into a row's text; the inspector shows the whole datagram. */
export const ROW_TEXT_BYTES = 1024;
/** Bytes of a payload dumped into a row's hex. */
export const ROW_HEX_BYTES = 256;

/** A sender's line in the senders table. */
export interface SenderRow {
  peer: string;
  datagrams: number;
  bytes: number;
  /** Datagrams per second over the last second. */
  rate: number;
  /** Epoch ms of its last datagram. */
  last: number;
  /** Milliseconds between its datagrams: mean and max since the start; min and max over the last second. */
  gapMean: number | null;
  gapMax: number | null;
  gapMinNow: number | null;
  gapMaxNow: number | null;
}

/**
 * Counters, exact (not sampled): the command's own (named in {@link Hello.counters}), then the stream's. A null
 * is a count that cannot be read here (the kernel's drops off Linux).
 */
export interface Counters {
  [name: string]: number | null;
  /** Records this page was not sent, to stay within the row rate. */
  skipped: number;
  /** Records held in the server's ring now, and its bound. */
  ring: number;
  ringMax: number;
}

/** `event: hello`: what this command's page shows. */
export interface Hello {
  command: string;
  /** The panels this command feeds (udp-listen: log, inspector, senders, charts, send, capture). */
  panels: string[];
  /** The live log's column heads. */
  columns: string[];
  /** The command's counters in the header: name in {@link Counters}, and label. */
  counters: [string, string][];
  ringMax: number;
  rowsPerSecond: number;
}

/** `event: rows`: a batch of rows and the counters after them. */
export interface Batch {
  rows: Row[];
  counters: Counters;
}

/** udp-listen's `event: second`: the senders table and the second's chart point, once a second. */
export interface Second {
  time: number;
  datagrams: number;
  bytes: number;
  /** Inter-arrival gap over this second (ms), all traffic; null with fewer than two datagrams. */
  gapMin: number | null;
  gapMax: number | null;
  senders: SenderRow[];
  /** Senders beyond the table: how many, and their datagrams. */
  others: { senders: number; datagrams: number };
}

/** One direction of udp-proxy, as its summary has it (cumulative since the start). */
export interface WayFigures {
  received: number;
  forwarded: number;
  bytesForwarded: number;
  dropped: Record<string, number>;
  duplicated: number;
  corrupted: number;
  reordered: number;
  delayP50Ms: number | undefined;
  delayP99Ms: number | undefined;
  lossAsked: number;
  lossAchieved: number | undefined;
}

/** udp-proxy's `event: second`: both directions' totals so far, and the sessions. */
export interface ProxySecond {
  time: number;
  up: WayFigures;
  down: WayFigures;
  sessions: { open: number; opened: number };
  /** Datagrams in the delay line now. */
  held: number;
}

/** A probe target's line in udp-probe's table: totals since the start, and the last report's window. */
export interface TargetRow {
  target: string;
  address: string | null;
  sent: number;
  received: number;
  lost: number;
  late: number;
  duplicated: number;
  reordered: number;
  lostUp: number | null;
  lostDown: number | null;
  errors: number;
  lastError: string | null;
  /** Of the last report's window: loss (percent), RTT median and 99th percentile and jitter (ms). */
  lossPercent: number | null;
  rttP50Ms: number | null;
  rttP99Ms: number | null;
  jitterMs: number | null;
}

/** A report's window as a chart point of one target. */
export interface TargetPoint {
  target: string;
  time: number;
  lossPercent: number | null;
  rttP50Ms: number | null;
  rttP99Ms: number | null;
  jitterMs: number | null;
}

/** udp-probe's `event: second`: the targets table, and the reports that came this second (the charts' points). */
export interface ProbeSecond {
  time: number;
  targets: TargetRow[];
  points: TargetPoint[];
}
