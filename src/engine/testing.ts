/**
 * Test helpers: run the same computation on the CPU and WebGPU backends and compare, values and
 * gradients. Used by the engine's tests; exported for layers and losses built on the engine.
 */
import { scope } from './memory';
import type { Tensor } from './tensor';
import { tensor } from './ops/creation';
import { sum } from './ops/reduce';
import { mul } from './ops/elementwise';

/** Deterministic float32 values in [lo, hi). */
export function seededValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

export interface BackendComparison {
  cpu: Float32Array;
  gpu: Float32Array;
  maxAbsError: number;
  /** Per input: max abs error of the gradients (when grads were requested). */
  gradErrors: number[];
}

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): { err: number; bad: number } {
  let err = 0;
  let bad = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return { err: Infinity, bad: i };
    if (e > err) err = e;
    if (e > atol + rtol * Math.abs(a[i]) && bad < 0) bad = i;
  }
  return { err, bad };
}

/**
 * Runs fn on float32 copies of `inputs` on both backends; with `grads`, also backpropagates
 * sum(out * w) and compares the inputs' gradients. Throws naming the first mismatching element.
 */
export async function compareBackends(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Array<{ shape: number[]; values: Float32Array }>,
  options: { atol?: number; rtol?: number; grads?: boolean; label?: string } = {},
): Promise<BackendComparison> {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  const run = async (backend: 'cpu' | 'webgpu') => {
    const xs = inputs.map((x) => tensor(x.values, x.shape, { backend, requiresGrad: options.grads }));
    const out = scope(() => {
      const y = fn(...xs);
      if (!options.grads) return { y, shape: y.shape };
      const w = tensor(seededValues(y.size, 99), y.shape as number[], { backend });
      sum(mul(y, w)).backward();
      return { y, shape: y.shape };
    });
    const values = (await out.y.data()) as Float32Array;
    const grads = options.grads ? await Promise.all(xs.map(async (x) => (x.grad ? ((await x.grad.data()) as Float32Array) : null))) : [];
    out.y.dispose();
    xs.forEach((x) => x.dispose());
    return { values, shape: out.shape, grads };
  };
  const c = await run('cpu');
  const g = await run('webgpu');
  const label = options.label ? `${options.label}: ` : '';
  if (c.shape.join() !== g.shape.join()) throw new Error(`${label}shape differs: cpu [${c.shape}] vs webgpu [${g.shape}]`);
  const { err, bad } = maxErr(c.values, g.values, atol, rtol);
  if (bad >= 0) throw new Error(`${label}element ${bad}: cpu ${c.values[bad]} vs webgpu ${g.values[bad]} (max abs error ${err})`);
  const gradErrors: number[] = [];
  c.grads.forEach((cg, i) => {
    const gg = g.grads[i];
    if (!cg || !gg) {
      if (cg !== gg) throw new Error(`${label}input ${i}: gradient present on one backend only`);
      gradErrors.push(0);
      return;
    }
    const r = maxErr(cg, gg, atol * 10, rtol * 10);
    if (r.bad >= 0) throw new Error(`${label}input ${i} gradient element ${r.bad}: cpu ${cg[r.bad]} vs webgpu ${gg[r.bad]}`);
    gradErrors.push(r.err);
  });
  return { cpu: c.values, gpu: g.values, maxAbsError: err, gradErrors };
}
