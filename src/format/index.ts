/**
 * `udpkit/format`: records as text, JSON and hex as udp-listen writes them, terminal-safe escaping, the time styles,
 * messages as typed turned into bytes, and pcap files written and read. Nothing here touches a socket.
 */

export { formatRecord, recordToJson, describeRecord, jsonPayload, type JsonPayload, type RecordStyle } from './records.js';
export { TimeFormat, TIME_STYLES, type TimeStyle } from './time.js';
export { escapeBytes } from './escape.js';
export { hexDump } from './hex.js';
export { formatEndpoint } from './endpoint.js';
export { encodeMessage, unescapeMessage, decodeHex, decodeBase64, checkDatagramSize } from './payload.js';
export { pcapFileHeader, pcapRecord, ipPacket, LINKTYPE_RAW, type PcapDatagram } from './pcap.js';
export { readCapture, type CaptureContents, type CapturedDatagram } from './pcap-read.js';
export { FORMATS, ENCODINGS, MAX_DATAGRAM, type Format, type Encoding } from '../types.js';
