/** The one error type of udpkit: a string code, a one-line message, and the exit code it maps to. */

/** Every failure udpkit expects, by string code. */
export const ERROR_CODES = {
  /** Bad command line: unknown flag, missing argument, malformed port or host. */
  E_USAGE: 64,
  /** Bad data: a message that cannot be decoded, or one too large to send. */
  E_DATA: 65,
  /** An input file that does not exist or cannot be read. */
  E_NO_INPUT: 66,
  /** A host name that does not resolve. */
  E_UNKNOWN_HOST: 68,
  /** Connection refused: nothing listens at the destination. */
  E_REFUSED: 69,
  /** The local address and port are already in use. */
  E_ADDR_IN_USE: 69,
  /** The address cannot be used here, or the network/host is unreachable. */
  E_UNAVAILABLE: 69,
  /** The peer reset the connection. */
  E_RESET: 69,
  /** The peer closed the connection before the exchanges were done. */
  E_CLOSED: 69,
  /** Internal error: a bug in udpkit. */
  E_INTERNAL: 70,
  /** An output file or directory that cannot be created (a path through a file, a read-only place). */
  E_CANT_CREATE: 73,
  /** A read or write failed. */
  E_IO: 74,
  /** Nothing arrived, or a connect did not finish, in the time allowed. */
  E_TIMEOUT: 75,
  /** Permission denied, e.g. a privileged port without the right to bind it. */
  E_PERMISSION: 77,
} as const;

/** A string code of {@link UdpkitError}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure: the CLI prints `message` on one line and exits with `exitCode`. */
export class UdpkitError extends Error {
  override readonly name = 'UdpkitError';
  readonly code: ErrorCode;
  /** The system error code behind it (`ECONNREFUSED`, `EADDRINUSE`, …), when there is one. */
  readonly errno: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = options?.errno;
  }

  /** The sysexits-style exit code for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code];
  }
}

/** The shape of a Node.js system error, as far as udpkit reads it. */
interface SystemError {
  code?: unknown;
  message?: unknown;
}

/** Whether `error` is a Node.js system error with a string code. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null) {
    const code = (error as SystemError).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** How one system error reads where it happened: its code and the whole message (used instead of the table's). */
export type Explanation = readonly [ErrorCode, string];

/**
 * Turns a Node.js system error into a {@link UdpkitError} with a message that says what was being done and to whom.
 * This is the one place where a system error becomes a UdpkitError: callers that know better for some errno (a
 * refused connect, a broadcast without SO_BROADCAST) say so through `special` instead of building their own.
 * @param error the error Node.js gave (a UdpkitError passes through as it is)
 * @param what what was being done, e.g. `bind udp 0.0.0.0:5005`
 * @param special the context's own reading of some errnos; undefined for the rest, which the common table reads
 */
export function fromSystemError(error: unknown, what: string, special?: (errno: string) => Explanation | undefined): UdpkitError {
  if (error instanceof UdpkitError) return error;
  const errno = errnoOf(error);
  const own = errno === undefined ? undefined : special?.(errno);
  if (own) return new UdpkitError(own[0], own[1], { cause: error, errno });
  const detail = errno ?? (error instanceof Error ? error.message : String(error));
  const known = errno === undefined ? undefined : SYSTEM_ERRORS[errno];
  if (known) return new UdpkitError(known[0], `${what}: ${known[1]} (${errno})`, { cause: error, errno });
  return new UdpkitError('E_IO', `${what}: ${detail}`, { cause: error, ...(errno ? { errno } : {}) });
}

/** How each system error reads when the context has nothing more precise to say. */
const SYSTEM_ERRORS: Readonly<Record<string, Explanation | undefined>> = {
  EADDRINUSE: ['E_ADDR_IN_USE', 'address already in use'],
  EACCES: ['E_PERMISSION', 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'],
  EPERM: ['E_PERMISSION', 'operation not permitted'],
  EADDRNOTAVAIL: ['E_UNAVAILABLE', 'address not available on this machine'],
  EAFNOSUPPORT: ['E_UNAVAILABLE', 'address family not supported here'],
  ECONNREFUSED: ['E_REFUSED', 'connection refused'],
  ECONNRESET: ['E_RESET', 'connection reset by peer'],
  EPIPE: ['E_RESET', 'connection closed by peer (broken pipe)'],
  ENETUNREACH: ['E_UNAVAILABLE', 'network unreachable'],
  EHOSTUNREACH: ['E_UNAVAILABLE', 'host unreachable'],
  EMSGSIZE: ['E_DATA', 'message too long for one datagram'],
  ENOTFOUND: ['E_UNKNOWN_HOST', 'host name does not resolve'],
  EAI_AGAIN: ['E_UNKNOWN_HOST', 'host name lookup failed (temporary)'],
  ETIMEDOUT: ['E_TIMEOUT', 'timed out'],
};
