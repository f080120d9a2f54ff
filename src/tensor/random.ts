/**
 * Seeded random numbers. Everything stochastic in the library draws from here, so a seed fixes
 * the result bit for bit on every backend (the numbers are made in JavaScript, not by a kernel).
 *
 * Generator: SplitMix64 for seeding and stream derivation, xoshiro128** for the stream. Both are
 * small, well studied and fast in 32-bit integer arithmetic.
 */

/** A seed: any integer in [0, 2^53) or a string (hashed). */
export type Seed = number | string;

function hashString(s: string): bigint {
  // FNV-1a 64-bit: stable, dependency-free mapping from text to a 64-bit seed.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function seedToBigInt(seed: Seed): bigint {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed must be a non-negative safe integer or a string, got ${seed}`);
  }
  return BigInt(seed);
}

function splitmix64(state: { s: bigint }): bigint {
  state.s = (state.s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  let z = state.s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  return z ^ (z >> 31n);
}

/** A seeded stream of random numbers (xoshiro128**). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: Seed) {
    const st = { s: seedToBigInt(seed) };
    const x = splitmix64(st);
    const y = splitmix64(st);
    this.a = Number(x & 0xffffffffn) | 0;
    this.b = Number(x >> 32n) | 0;
    this.c = Number(y & 0xffffffffn) | 0;
    this.d = Number(y >> 32n) | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** Uniform 32-bit unsigned integer. */
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

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }

  /** Normal with standard deviation `std`, redrawn until it falls within [-bound*std, bound*std]. */
  truncatedNormal(std: number, bound = 3): number {
    for (;;) {
      const z = this.normal();
      if (z >= -bound && z <= bound) return z * std;
    }
  }

  /** Fills a new Float32Array of `n` truncated normals (std, truncated at +-bound std). */
  truncatedNormalArray(n: number, std: number, bound = 3): Float32Array {
    const out = new Float32Array(n);
    if (std === 0) return out;
    for (let i = 0; i < n; i++) out[i] = this.truncatedNormal(std, bound);
    return out;
  }

  /** Samples an index from unnormalised non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0) || !Number.isFinite(total)) throw new Error('Rng.categorical: weights must be finite with a positive sum');
    let u = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Derives an independent seed for a named sub-stream (e.g. run 3 of question 17), so that
 * results do not depend on the order in which streams are consumed.
 */
export function deriveSeed(seed: Seed, ...path: (string | number)[]): number {
  const st = { s: seedToBigInt(seed) ^ hashString(path.join('/')) };
  return Number(splitmix64(st) & 0x1fffffffffffffn);
}
