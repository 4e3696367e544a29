/**
 * Central finite-difference gradient check on the CPU backend in float64. Used by every op's
 * backward test (and usable by layers and losses above the engine):
 *   L(inputs) = sum(fn(inputs) * W) for a fixed random W, so every output element is checked;
 *   dL/dx_j ~ (L(x + eps e_j) - L(x - eps e_j)) / (2 eps), compared with backward()'s x.grad.
 */
import { noGrad } from './autograd';
import { CpuStorage } from './cpu/backend';
import { scope } from './memory';
import type { Tensor } from './tensor';
import { tensor } from './ops/creation';
import { mul } from './ops/elementwise';
import { sum } from './ops/reduce';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of inputs not to check (e.g. masks, integer-like inputs). */
  skip?: number[];
}

export interface GradcheckResult {
  maxAbsError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

function cpuData(t: Tensor): Float64Array {
  if (t.backend.name !== 'cpu' || t.dtype !== 'float64') throw new Error(`gradcheck: inputs must be float64 CPU tensors, got ${t.toString()}`);
  return (t.storage as CpuStorage).data as Float64Array;
}

/** Throws an Error describing the worst mismatch when analytic and numeric gradients differ. */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const skip = new Set(options.skip ?? []);
  const checked = inputs.map((_, i) => !skip.has(i));
  inputs.forEach((x, i) => {
    cpuData(x);
    if (checked[i]) {
      x.zeroGrad();
      x.requireGrad(true);
    }
  });
  // Fixed pseudo-random output weights (not symmetric, so sign errors and transposes show).
  const outShape = noGrad(() => scope(() => fn(...inputs).shape));
  let seed = 12345;
  const weights = Array.from({ length: outShape.reduce((p, d) => p * d, 1) }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32) * 2 - 1;
  });
  const w = tensor(weights, outShape, { dtype: 'float64', backend: 'cpu' }).keep();
  const loss = (): number =>
    noGrad(() => scope(() => (cpuData(sum(mul(fn(...inputs), w))) as Float64Array)[0]));

  scope(() => {
    const l = sum(mul(fn(...inputs), w));
    l.backward();
  });

  let maxAbsError = 0;
  let worst: GradcheckResult['worst'] = null;
  try {
    inputs.forEach((x, i) => {
      if (!checked[i]) return;
      const data = cpuData(x);
      const analytic = x.grad ? cpuData(x.grad) : new Float64Array(x.size);
      for (let j = 0; j < x.size; j++) {
        const orig = data[j];
        data[j] = orig + eps;
        const lp = loss();
        data[j] = orig - eps;
        const lm = loss();
        data[j] = orig;
        const numeric = (lp - lm) / (2 * eps);
        const err = Math.abs(numeric - analytic[j]);
        const tol = atol + rtol * Math.abs(numeric);
        if (err > maxAbsError) maxAbsError = err;
        if (!(err <= tol) && (!worst || err > Math.abs(worst.numeric - worst.analytic))) worst = { input: i, index: j, analytic: analytic[j], numeric };
      }
    });
  } finally {
    w.dispose();
    inputs.forEach((x, i) => {
      if (checked[i]) {
        x.zeroGrad();
        x.requireGrad(false);
      }
    });
  }
  if (worst) {
    const wst = worst as NonNullable<GradcheckResult['worst']>;
    throw new Error(`gradcheck failed: input ${wst.input} element ${wst.index}: analytic ${wst.analytic} vs numeric ${wst.numeric} (max abs error ${maxAbsError})`);
  }
  return { maxAbsError, worst };
}

/** A float64 CPU tensor of deterministic values in [lo, hi) for gradient checks. */
export function checkInput(shape: number[], seed = 1, lo = -1, hi = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
  return tensor(values, shape, { dtype: 'float64', backend: 'cpu' });
}
