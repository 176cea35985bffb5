/** udpkit as a library: listen, send, the record formats and the one error type. Nothing here prints or exits. */

export { ERROR_CODES, UdpkitError, type ErrorCode } from './errors.js';
export type * from './types.js';
export { FORMATS, ENCODINGS, MAX_DATAGRAM } from './types.js';
export { listenUdp as listen, DEFAULT_RCVBUF, type UdpListenOptions, type UdpListener, type RecvBuffer, type DatagramHandler } from './core/udp-listener.js';
export { sendUdp as send, DEFAULT_SETTLE_MS, type UdpSendOptions, type UdpSendResult } from './core/udp-sender.js';
export { listenTcp, type TcpListenOptions, type TcpListener, type RecordHandler } from './core/tcp-listener.js';
export { sendTcp, DEFAULT_CONNECT_TIMEOUT_MS, type TcpSendOptions, type TcpSendResult } from './core/tcp-sender.js';
export { Deframer, encodeFrame, FRAMINGS, DEFAULT_MAX_FRAME, FrameTooLargeError, type Framing } from './core/framing.js';
export { runCompare, type CompareOptions } from './compare/run.js';
export { compareReportSchema, scenarioResultSchema } from './compare/schema.js';
export { SCENARIO_NAMES, type CompareReport, type ScenarioResult, type ScenarioName, type Row, type Cell, type Workload } from './compare/types.js';
export type { ListenerSummary } from './core/stats.js';
export type { StopReason, StopConditions } from './core/completion.js';
export { resolveHost, type ResolvedAddress } from './core/resolve.js';
export { formatRecord, recordToJson, describeRecord, jsonPayload, type JsonPayload, type RecordStyle } from './format/records.js';
export { TimeFormat, TIME_STYLES, type TimeStyle } from './format/time.js';
export { escapeBytes } from './format/escape.js';
export { hexDump } from './format/hex.js';
export { formatEndpoint } from './format/endpoint.js';
export { encodeMessage, unescapeMessage, decodeHex, decodeBase64, checkDatagramSize } from './format/payload.js';
export { isMulticastAddress, type GroupJoin } from './core/multicast.js';
export { pcapFileHeader, pcapRecord, ipPacket, LINKTYPE_RAW, type PcapDatagram } from './format/pcap.js';
export { readCapture, type CaptureContents, type CapturedDatagram } from './format/pcap-read.js';
