/** Renders records in the four output formats: text, json (NDJSON), hex and raw. */
import { isUtf8 } from 'node:buffer';
import type { DataRecord, DatagramRecord, Endpoint, Format, TrafficRecord } from '../types.js';
import { escapeBytes } from './escape.js';
import { formatEndpoint } from './endpoint.js';
import { hexDump } from './hex.js';

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
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function textHead(record: TrafficRecord): string {
  const time = new Date(record.time).toISOString();
  const conn = record.protocol === 'tcp' ? ` #${record.conn}` : '';
  return `${time} ${record.protocol} ${formatEndpoint(record.from)}${conn}`;
}

function sizePart(record: DatagramRecord | DataRecord): string {
  const unit = record.event === 'data' && record.unit === 'partial' ? 'partial frame ' : '';
  return `${unit}${plural(record.payload.length, 'byte')}`;
}

/** The one-line head of a record, without the payload: what `text` prints before it and `hex` before the dump. */
export function describeRecord(record: TrafficRecord): string {
  const head = textHead(record);
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

/** The JSON object of a record (the documented NDJSON schema, one per line). */
export function recordToJson(record: TrafficRecord): Record<string, unknown> {
  const base: Record<string, unknown> = {
    time: new Date(record.time).toISOString(),
    protocol: record.protocol,
    event: record.event,
  };
  if (record.protocol === 'tcp') base.conn = record.conn;
  base.from = endpointJson(record.from);
  base.local = endpointJson(record.local);
  switch (record.event) {
    case 'datagram':
      return { ...base, size: record.payload.length, ...jsonPayload(record.payload) };
    case 'data':
      return { ...base, unit: record.unit, size: record.payload.length, ...jsonPayload(record.payload) };
    case 'open':
      return base;
    case 'close':
      return { ...base, reason: record.reason, received: record.received, sent: record.sent, durationMs: record.durationMs };
    case 'error':
      return { ...base, code: record.code, message: record.message };
  }
}

/**
 * Renders one record in `format`, ready to write: a line (or lines, for `hex`) ending in `\n`,
 * or for `raw` the payload bytes alone (nothing for events without a payload).
 */
export function formatRecord(record: TrafficRecord, format: Format): string | Buffer {
  const hasPayload = record.event === 'datagram' || record.event === 'data';
  switch (format) {
    case 'raw':
      return hasPayload ? record.payload : '';
    case 'json':
      return `${JSON.stringify(recordToJson(record))}\n`;
    case 'hex':
      return `${describeRecord(record)}\n${hasPayload ? hexDump(record.payload) : ''}`;
    case 'text': {
      if (!hasPayload) return `${describeRecord(record)}\n`;
      const payload = record.payload.length > 0 ? `: ${escapeBytes(record.payload)}` : '';
      return `${describeRecord(record)}${payload}\n`;
    }
  }
}
