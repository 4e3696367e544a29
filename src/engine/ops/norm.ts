/**
 * Normalisation layers as compositions of ops (their backward comes from autograd):
 *  batchNorm:    statistics over (N, spatial) per channel; training uses batch statistics and
 *                updates running ones in place (PyTorch: running = (1 - m) running + m batch, with
 *                the unbiased batch variance); eval uses the running statistics.
 *  instanceNorm: statistics over spatial axes per (sample, channel); optional affine.
 */
import { noGrad, record } from '../autograd';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { add, affine, mul, rsqrt, square, sub } from './elementwise';
import { mean } from './reduce';
import { reshape } from './shape';
import { assign } from './optim';

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
    const { y: xhat, mean: mu, variance: v } = normalize(x, axes, eps);
    const y = scaleShift(xhat, o.weight, o.bias, cs);
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
  const { y, mean: mu, variance: v } = normalize(x, axes, o.eps ?? 1e-5);
  mu.dispose();
  v.dispose();
  return scaleShift(y, o.weight, o.bias, channelShape(x));
}
