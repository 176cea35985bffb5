/** ISO 8601 times to the millisecond, cached: under load hundreds of records share one millisecond. */

/** The last time rendered and its text. */
let lastTime = Number.NaN;
let lastTimeText = '';

/** `time` (epoch ms) as an ISO 8601 string, computed once per distinct millisecond (a fraction is dropped). */
export function isoTime(time: number): string {
  if (time !== lastTime) {
    lastTime = time;
    lastTimeText = new Date(Math.floor(time)).toISOString();
  }
  return lastTimeText;
}

