/**
 * GeneralizedDiceLoss (Sudre et al. 2017) as ivadomed computes it: class weights 1/(Σ_spatial t)²
 * per (sample, channel), weighted intersection and union summed over samples and channels.
 */
import { add, clamp, concat, div, eq, mul, noGrad, reciprocal, scale, square, sum, type Tensor } from '../../engine';
import { resolveKwargs, type OptionsOf } from './kwargs';
import { defineLoss, sumOver, type Loss } from './types';

/**
 * The background channel ivadomed appends: 1 where every channel of that voxel is exactly 0, else 0.
 * A binary indicator (not 1 - Σ_c p), so it carries no gradient. Computed per sample (the per-sample
 * form of ivadomed PR #962; earlier versions failed for batch > 1).
 */
function backgroundChannel(x: Tensor): Tensor {
  return eq(sum(x, 1, true), 0);
}

/** -2·Σ w·Σ(p·t) / max(Σ w·Σ(p+t), ε), w = 1 / max((Σ_spatial t)², ε). */
export function generalizedDiceLoss(options: OptionsOf<'GeneralizedDiceLoss'> = {}): Loss {
  const { epsilon, include_background } = resolveKwargs('GeneralizedDiceLoss', options);
  return defineLoss(
    'GeneralizedDiceLoss',
    (pred, target) => {
      let p = pred;
      let t = target;
      if (include_background) {
        p = concat([pred, backgroundChannel(pred)], 1);
        t = concat([target, backgroundChannel(target)], 1);
      }
      const spatial = Array.from({ length: p.rank - 2 }, (_, i) => i + 2);
      // ivadomed wraps the weights in nn.Parameter, i.e. outside the graph: constants of the loss.
      const weights = noGrad(() => reciprocal(clamp(square(sumOver(t, spatial)), epsilon)));
      const intersect = sum(mul(sumOver(mul(p, t), spatial), weights));
      const union = sum(mul(sumOver(add(p, t), spatial), weights));
      return scale(div(intersect, clamp(union, epsilon)), -2);
    },
    2,
  );
}
