/** Why a target could not be probed, by cause (refused, reset, timeout …), counted per target: never fatal. */
import { errnoOf, UdpkitError } from '../errors.js';

/**
 * The causes a probe's failure is counted under. `refused`: nothing listens (TCP RST to the SYN, ICMP port
 * unreachable); `reset`: an open connection reset; `closed`: the peer closed an open connection; `timeout`: a connect
 * or an open connection's echoes took longer than the timeout; `unreachable`: no route; `unresolved`: the name does
 * not resolve; `mismatch`: what came back over TCP is not this prober's probes (not an echo server); `other`.
 */
export const FAILURE_CAUSES = ['refused', 'reset', 'closed', 'timeout', 'unreachable', 'unresolved', 'mismatch', 'other'] as const;

/** A cause of {@link FAILURE_CAUSES}. */
export type FailureCause = (typeof FAILURE_CAUSES)[number];

const BY_ERRNO: Readonly<Record<string, FailureCause>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  E_UNKNOWN_HOST: 'unresolved',
  ENOTFOUND: 'unresolved',
  EAI_AGAIN: 'unresolved',
};

/** The cause an error is counted under. */
export function causeOf(error: unknown): FailureCause {
  if (error instanceof UdpkitError && error.code === 'E_UNKNOWN_HOST') return 'unresolved';
  const errno = error instanceof UdpkitError ? error.errno : errnoOf(error);
  return (errno === undefined ? undefined : BY_ERRNO[errno]) ?? 'other';
}

/** How a refusal shows on each protocol. */
const REFUSED: Record<'udp' | 'tcp', string> = { udp: 'ICMP port unreachable', tcp: 'connection refused' };

/** Words for an error, as the status lines give the last one. */
export function describeFailure(error: unknown, protocol: 'udp' | 'tcp'): string {
  const errno = errnoOf(error);
  if (errno === 'ECONNREFUSED') return `ECONNREFUSED: nothing listens there (${REFUSED[protocol]})`;
  if (error instanceof UdpkitError) return error.message;
  return errno ?? (error instanceof Error ? error.message : String(error));
}

/** A target's failures: the count per cause, and the last one in words. @internal */
export class Failures {
  readonly byCause: Partial<Record<FailureCause, number>> = {};
  total = 0;
  last: string | undefined;

  constructor(private readonly protocol: 'udp' | 'tcp') {}

  /** Counts a failure under `cause` (or the error's own), described by `error`. */
  add(error: unknown, cause: FailureCause = causeOf(error)): void {
    this.total += 1;
    this.byCause[cause] = (this.byCause[cause] ?? 0) + 1;
    this.last = describeFailure(error, this.protocol);
  }
}
