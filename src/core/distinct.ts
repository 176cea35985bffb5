/** Counting distinct senders in fixed memory: exact up to a bound, then a HyperLogLog estimate. @internal */

/** Senders counted exactly; past this many, the count is an estimate (HyperLogLog, about 0.8% error). */
export const EXACT_SENDERS = 10_000;

/** HyperLogLog precision: 2^14 one-byte registers, 16 KiB, standard error 1.04/√16384 ≈ 0.8%. */
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** A 32-bit hash of a string: FNV-1a, then murmur3's finaliser to spread the bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Counts distinct keys: a Set up to {@link EXACT_SENDERS}, then HyperLogLog registers; memory never grows past either. */
export class DistinctCounter {
  private exact: Set<string> | undefined = new Set();
  private registers: Uint8Array | undefined;

  constructor(private readonly exactLimit = EXACT_SENDERS) {}

  add(key: string): void {
    if (this.exact) {
      this.exact.add(key);
      if (this.exact.size <= this.exactLimit) return;
      this.registers = new Uint8Array(M);
      for (const k of this.exact) this.addHashed(hash32(k));
      this.exact = undefined;
      return;
    }
    this.addHashed(hash32(key));
  }

  private addHashed(h: number): void {
    const registers = this.registers as Uint8Array;
    const index = h >>> (32 - P);
    // Rank: position of the first 1 bit in the remaining 32 − P bits (1-based).
    const rest = (h << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > (registers[index] as number)) registers[index] = rank;
  }

  /** True while {@link count} is exact. */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  /** The number of distinct keys: exact, or the HyperLogLog estimate rounded. */
  get count(): number {
    if (this.exact) return this.exact.size;
    const registers = this.registers as Uint8Array;
    let sum = 0;
    let zeros = 0;
    for (let j = 0; j < M; j++) {
      const r = registers[j] as number;
      sum += 2 ** -r;
      if (r === 0) zeros += 1;
    }
    let estimate = (ALPHA * M * M) / sum;
    if (estimate <= 2.5 * M && zeros > 0) estimate = M * Math.log(M / zeros);
    // Never below what was counted exactly before the switch.
    return Math.max(Math.round(estimate), this.exactLimit + 1);
  }
}
