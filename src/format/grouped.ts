/**
 * Numbers with thousands separators, as `toLocaleString('en-US', { maximumFractionDigits })` writes them, without
 * Intl: the first Intl number format of a process loads ICU's data, about 30 ms of CPU time that udp-send paid to
 * print its rate line (a 5 ms run then took seven times as long to report as to do).
 */

/** Adds one to a string of decimal digits: `"0199"` → `"0200"`, `"99"` → `"100"`. */
function increment(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

/**
 * `1234567.891` with 2 digits → `1,234,567.89`; trailing zeros of the fraction dropped (`2.50` → `2.5`). Rounds as
 * Intl does: the shortest decimal that reads back as the number, halves away from zero. For 0-6 fraction digits.
 */
export function grouped(value: number, maxFractionDigits = 0): string {
  const abs = Math.abs(value);
  if (!Number.isFinite(value) || abs >= 1e21) return String(value);
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  // Below 1e-6 String() writes an exponent; with at most 6 digits such a number shows as 0 anyway.
  const [whole = '0', fraction = ''] = (abs < 1e-6 ? '0' : String(abs)).split('.');
  let kept = fraction.slice(0, maxFractionDigits);
  let integer = whole;
  if (fraction.length > maxFractionDigits && (fraction.charAt(maxFractionDigits) >= '5')) {
    const up = increment(integer + kept);
    integer = up.slice(0, up.length - kept.length);
    kept = up.slice(up.length - kept.length);
  }
  kept = kept.replace(/0+$/, '');
  let out = '';
  for (let end = integer.length; end > 0; end -= 3) out = integer.slice(Math.max(0, end - 3), end) + (out === '' ? '' : `,${out}`);
  return `${sign}${out}${kept === '' ? '' : `.${kept}`}`;
}
