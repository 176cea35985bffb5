/** `udp-proxy --tcp`: not built yet; refused with a clear line. */
import { UdpkitError } from '../errors.js';
import type { CliIO } from './io.js';
import type { ProxyConfig } from './proxy-args.js';

/** Runs the TCP relay until a signal; returns the exit code. */
export function runTcp(_config: ProxyConfig, _io: CliIO): Promise<number> {
  return Promise.reject(new UdpkitError('E_UNAVAILABLE', '--tcp is not built yet in this version of udp-proxy'));
}
