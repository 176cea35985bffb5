/** The header every measured message carries (sequence number, send time), and the accounting made from it. */

/** Bytes of the header: 4-byte sequence number, 8-byte send time. */
export const HEADER_BYTES = 12;

/** Now, in epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A message of `size` bytes (at least the header) carrying `seq` and the send time. */
export function stampMessage(seq: number, size: number, sentAt = preciseNow()): Buffer {
  const message = Buffer.alloc(Math.max(size, HEADER_BYTES), 0x2e);
  message.writeUInt32BE(seq >>> 0, 0);
  message.writeDoubleBE(sentAt, 4);
  return message;
}

/** Reads the header back, or undefined when the message is too short to carry one. */
export function readStamp(message: Buffer): { seq: number; sentAt: number } | undefined {
  if (message.length < HEADER_BYTES) return undefined;
  return { seq: message.readUInt32BE(0), sentAt: message.readDoubleBE(4) };
}

/** Loss, duplication and reordering of a run, counted from the sequence numbers in arrival order. */
export interface SequenceAccount {
  sent: number;
  /** Messages read, duplicates included. */
  received: number;
  /** Distinct sequence numbers read. */
  unique: number;
  /** Sequence numbers sent but never read. */
  lost: number;
  /** Reads of a sequence number already read. */
  duplicates: number;
  /** First reads that came after a higher sequence number had already arrived. */
  reordered: number;
  /** unique / sent, 0..1. */
  deliveredFraction: number;
}

/**
 * Counts loss, duplicates and reordering from the sequence numbers as they arrived.
 * Numbers outside 0..sent-1 are ignored (not from this run).
 */
export function accountSequence(arrivals: readonly number[], sent: number): SequenceAccount {
  const seen = new Uint8Array(sent);
  let unique = 0;
  let duplicates = 0;
  let reordered = 0;
  let received = 0;
  let highest = -1;
  for (const seq of arrivals) {
    if (!Number.isInteger(seq) || seq < 0 || seq >= sent) continue;
    received += 1;
    if (seen[seq] === 1) {
      duplicates += 1;
      continue;
    }
    seen[seq] = 1;
    unique += 1;
    if (seq < highest) reordered += 1;
    else highest = seq;
  }
  return { sent, received, unique, lost: sent - unique, duplicates, reordered, deliveredFraction: sent === 0 ? 1 : unique / sent };
}
