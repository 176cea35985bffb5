/**
 * The listener's reply hook: a function that decides, per message, what to send back. The echo is one such
 * function; the responder (src/respond) is another. Core sends what it returns under the echo's guards. @internal
 */
import type { Endpoint, ReplyNote } from '../types.js';

/** What a reply function decided for one message. */
export interface ReplyPlan {
  /** The rule that answered (from 1), named in the record. */
  readonly rule: number;
  /** The replies, in order; none for a rule that swallows the message. */
  readonly replies: readonly Buffer[];
  /** Milliseconds to wait before sending them (0: at once). */
  readonly delayMs: number;
}

/**
 * Answers one message (a datagram, or a TCP frame) from `from`, received on `local`; undefined when it has no
 * answer (the echo, when on, then answers).
 */
export type ReplyFunction = (payload: Buffer, from: Endpoint, local: Endpoint) => ReplyPlan | undefined;

/** Replies waiting for their delay, per listener, at most: past it a delayed answer is counted and not sent. */
export const MAX_PENDING_REPLIES = 10_000;

/** The note a record carries about the answer it got. */
export function replyNote(plan: ReplyPlan, suppressed?: ReplyNote['suppressed']): ReplyNote {
  let bytes = 0;
  for (const reply of plan.replies) bytes += reply.length;
  const note: ReplyNote = { rule: plan.rule, replies: plan.replies.length, bytes };
  if (suppressed !== undefined) note.suppressed = suppressed;
  return note;
}
