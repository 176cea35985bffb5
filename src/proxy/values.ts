/**
 * The flag values of `udp-proxy` read from text: percentages, durations, tc rates, outages, and the `up:`/`down:`
 * prefix. Each returns undefined for a malformed value; the `EXPECTED` texts say what was expected instead.
 */
import { durationMs } from '../core/schemas.js';
import type { Outage } from './impairments.js';

/** What each kind of value should look like, for the one-line error. */
export const EXPECTED = {
  percent: 'expected a percentage from 0 to 100 (2%, 0.5%)',
  duration: 'expected a duration of 0 or more (40ms, 1.5s, 250us; a bare number is milliseconds)',
  rate: "expected a rate in tc's units: a number and bit, kbit, mbit, gbit (bits per second) or bps, kbps, mbps, gbps (bytes per second)",
  outage: 'expected EVERY/FOR, two durations with FOR shorter than EVERY (10s/2s)',
  burst: 'expected a mean burst length of 1 or more (3, 2.5)',
  size: 'expected a size in bytes from 1 to 65535',
  bytesOrDuration: 'expected a byte count (1000, 64k, 1m) or a duration (2s, 500ms)',
} as const;

/** The longest delay or period taken: one day. */
export const MAX_MS = 86_400_000;

/** `2%`, `0.5%`, `2` (percent) → 0..100. */
export function parsePercent(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  return value >= 0 && value <= 100 ? value : undefined;
}

/** `40ms`, `1.5s`, `250us`, `0`; a bare number is milliseconds → ms, 0..one day. */
export function parseDuration(text: string): number | undefined {
  const ms = durationMs(text.trim(), 'milliseconds');
  return ms !== undefined && ms <= MAX_MS ? ms : undefined;
}

/** tc's units, case-insensitive, as bytes per second per unit (tc: `bit` and a bare number are bits per second). */
const RATE_UNITS: Readonly<Record<string, number>> = {
  '': 1 / 8,
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  tbit: 1e12 / 8,
  kibit: 1024 / 8,
  mibit: 1024 ** 2 / 8,
  gibit: 1024 ** 3 / 8,
  bps: 1,
  kbps: 1000,
  mbps: 1e6,
  gbps: 1e9,
  kibps: 1024,
  mibps: 1024 ** 2,
  gibps: 1024 ** 3,
};

/** `64kbit`, `20mbit`, `100kbps` (bytes per second, as tc reads it) → bytes per second; at least 1 byte/s. */
export function parseRate(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = RATE_UNITS[(match[2] as string).toLowerCase()];
  if (unit === undefined) return undefined;
  const value = Number(match[1]) * unit;
  return value >= 1 && value <= 1e13 ? value : undefined;
}

/** `10s/2s` → the period and the dark spell in it. */
export function parseOutage(text: string): Outage | undefined {
  const parts = text.trim().split('/');
  if (parts.length !== 2) return undefined;
  const everyMs = parseDuration(parts[0] as string);
  const forMs = parseDuration(parts[1] as string);
  if (everyMs === undefined || forMs === undefined || !(forMs > 0 && forMs < everyMs)) return undefined;
  return { everyMs, forMs };
}

/** A mean burst length: a number of 1 or more (up to a million). */
export function parseBurst(text: string): number | undefined {
  const match = /^\d+(?:\.\d+)?$/.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[0]);
  return value >= 1 && value <= 1e6 ? value : undefined;
}

/** A datagram size in bytes, 1..65535. */
export function parseSize(text: string): number | undefined {
  const match = /^\d+$/.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[0]);
  return value >= 1 && value <= 65_535 ? value : undefined;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** TCP's `--reset-after` and `--blackhole-after`: a byte count (`64k`) or a duration with its unit (`2s`). */
export function parseBytesOrDuration(text: string): { bytes: number } | { ms: number } | undefined {
  const trimmed = text.trim();
  const bytes = /^(\d+)([a-z]*)$/i.exec(trimmed);
  const unit = bytes ? BYTE_UNITS[(bytes[2] as string).toLowerCase()] : undefined;
  if (bytes && unit !== undefined) {
    const value = Number(bytes[1]) * unit;
    return value >= 1 && Number.isSafeInteger(value) ? { bytes: value } : undefined;
  }
  if (!/[a-zµ]$/i.test(trimmed)) return undefined;
  const ms = parseDuration(trimmed);
  return ms !== undefined && ms > 0 ? { ms } : undefined;
}

/** A flag's value split from its direction: `up:40ms` → up, `40ms` → both. */
export interface Directed {
  direction: 'up' | 'down' | 'both';
  value: string;
}

/** Splits the `up:` or `down:` prefix off a value. */
export function splitDirection(text: string): Directed {
  const match = /^(up|down):([\s\S]*)$/.exec(text);
  if (match === null) return { direction: 'both', value: text };
  return { direction: match[1] as 'up' | 'down', value: match[2] as string };
}

/** Writes a duration back as the flags take it (`40ms`, `1.5s`). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Number(ms.toFixed(3))}ms`;
}

/** Writes a rate back in tc's units (`1mbit`, `64kbit`, or `12.5kbps` when bits do not come out whole). */
export function formatRate(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  for (const [unit, factor] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bits >= factor && Number.isInteger(bits / factor)) return `${bits / factor}${unit}`;
  }
  return Number.isInteger(bits) ? `${bits}bit` : `${bytesPerSecond}bps`;
}
