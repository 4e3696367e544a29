/**
 * Normalisation layers as compositions of ops (their backward comes from autograd):
 *  batchNorm:    statistics over (N, spatial) per channel; training uses batch statistics and
 *                updates running ones in place (PyTorch: running = (1 - m) running + m batch, with
 *                the unbiased batch variance); eval uses the running statistics.
 *  instanceNorm: statistics over spatial axes per (sample, channel); optional affine.
 * Backends with fused normalisation kernels (WebGPU: kernels/norm.wgsl) run training batch norm
 * and instance norm, affine included, as one autograd node of 2 kernels forward and 3 backward;
 * the composition below is the reference (CPU) and the fallback (tensors above one binding).
 */
import { noGrad, record } from '../autograd';
import { formatShape } from '../shape';
import type { Backend, Storage } from '../backend';
import type { Tensor } from '../tensor';
import { add, affine, mul, rsqrt, square, sub } from './elementwise';
import { mean, sum } from './reduce';
import { reshape, slice } from './shape';
import { assign } from './optim';
import { empty } from './util';

/** Optional backend primitives for x seen as [outer, groups, inner] (see webgpu/backend.ts). */
interface FusedNormBackend {
  normSupported(outer: number, groups: number, inner: number): boolean;
  normStats(x: Storage, outer: number, groups: number, inner: number, eps: number, mean: Storage, variance: Storage, invstd: Storage): void;
  normApply(x: Storage, mean: Storage, invstd: Storage, weight: Storage | null, bias: Storage | null, wmod: number,
    outer: number, groups: number, inner: number, y: Storage): void;
  normGrad(x: Storage, gy: Storage, mean: Storage, invstd: Storage, weight: Storage | null, wmod: number,
    outer: number, groups: number, inner: number, dx: Storage, sums: Storage): void;
}

function fusedBackend(b: Backend): FusedNormBackend | null {
  return 'normStats' in b ? (b as Backend & FusedNormBackend) : null;
}

/**
 * Fused (x - mean) * invstd * weight + bias, statistics per group of x seen as [outer, groups,
 * inner]; weight and bias [wmod] are indexed by group % wmod (batch norm: groups = wmod = C;
 * instance norm: groups = N * C). One autograd node; backward recomputes xhat from the saved x.
 * Returns null where the backend has no fused kernels for this shape. mean / variance: [groups].
 */
function fusedNormalize(x: Tensor, outer: number, groups: number, inner: number, wmod: number, eps: number,
  weight: Tensor | null | undefined, bias: Tensor | null | undefined): { y: Tensor; mean: Tensor; variance: Tensor } | null {
  const fb = fusedBackend(x.backend);
  if (!fb || x.dtype !== 'float32' || !fb.normSupported(outer, groups, inner)) return null;
  for (const t of [weight, bias]) if (t && t.backend !== x.backend) return null;
  const mu = empty(x.backend, [groups], x.dtype);
  const v = empty(x.backend, [groups], x.dtype);
  const invstd = empty(x.backend, [groups], x.dtype);
  fb.normStats(x.storage, outer, groups, inner, eps, mu.storage, v.storage, invstd.storage);
  const y = empty(x.backend, x.shape, x.dtype);
  fb.normApply(x.storage, mu.storage, invstd.storage, weight?.storage ?? null, bias?.storage ?? null, wmod, outer, groups, inner, y.storage);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const saved = [x, mu, invstd, ...(weight ? [weight] : [])];
  record(y, 'normalize', inputs, saved, (gy) => {
    const dx = empty(x.backend, x.shape, x.dtype);
    const sums = empty(x.backend, [2, groups], x.dtype);
    fb.normGrad(x.storage, gy.storage, mu.storage, invstd.storage, weight?.storage ?? null, wmod, outer, groups, inner, dx.storage, sums.storage);
    // Per-group sums -> per-parameter gradients (instance norm: sum over the batch).
    const perParam = (row: number) => {
      const r = reshape(slice(sums, [[row, row + 1], null]), [groups / wmod, wmod]);
      return groups === wmod ? reshape(r, [wmod]) : sum(r, [0]);
    };
    const grads: Array<Tensor | null> = [dx];
    if (weight) grads.push(weight.requiresGrad ? perParam(1) : null);
    if (bias) grads.push(bias.requiresGrad ? perParam(0) : null);
    return grads;
  });
  invstd.dispose();
  return { y, mean: mu, variance: v };
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** [C] tensors updated in place in training mode (omit both for no running statistics). */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  training: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * (x - mean) / sqrt(var + eps) over `axes` (biased variance), as one autograd node with the
 * closed-form backward  dx = invstd * (g - mean(g) - xhat * mean(g * xhat))  (means over axes):
 * far fewer kernels and saved tensors than differentiating the composition. Also returns the
 * batch mean and biased variance (keepdim, outside the graph) for running statistics.
 */
function normalize(x: Tensor, axes: number[], eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const stats = noGrad(() => {
    const mu = mean(x, axes, true);
    const d = sub(x, mu);
    const v = mean(square(d), axes, true);
    const invstd = rsqrt(affine(v, 1, eps));
    const xhat = mul(d, invstd);
    d.dispose();
    return { mu, v, invstd, xhat };
  });
  const { mu, v, invstd, xhat } = stats;
  const y = record(xhat, 'normalize', [x], [xhat, invstd], (g) => {
    const gm = mean(g, axes, true);
    const gxm = mean(mul(g, xhat), axes, true);
    return [mul(invstd, sub(sub(g, gm), mul(xhat, gxm)))];
  });
  invstd.dispose();
  return { y, mean: mu, variance: v };
}

function channelShape(x: Tensor): number[] {
  return x.shape.map((d, i) => (i === 1 ? d : 1));
}

function checkChannelParam(t: Tensor | null | undefined, c: number, name: string, op: string): void {
  if (t && (t.rank !== 1 || t.shape[0] !== c)) throw new Error(`${op}: ${name} must be [${c}] (one per channel), got ${formatShape(t.shape)}`);
}

function scaleShift(xhat: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, cs: number[]): Tensor {
  let y = xhat;
  if (weight) y = mul(y, reshape(weight, cs));
  if (bias) y = add(y, reshape(bias, cs));
  return y;
}

export function batchNorm(x: Tensor, o: BatchNormOptions): Tensor {
  if (x.rank < 2) throw new Error(`batchNorm: input must be [N, C, ...], got ${formatShape(x.shape)}`);
  const c = x.shape[1];
  for (const [t, n] of [[o.weight, 'weight'], [o.bias, 'bias'], [o.runningMean, 'runningMean'], [o.runningVar, 'runningVar']] as const) checkChannelParam(t, c, n, 'batchNorm');
  const eps = o.eps ?? 1e-5;
  const cs = channelShape(x);
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = x.size / c;
  if (o.training) {
    if (count <= 1) throw new Error(`batchNorm: training needs more than one value per channel, got input ${formatShape(x.shape)}`);
    const inner = x.size / (x.shape[0] * c);
    const fused = fusedNormalize(x, x.shape[0], c, inner, c, eps, o.weight, o.bias);
    let y: Tensor, mu: Tensor, v: Tensor;
    if (fused) ({ y, mean: mu, variance: v } = fused);
    else {
      const n = normalize(x, axes, eps);
      ({ mean: mu, variance: v } = n);
      y = scaleShift(n.y, o.weight, o.bias, cs);
    }
    if (o.runningMean && o.runningVar) {
      const m = o.momentum ?? 0.1;
      const rm = o.runningMean;
      const rv = o.runningVar;
      noGrad(() => {
        const temps = [affine(rm, 1 - m, 0), reshape(mu, [c]), affine(rv, 1 - m, 0), reshape(v, [c])];
        temps.push(affine(temps[1], m, 0), affine(temps[3], (m * count) / (count - 1), 0));
        const newMean = add(temps[0], temps[4]);
        const newVar = add(temps[2], temps[5]);
        assign(rm, newMean);
        assign(rv, newVar);
        for (const t of [...temps, newMean, newVar]) t.dispose();
      });
    }
    mu.dispose();
    v.dispose();
    return y;
  }
  if (!o.runningMean || !o.runningVar) throw new Error('batchNorm: eval mode needs runningMean and runningVar');
  const xhat = mul(sub(x, reshape(o.runningMean, cs)), rsqrt(affine(reshape(o.runningVar, cs), 1, eps)));
  return scaleShift(xhat, o.weight, o.bias, cs);
}

export interface InstanceNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

export function instanceNorm(x: Tensor, o: InstanceNormOptions = {}): Tensor {
  if (x.rank < 3) throw new Error(`instanceNorm: input must be [N, C, spatial...], got ${formatShape(x.shape)}`);
  const c = x.shape[1];
  checkChannelParam(o.weight, c, 'weight', 'instanceNorm');
  checkChannelParam(o.bias, c, 'bias', 'instanceNorm');
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  const eps = o.eps ?? 1e-5;
  const fused = fusedNormalize(x, 1, x.shape[0] * c, x.size / (x.shape[0] * c), c, eps, o.weight, o.bias);
  if (fused) {
    fused.mean.dispose();
    fused.variance.dispose();
    return fused.y;
  }
  const { y, mean: mu, variance: v } = normalize(x, axes, eps);
  mu.dispose();
  v.dispose();
  return scaleShift(y, o.weight, o.bias, channelShape(x));
}
