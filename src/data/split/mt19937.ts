/**
 * Mersenne Twister MT19937, seeded as NumPy's legacy RandomState(int) (init_genrand) and as Python's
 * random.seed(int) (init_by_array over the seed's 32-bit words). Used only to reproduce ivadomed's
 * splits bit for bit: sklearn's train_test_split shuffles with RandomState(seed).permutation, and
 * subject_selection uses Python's random.sample.
 */
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private mti = 625;

  static numpy(seed: number): MT19937 {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`random_seed must be an integer in [0, 2^32 - 1] (NumPy's rule), got ${seed}.`);
    const g = new MT19937();
    g.initGenrand(seed);
    return g;
  }

  static python(seed: number): MT19937 {
    if (!Number.isInteger(seed)) throw new Error(`random_seed must be an integer, got ${seed}.`);
    let a = Math.abs(seed);
    const key: number[] = [];
    do { key.push(a % 4294967296); a = Math.floor(a / 4294967296); } while (a > 0);
    const g = new MT19937();
    g.initByArray(key);
    return g;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1, j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++; j++;
      if (i >= 624) { mt[0] = mt[623]; i = 1; }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) { mt[0] = mt[623]; i = 1; }
    }
    mt[0] = 0x80000000;
    this.mti = 624;
  }

  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = (mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** NumPy legacy random_interval: uniform integer in [0, max] by masked rejection (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do { v = (this.nextUint32() & mask) >>> 0; } while (v > max);
    return v;
  }

  /** numpy RandomState.permutation(n). */
  permutation(n: number): number[] {
    const arr = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = arr[i]; arr[i] = arr[j]; arr[j] = t;
    }
    return arr;
  }

  /** Python random._randbelow (getrandbits with rejection), n < 2^32. */
  randbelow(n: number): number {
    const k = Math.floor(Math.log2(n)) + 1;
    let r: number;
    do { r = this.nextUint32() >>> (32 - k); } while (r >= n);
    return r;
  }

  /** Python random.sample(population, k). */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (k < 0 || k > n) throw new Error(`Sample larger than population or is negative (k=${k}, population of ${n}).`);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    const result: T[] = new Array(k);
    if (n <= setsize) {
      const pool = population.slice();
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j];
      }
    }
    return result;
  }
}

/**
 * sklearn.model_selection.train_test_split(items, train_size=f, random_state=seed) with only
 * train_size given: n_train = floor(f·n), n_test = n − n_train, ShuffleSplit's permutation.
 */
export function trainTestSplit<T>(items: readonly T[], trainSize: number, seed: number): [T[], T[]] {
  const n = items.length;
  if (!(trainSize > 0 && trainSize < 1)) throw new Error(`train_size=${trainSize} should be a fraction in the (0, 1) range (${n} items to split).`);
  const nTrain = Math.floor(trainSize * n);
  const nTest = n - nTrain;
  if (nTrain === 0) throw new Error(`With ${n} items and train_size=${trainSize}, the resulting set would be empty: use more subjects or a larger fraction.`);
  const perm = MT19937.numpy(seed).permutation(n);
  const test = perm.slice(0, nTest).map((i) => items[i]);
  const train = perm.slice(nTest, nTest + nTrain).map((i) => items[i]);
  return [train, test];
}
