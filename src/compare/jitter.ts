/**
 * Delay variation, as UDP testers report it. RFC 3550's interarrival jitter is a running estimate (gain 1/16) of
 * how much the transit time changes from one arrival to the next, as RTP receivers compute it. IPDV (RFC 5481,
 * as irtt reports it) is the change in one-way delay between consecutive packets by sequence number.
 */

/**
 * RFC 3550 §6.4.1 interarrival jitter: J += (|D(i−1, i)| − J) / 16 over the transit times in arrival order, where
 * D(i−1, i) is the difference of consecutive transits. 0 for fewer than two.
 */
export function interarrivalJitter(transits: readonly number[]): number {
  let jitter = 0;
  for (let i = 1; i < transits.length; i++) {
    const d = Math.abs((transits[i] as number) - (transits[i - 1] as number));
    jitter += (d - jitter) / 16;
  }
  return jitter;
}

/**
 * IPDV: for each pair of consecutive sequence numbers that both arrived, the second's one-way delay minus the
 * first's (the first arrival of a duplicated number counts). Lost neighbours give no value.
 * @param arrivals sequence numbers in arrival order
 * @param delays one-way delays, in the same order
 */
export function ipdv(arrivals: readonly number[], delays: readonly number[]): number[] {
  const bySeq = new Map<number, number>();
  arrivals.forEach((seq, i) => {
    if (!bySeq.has(seq) && delays[i] !== undefined) bySeq.set(seq, delays[i]);
  });
  const out: number[] = [];
  for (const [seq, delay] of [...bySeq].sort((a, b) => a[0] - b[0])) {
    const before = bySeq.get(seq - 1);
    if (before !== undefined) out.push(delay - before);
  }
  return out;
}
