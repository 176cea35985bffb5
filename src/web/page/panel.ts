/**
 * What the page's panels share: the events of the stream each one may take (rows, the second's table and point,
 * counters), and the selected sender. A command's hello names its panels; main.ts builds those.
 */
import type { Batch, Counters, Row, Second } from '../protocol.js';

/** One panel of the page: it takes the parts of the stream it shows (`second`: the command's own, see protocol.ts). */
export interface Panel {
  rows?(rows: Row[]): void;
  second?(second: unknown): void;
  counters?(counters: Counters): void;
}

/** The sender selected in the log or the table (the charts and the send box follow it). */
export class Selection {
  peer: string | undefined;
  private readonly listeners: ((peer: string | undefined) => void)[] = [];

  select(peer: string | undefined): void {
    this.peer = peer;
    for (const listener of this.listeners) listener(peer);
  }

  onChange(listener: (peer: string | undefined) => void): void {
    this.listeners.push(listener);
  }
}

export type { Batch, Counters, Row, Second };
