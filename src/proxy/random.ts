/** The one seeded generator of a proxy: every random decision (loss, jitter, duplicate, corrupt, reorder) comes from it. */

/** The largest seed: seeds are unsigned 32-bit integers, so any seed printed can be typed back. */
export const MAX_SEED = 0xffff_ffff;

/** splitmix32: spreads a 32-bit seed over the generator's state, so that seeds 1 and 2 give unrelated streams. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e37_79b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * xoshiro128**: a small, fast generator with a 2^128 - 1 period, good enough for simulation (not for secrets).
 * The same seed gives the same sequence on every platform and every run.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** A second normal deviate from Box–Muller, kept for the next call. */
  private spare: number | undefined;

  constructor(readonly seed: number) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** True with probability `p` (0..1). Draws nothing when p is 0 or 1, so an unused impairment leaves the stream alone. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal deviate (mean 0, standard deviation 1), by Box–Muller. */
  normal(): number {
    if (this.spare !== undefined) {
      const spare = this.spare;
      this.spare = undefined;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seed for a run that was given none: printed, so the run can be repeated with `--seed`. */
export function freshSeed(): number {
  return Math.floor(Math.random() * MAX_SEED) >>> 0;
}
