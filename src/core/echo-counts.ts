/**
 * What an echo listener tells udp-compare about one sender, so that loss can be split into the way there and the
 * way back (as irtt does with its server's counters). A datagram whose payload is exactly `UDPKIT-COUNT?` is
 * answered, instead of echoed, with `UDPKIT-COUNT <received> <echoed>`: the datagrams this listener got from that
 * sender's address and port before the query, and the echoes it sent back. Any other echo server returns the
 * query unchanged, and udp-compare then says it cannot split the loss. @internal
 */

/** The query's payload. */
export const COUNT_QUERY = Buffer.from('UDPKIT-COUNT?');
/** The answer's prefix. */
export const COUNT_ANSWER = 'UDPKIT-COUNT ';
/** Senders counted; the oldest is forgotten past this. */
const MAX_SENDERS = 4096;

/** Per-sender counts of an echo listener. */
export class EchoCounts {
  private readonly senders = new Map<string, { received: number; echoed: number }>();

  private entry(address: string, port: number): { received: number; echoed: number } {
    const key = `${address}|${port}`;
    let entry = this.senders.get(key);
    if (entry === undefined) {
      if (this.senders.size >= MAX_SENDERS) {
        const oldest = this.senders.keys().next().value;
        if (oldest !== undefined) this.senders.delete(oldest);
      }
      entry = { received: 0, echoed: 0 };
      this.senders.set(key, entry);
    }
    return entry;
  }

  /** A datagram from the sender: counted, or, when it is the query, the answer to send instead of an echo. */
  received(address: string, port: number, payload: Buffer): Buffer | undefined {
    const entry = this.entry(address, port);
    if (payload.length === COUNT_QUERY.length && payload.equals(COUNT_QUERY)) {
      return Buffer.from(`${COUNT_ANSWER}${entry.received} ${entry.echoed}`);
    }
    entry.received += 1;
    return undefined;
  }

  /** An echo to the sender left. */
  echoed(address: string, port: number): void {
    this.entry(address, port).echoed += 1;
  }
}

/** The counts in an answer, or undefined when `reply` is not one (a foreign echo returns the query as it was). */
export function parseCountAnswer(reply: Buffer): { received: number; echoed: number } | undefined {
  const match = /^UDPKIT-COUNT (\d+) (\d+)$/.exec(reply.toString('latin1'));
  return match ? { received: Number(match[1]), echoed: Number(match[2]) } : undefined;
}
