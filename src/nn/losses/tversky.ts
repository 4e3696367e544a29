/**
 * TverskyLoss and FocalTverskyLoss: a Tversky index per channel, each over the whole batch.
 * TP, FN and FP are summed as ivadomed writes them (Σ t·p, Σ t·(1-p), Σ (1-t)·p), not derived from
 * Σt and Σp, so float32 values round like ivadomed's.
 */
import { add, div, mean, mul, neg, pow, scale, sub, sum, type Tensor } from '../../engine';
import { resolveKwargs, type OptionsOf } from './kwargs';
import { defineLoss, nonChannelAxes, type Loss } from './types';

/** TI_c = (TP + s) / (TP + α·FP + β·FN + s) for every channel c: shape [C]. */
export function tverskyIndexPerClass(p: Tensor, t: Tensor, alpha: number, beta: number, smooth: number): Tensor {
  const axes = nonChannelAxes(p.rank);
  const tp = sum(mul(t, p), axes);
  const fn = sum(mul(t, sub(1, p)), axes);
  const fp = sum(mul(sub(1, t), p), axes);
  return div(add(tp, smooth), add(add(add(tp, scale(fp, alpha)), scale(fn, beta)), smooth));
}

/** -mean_c TI_c (alpha weighs false positives, beta false negatives). */
export function tverskyLoss(options: OptionsOf<'TverskyLoss'> = {}): Loss {
  const { alpha, beta, smooth } = resolveKwargs('TverskyLoss', options);
  return defineLoss('TverskyLoss', (p, t) => neg(mean(tverskyIndexPerClass(p, t, alpha, beta, smooth))), 2);
}

/** mean_c (1 - TI_c)^(1/γ). */
export function focalTverskyLoss(options: OptionsOf<'FocalTverskyLoss'> = {}): Loss {
  const { alpha, beta, gamma, smooth } = resolveKwargs('FocalTverskyLoss', options);
  return defineLoss('FocalTverskyLoss', (p, t) => mean(pow(sub(1, tverskyIndexPerClass(p, t, alpha, beta, smooth)), 1 / gamma)), 2);
}
