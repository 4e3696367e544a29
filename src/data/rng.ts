/**
 * DataRng: the seeded random generator of the data layer (augmentation parameters, elastic noise,
 * splits, sampling, input dropout). xoshiro128** (32-bit state words, fast in JS), seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Not the engine's counter-based Philox
 * (that one drives dropout masks on the GPU); this one only runs on the CPU.
 */
export class DataRng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`DataRng: seed must be a finite number, got ${String(seed)}.`);
    let x = (Math.floor(seed) >>> 0) ^ 0x9e3779b9 ^ Math.floor(seed / 4294967296);
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi) (numpy.random.uniform). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`DataRng.int: n must be >= 1, got ${n}.`);
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]; items[i] = items[j]; items[j] = t;
    }
    return items;
  }

  /** k distinct items drawn without replacement, in draw order (Python random.sample). */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length || k < 0) throw new Error(`DataRng.sample: cannot draw ${k} items from ${items.length}.`);
    const pool = items.slice();
    for (let i = 0; i < k; i++) {
      const j = i + this.int(pool.length - i);
      const t = pool[i]; pool[i] = pool[j]; pool[j] = t;
    }
    return pool.slice(0, k);
  }

  /** An independent generator derived from this one (e.g. one per epoch or per worker). */
  fork(): DataRng {
    return new DataRng(this.nextUint32() * 4294967296 + this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
