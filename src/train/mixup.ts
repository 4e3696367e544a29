/**
 * Mixup (ivadomed mixup.py): one lambda ~ Beta(alpha, alpha) per batch, lambda = max(lambda, 1 - lambda),
 * x = lambda x + (1 - lambda) x[perm], y likewise, with perm a random permutation of the batch.
 * Done on the CPU arrays of the batch before upload (cheap next to a training step).
 */
import type { DataRng } from '../data/index';

/** Marsaglia & Tsang Gamma(shape, 1) sampler (shape < 1 boosted by U^(1/shape)). */
export function sampleGamma(shape: number, rng: DataRng): number {
  if (!(shape > 0)) throw new Error(`sampleGamma: shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(Math.max(rng.random(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, rng: DataRng): number {
  const a = sampleGamma(alpha, rng);
  const b = sampleGamma(beta, rng);
  return a / (a + b);
}

export interface MixupResult {
  lambda: number;
  perm: number[];
}

/** Mixes `arrays` (each [N, ...] C-order, same N) in place with one lambda and permutation. */
export function mixupInPlace(arrays: Array<{ data: Float32Array; shape: number[] }>, alpha: number, rng: DataRng): MixupResult {
  const n = arrays[0].shape[0];
  let lambda = sampleBeta(alpha, alpha, rng);
  lambda = Math.max(lambda, 1 - lambda);
  const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  for (const a of arrays) {
    if (a.shape[0] !== n) throw new Error(`mixup: every array needs the same batch size, got ${a.shape[0]} and ${n}`);
    const per = a.data.length / n;
    const src = a.data.slice();
    for (let b = 0; b < n; b++) {
      const o = b * per;
      const p = perm[b] * per;
      for (let i = 0; i < per; i++) a.data[o + i] = lambda * src[o + i] + (1 - lambda) * src[p + i];
    }
  }
  return { lambda, perm };
}
