/**
 * What the web view's event stream carries to the page (server and browser code share these types): rows sampled
 * from the records, counters that are exact, a table of senders and a point per second for the charts.
 */

/** One record as the page shows it. `kind` names the panel row: a datagram heard, or one the send box sent. */
export interface Row {
  /** The record's number in the server's ring (the inspector asks for it by this). */
  id: number;
  kind: 'datagram' | 'sent';
  /** Epoch milliseconds. */
  time: number;
  protocol: 'udp';
  /** The peer: the sender of a datagram, or the one a `sent` datagram went to, as `ADDRESS:PORT`. */
  peer: string;
  /** The listener's local port. */
  port: number;
  size: number;
  /** The payload as the text format escapes it (at most {@link ROW_TEXT_BYTES} of it). */
  text: string;
  /** The payload as the hex format dumps it (at most {@link ROW_HEX_BYTES} of it). */
  hex: string;
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

/** Counters, exact (not sampled). */
export interface Counters {
  records: number;
  bytes: number;
  senders: number;
  /** Datagrams the kernel dropped for a full receive buffer (null where it cannot be read). */
  kernelDrops: number | null;
  /** Datagrams the send box sent. */
  sent: number;
  /** Records this page was not sent, to stay within the row rate. */
  skipped: number;
  /** Records held in the server's ring now, and its bound. */
  ring: number;
  ringMax: number;
}

/** `event: hello`: what this command's page shows. */
export interface Hello {
  command: string;
  /** The panels this command feeds (udp-listen: log, senders, charts, send, capture). */
  panels: string[];
  ringMax: number;
  rowsPerSecond: number;
}

/** `event: rows`: a batch of rows and the counters after them. */
export interface Batch {
  rows: Row[];
  counters: Counters;
}

/** `event: second`: the senders table and the second's chart point, once a second. */
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
