/** How a file or stream the command line names fails, as one line: the flag and the file, then why. */
import { fromSystemError, type UdpkitError } from '../errors.js';

/** Why a file cannot be opened for reading, in words, where the code alone says little. */
const UNREADABLE: Readonly<Record<string, string | undefined>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * A file given on the command line that cannot be opened or read: E_NO_INPUT, `cannot read --file "x": no such file`.
 * @param what what was being done, naming the flag and the file, e.g. `cannot read --file "x"`
 */
export function unreadable(error: unknown, what: string): UdpkitError {
  return fromSystemError(error, what, (errno) => ['E_NO_INPUT', `${what}: ${UNREADABLE[errno] ?? errno}`]);
}

/**
 * A read or write that failed on its way: E_IO, `cannot write --pcap "x": ENOSPC`. The code is given as it is:
 * the common table's words are about sockets (its EACCES speaks of ports).
 * @param what what was being done, e.g. `cannot write the report to --save "dir"`
 */
export function ioFailed(error: unknown, what: string): UdpkitError {
  return fromSystemError(error, what, (errno) => ['E_IO', `${what}: ${errno}`]);
}
