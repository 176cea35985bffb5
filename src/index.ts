/** udpkit as a library: listen, send, the record formats and the one error type. Nothing here prints or exits. */
import { listenUdp, type DatagramHandler, type UdpListenOptions, type UdpListener } from './core/udp-listener.js';
import { sendUdp, type UdpSendOptions, type UdpSendResult } from './core/udp-sender.js';

export { ERROR_CODES, UdpkitError, type ErrorCode } from './errors.js';
export type * from './types.js';
export { FORMATS, ENCODINGS, MAX_DATAGRAM } from './types.js';
export { listenUdp, DEFAULT_RCVBUF, type UdpListenOptions, type UdpListener, type RecvBuffer, type DatagramHandler } from './core/udp-listener.js';
export { sendUdp, DEFAULT_SETTLE_MS, type UdpSendOptions, type UdpSendResult } from './core/udp-sender.js';
export { listenTcp, type TcpListenOptions, type TcpListener, type RecordHandler } from './core/tcp-listener.js';
export { sendTcp, DEFAULT_CONNECT_TIMEOUT_MS, type TcpSendOptions, type TcpSendResult } from './core/tcp-sender.js';
export { Deframer, encodeFrame, FRAMINGS, DEFAULT_MAX_FRAME, FrameTooLargeError, type Framing } from './core/framing.js';
export { runCompare, type CompareOptions } from './compare/run.js';
export type { ListenerSummary } from './core/stats.js';
export type { StopReason, StopConditions } from './core/completion.js';
export { resolveHost, type ResolvedAddress } from './core/resolve.js';
export { formatRecord, recordToJson, describeRecord, jsonPayload, type JsonPayload } from './format/records.js';
export { escapeBytes } from './format/escape.js';
export { hexDump } from './format/hex.js';
export { formatEndpoint } from './core/endpoint.js';
export { encodeMessage, unescapeMessage, decodeHex, decodeBase64, checkDatagramSize } from './payload.js';

/**
 * Binds a UDP receiver and calls `onDatagram` for every datagram, whole, with its sender.
 * Same as {@link listenUdp}.
 */
export function listen(options: UdpListenOptions, onDatagram: DatagramHandler): Promise<UdpListener> {
  return listenUdp(options, onDatagram);
}

/** Sends a datagram (or `count` of them) over UDP. Same as {@link sendUdp}. */
export function send(options: UdpSendOptions): Promise<UdpSendResult> {
  return sendUdp(options);
}
