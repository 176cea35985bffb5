/** Renders records in the four output formats: text, json (NDJSON), hex and raw. */
import { isUtf8 } from 'node:buffer';
import type { DataRecord, DatagramRecord, Endpoint, Format, ReplyNote, TrafficRecord } from '../types.js';
import { ByteBuffer } from './byte-buffer.js';
import { escapeBytes, escapeInto } from './escape.js';
import { writeJsonPayload } from './json-escape.js';
import { formatEndpoint } from './endpoint.js';
import { hexDump } from './hex.js';
import { jsonSafe } from './safe-text.js';
import { ISO_TIME, type TimeFormat } from './time.js';

/** How records are rendered beyond their format: the time style, and whether text names the local end. */
export interface RecordStyle {
  /** Default: ISO 8601 to the millisecond. */
  time?: TimeFormat | undefined;
  /** Text and hex: ` to LOCAL` after the sender, for a listener with several ports or groups. */
  showLocal?: boolean | undefined;
}

/** A payload in JSON: UTF-8 text when it is valid UTF-8, base64 otherwise. */
export interface JsonPayload {
  encoding: 'utf8' | 'base64';
  payload: string;
}

/** Encodes a payload for JSON output. */
export function jsonPayload(bytes: Buffer): JsonPayload {
  return isUtf8(bytes) ? { encoding: 'utf8', payload: bytes.toString('utf8') } : { encoding: 'base64', payload: bytes.toString('base64') };
}

function plural(count: number, word: string): string {
  return count === 1 ? `1 ${word}` : `${count} ${word}s`;
}

/** The last endpoint rendered and its text: a listener reuses one object per sender. */
let lastEndpoint: Endpoint | undefined;
let lastEndpointText = '';

function endpointText(endpoint: Endpoint): string {
  if (endpoint !== lastEndpoint) {
    lastEndpoint = endpoint;
    lastEndpointText = formatEndpoint(endpoint);
  }
  return lastEndpointText;
}

/** The local end's text, cached per endpoint object like the sender's. */
let lastLocal: Endpoint | undefined;
let lastLocalText = '';

function toLocal(record: TrafficRecord, style: RecordStyle): string {
  if (style.showLocal !== true) return '';
  if (record.local !== lastLocal) {
    lastLocal = record.local;
    lastLocalText = ` to ${formatEndpoint(record.local)}`;
  }
  return lastLocalText;
}

function textHead(record: TrafficRecord, style: RecordStyle): string {
  const conn = record.protocol === 'tcp' ? ` #${record.conn}` : '';
  return `${(style.time ?? ISO_TIME).text(record.time)} ${record.protocol} ${endpointText(record.from)}${toLocal(record, style)}${conn}`;
}

/** ` (replied: rule 2)`: what a responder did with a message, after its size in text and hex. */
export function replyPart(note: ReplyNote | undefined): string {
  if (note === undefined) return '';
  if (note.suppressed !== undefined) return ` (rule ${note.rule}, not sent: ${note.suppressed})`;
  return note.replies === 0 ? ` (dropped: rule ${note.rule})` : ` (replied: rule ${note.rule})`;
}

function sizePart(record: DatagramRecord | DataRecord): string {
  const unit = record.event === 'data' && record.unit === 'partial' ? 'partial frame ' : '';
  return `${unit}${plural(record.payload.length, 'byte')}${replyPart(record.reply)}`;
}

/** The one-line head of a record, without the payload: what `text` prints before it and `hex` before the dump. */
export function describeRecord(record: TrafficRecord, style: RecordStyle = {}): string {
  const head = textHead(record, style);
  switch (record.event) {
    case 'datagram':
    case 'data':
      return `${head} ${sizePart(record)}`;
    case 'open':
      return `${head} open (local ${formatEndpoint(record.local)})`;
    case 'close':
      return (
        `${head} close (${record.reason}) received ${plural(record.received.bytes, 'byte')} in ${plural(record.received.chunks, 'chunk')}, ` +
        `sent ${plural(record.sent.bytes, 'byte')} in ${plural(record.sent.chunks, 'chunk')}, ${record.durationMs.toFixed(1)} ms`
      );
    case 'error':
      return `${head} error ${record.code}: ${escapeBytes(Buffer.from(record.message))}`;
  }
}

function endpointJson(endpoint: Endpoint): Endpoint {
  return { address: endpoint.address, port: endpoint.port, family: endpoint.family };
}

function replyJson(note: ReplyNote | undefined): { reply?: ReplyNote } {
  return note === undefined ? {} : { reply: note };
}

/** The JSON object of a record (the documented NDJSON schema, one per line). */
export function recordToJson(record: TrafficRecord, style: RecordStyle = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    ...(JSON.parse(`{${(style.time ?? ISO_TIME).json(record.time)}}`) as Record<string, unknown>),
    protocol: record.protocol,
    event: record.event,
  };
  if (record.protocol === 'tcp') base.conn = record.conn;
  base.from = endpointJson(record.from);
  base.local = endpointJson(record.local);
  switch (record.event) {
    case 'datagram':
      return { ...base, size: record.payload.length, ...replyJson(record.reply), ...jsonPayload(record.payload) };
    case 'data':
      return { ...base, unit: record.unit, size: record.payload.length, ...replyJson(record.reply), ...jsonPayload(record.payload) };
    case 'open':
      return base;
    case 'close':
      return { ...base, reason: record.reason, received: record.received, sent: record.sent, durationMs: record.durationMs };
    case 'error':
      return { ...base, code: record.code, message: record.message };
  }
}

/** Endpoint JSON texts by object: a listener reuses one endpoint object per sender and one for its own address. */
const endpointJsonCache = new WeakMap<Endpoint, string>();

function endpointJsonText(endpoint: Endpoint): string {
  let text = endpointJsonCache.get(endpoint);
  if (text === undefined) {
    text = JSON.stringify(endpointJson(endpoint));
    endpointJsonCache.set(endpoint, text);
  }
  return text;
}

/**
 * Renders one record in `format`, ready to write: a line (or lines, for `hex`) ending in `\n`,
 * or for `raw` the payload bytes alone (nothing for events without a payload).
 */
export function formatRecord(record: TrafficRecord, format: Format, style: RecordStyle = NO_STYLE): string | Buffer {
  const hasPayload = record.event === 'datagram' || record.event === 'data';
  switch (format) {
    case 'raw':
      return hasPayload ? record.payload : '';
    case 'json':
      return record.event === 'datagram' ? datagramLine(record, format, style) : `${jsonSafe(JSON.stringify(recordToJson(record, style)))}\n`;
    case 'hex':
      return record.event === 'datagram' ? datagramLine(record, format, style) : `${describeRecord(record, style)}\n${hasPayload ? hexDump(record.payload) : ''}`;
    case 'text': {
      if (record.event === 'datagram') return datagramLine(record, format, style);
      if (!hasPayload) return `${describeRecord(record, style)}\n`;
      const payload = record.payload.length > 0 ? `: ${escapeBytes(record.payload)}` : '';
      return `${describeRecord(record, style)}${payload}\n`;
    }
  }
}

/**
 * The bytes of a datagram's line before its payload (`TIME udp FROM N bytes: `, the hex head line, or the JSON up
 * to the encoding), kept while the millisecond, the endpoints, the size and the style stay the same: under a flood
 * most datagrams share them, and the line is then a copy of these bytes and of the escaped payload.
 */
class HeadCache {
  private time = Number.NaN;
  private from: Endpoint | undefined;
  private local: Endpoint | undefined;
  private size = -1;
  private style: RecordStyle | undefined;
  private timeFormat: TimeFormat | undefined;
  private showLocal: boolean | undefined;
  /** The head of the last datagram asked for. */
  bytes = Buffer.alloc(0);

  constructor(private readonly make: (record: DatagramRecord, style: RecordStyle) => string) {}

  /** The head of `record`'s line in `style`. */
  get(record: DatagramRecord, style: RecordStyle): Buffer {
    if (
      record.time !== this.time ||
      record.from !== this.from ||
      record.local !== this.local ||
      record.payload.length !== this.size ||
      style !== this.style ||
      style.time !== this.timeFormat ||
      style.showLocal !== this.showLocal
    ) {
      this.time = record.time;
      this.from = record.from;
      this.local = record.local;
      this.size = record.payload.length;
      this.style = style;
      this.timeFormat = style.time;
      this.showLocal = style.showLocal;
      this.bytes = Buffer.from(this.make(record, style), 'utf8');
    }
    return this.bytes;
  }
}

function datagramHead(record: DatagramRecord, style: RecordStyle): string {
  const size = record.payload.length;
  return `${(style.time ?? ISO_TIME).text(record.time)} udp ${endpointText(record.from)}${toLocal(record, style)} ${size === 1 ? '1 byte' : `${size} bytes`}`;
}

const textHeads = new HeadCache((record, style) => (record.payload.length > 0 ? `${datagramHead(record, style)}: ` : datagramHead(record, style)));
const hexHeads = new HeadCache((record, style) => `${datagramHead(record, style)}\n`);
const jsonHeads = new HeadCache(
  (record, style) =>
    `{${(style.time ?? ISO_TIME).json(record.time)},"protocol":"udp","event":"datagram","from":${endpointJsonText(record.from)},` +
    `"local":${endpointJsonText(record.local)},"size":${record.payload.length},"encoding":`,
);
const NEWLINE = 0x0a;
const NO_STYLE: RecordStyle = {};

/**
 * The one renderer of a datagram's line: writes it in `format` into `out`, the hot path of a listener under load.
 * Text and JSON copy a cached head and then the payload, escaped byte by byte where it needs it, with no string
 * built on the way.
 */
function writeDatagram(record: DatagramRecord, format: Format, out: ByteBuffer, style: RecordStyle): void {
  const { payload } = record;
  if (record.reply !== undefined) return writeAnswered(record, record.reply, format, out, style);
  switch (format) {
    case 'raw':
      out.bytes(payload);
      return;
    case 'text':
      out.bytes(textHeads.get(record, style));
      if (payload.length > 0) escapeInto(payload, out);
      out.reserve(1)[out.used++] = NEWLINE;
      return;
    case 'json': {
      out.bytes(jsonHeads.get(record, style));
      writeJsonPayload(payload, out);
      const end = out.reserve(2);
      end[out.used] = 0x7d;
      end[out.used + 1] = NEWLINE;
      out.used += 2;
      return;
    }
    case 'hex':
      out.bytes(hexHeads.get(record, style));
      out.latin1(hexDump(payload));
      return;
  }
}

/** A datagram a responder answered: its head says which rule (not cached: only a responder's records carry one). */
function writeAnswered(record: DatagramRecord, note: ReplyNote, format: Format, out: ByteBuffer, style: RecordStyle): void {
  const { payload } = record;
  const head = `${datagramHead(record, style)}${replyPart(note)}`;
  if (format === 'raw') out.bytes(payload);
  else if (format === 'text') out.utf8(`${head}${payload.length > 0 ? `: ${escapeBytes(payload)}` : ''}\n`);
  else if (format === 'hex') out.utf8(`${head}\n${hexDump(payload)}`);
  else {
    const json = jsonHeads.get(record, style).toString('utf8');
    out.utf8(`${json.slice(0, -'"encoding":'.length)}"reply":${JSON.stringify(note)},"encoding":`);
    writeJsonPayload(payload, out);
    out.utf8('}\n');
  }
}

const scratch = new ByteBuffer(4096);

/** A datagram's line as a string, from {@link writeDatagram}. */
function datagramLine(record: DatagramRecord, format: Format, style: RecordStyle): string {
  writeDatagram(record, format, scratch, style);
  return scratch.takeText();
}

/**
 * Writes one record in `format` into `out`, bytes for bytes what {@link formatRecord} returns. Datagrams, the
 * hot path of a listener under load, are written piece by piece without building a line first.
 */
export function writeRecord(record: TrafficRecord, format: Format, out: ByteBuffer, style: RecordStyle = NO_STYLE): void {
  if (record.event === 'datagram') {
    writeDatagram(record, format, out, style);
    return;
  }
  const text = formatRecord(record, format, style);
  if (typeof text === 'string') out.utf8(text);
  else out.bytes(text);
}
