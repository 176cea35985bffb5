/**
 * How record times are written (`--time`): ISO 8601 to the millisecond (the default) or microsecond, seconds since
 * the epoch to the millisecond or microsecond, or seconds since the first record.
 */
import { isoTime } from './iso-time.js';

/** The `--time` styles. */
export const TIME_STYLES = ['iso', 'iso-us', 'epoch', 'epoch-us', 'relative'] as const;
/** One of {@link TIME_STYLES}. */
export type TimeStyle = (typeof TIME_STYLES)[number];

/** Whether a style shows microseconds, so the listener must read a finer clock than `Date.now()`. */
export function needsPreciseTime(style: TimeStyle): boolean {
  return style === 'iso-us' || style === 'epoch-us' || style === 'relative';
}

/** `2026-11-23T22:01:30.394123Z` from epoch milliseconds with a fraction. */
export function isoMicros(ms: number): string {
  const total = Math.round(ms * 1000);
  const whole = Math.floor(total / 1000);
  return `${new Date(whole).toISOString().slice(0, -1)}${String(total - whole * 1000).padStart(3, '0')}Z`;
}

/** Renders times in one style; `relative` counts from the first time it renders. */
export class TimeFormat {
  private origin = Number.NaN;

  constructor(readonly style: TimeStyle = 'iso') {}

  /** The time as text output shows it. */
  text(ms: number): string {
    switch (this.style) {
      case 'iso':
        return isoTime(ms);
      case 'iso-us':
        return isoMicros(ms);
      case 'epoch':
        return (Math.round(ms) / 1000).toFixed(3);
      case 'epoch-us':
        return (ms / 1000).toFixed(6);
      case 'relative':
        if (Number.isNaN(this.origin)) this.origin = ms;
        return ((ms - this.origin) / 1000).toFixed(6);
    }
  }

  /**
   * The JSON members for the time, without braces: `"time":"…"` as a string for the ISO styles, a number of seconds
   * otherwise. The default also gives `"timeSeconds"`, the time to the second, the form jq's `fromdateiso8601` takes.
   */
  json(ms: number): string {
    switch (this.style) {
      case 'iso': {
        const iso = isoTime(ms);
        return `"time":"${iso}","timeSeconds":"${iso.slice(0, 19)}Z"`;
      }
      case 'iso-us':
        return `"time":"${isoMicros(ms)}"`;
      default:
        return `"time":${this.text(ms)}`;
    }
  }
}

/** The default style (ISO to the millisecond), shared: it holds no state. */
export const ISO_TIME = new TimeFormat('iso');
