/**
 * Cross-entropy family: BinaryCrossEntropyLoss (mean, torch.nn.BCELoss), FocalLoss (summed, not
 * averaged, as in ivadomed) and FocalDiceLoss (ln Focal - beta ln Dice).
 */
import { add, clamp, exp, gt, log, mean, mul, neg, pow, scale, sub, sum, where, type Tensor } from '../../engine';
import { diceCoefficient } from './dice';
import { resolveKwargs, type OptionsOf } from './kwargs';
import { defineLoss, type Loss } from './types';

/**
 * ln(x) clamped below at -100 (BCELoss's rule). Zeros go through a where() on both sides so that
 * the gradient at x == 0 is 0, not NaN (0 · 1/0): float32 sigmoid outputs do reach exactly 0 and 1.
 */
function clampedLog(x: Tensor): Tensor {
  const positive = gt(x, 0);
  return where(positive, clamp(log(where(positive, x, 1)), -100), -100);
}

/** mean of -(t ln p + (1-t) ln(1-p)), logs clamped at -100 like torch.nn.BCELoss. */
export function binaryCrossEntropyLoss(options: OptionsOf<'BinaryCrossEntropyLoss'> = {}): Loss {
  resolveKwargs('BinaryCrossEntropyLoss', options);
  return defineLoss('BinaryCrossEntropyLoss', (p, t) =>
    neg(mean(add(mul(t, clampedLog(p)), mul(sub(1, t), clampedLog(sub(1, p)))))),
  );
}

/** Σ of α_t · CE · (1 - e^-CE)^γ with p clamped to [eps, 1-eps] (eq. 1-5 of ivadomed's FocalLoss). */
function focalSum(p: Tensor, t: Tensor, gamma: number, alpha: number, eps: number): Tensor {
  const pc = clamp(p, eps, 1 - eps);
  const crossEntropy = neg(add(mul(t, log(pc)), mul(sub(1, t), log(sub(1, pc)))));
  const pt = exp(neg(crossEntropy));
  const at = add(scale(t, alpha), scale(sub(1, t), 1 - alpha));
  const balanced = mul(at, crossEntropy);
  // x ** 0 is 1 with a zero gradient in torch; pow(x, 0) here would give 0 · x^-1 = NaN at x == 0.
  return sum(gamma === 0 ? balanced : mul(balanced, pow(sub(1, pt), gamma)));
}

export function focalLoss(options: OptionsOf<'FocalLoss'> = {}): Loss {
  const { gamma, alpha, eps } = resolveKwargs('FocalLoss', options);
  return defineLoss('FocalLoss', (p, t) => focalSum(p, t, gamma, alpha, eps));
}

/**
 * ln(max(Focal(γ, α), 1e-7)) - β·ln(max(Dice, 1e-7)), Dice the +coefficient with smooth 1 and the
 * focal eps at its default 1e-7 (ivadomed passes only γ and α on).
 */
export function focalDiceLoss(options: OptionsOf<'FocalDiceLoss'> = {}): Loss {
  const { beta, gamma, alpha } = resolveKwargs('FocalDiceLoss', options);
  return defineLoss('FocalDiceLoss', (p, t) => {
    const dice = diceCoefficient(p, t, 1.0);
    const focal = focalSum(p, t, gamma, alpha, 1e-7);
    return sub(log(clamp(focal, 1e-7)), scale(log(clamp(dice, 1e-7)), beta));
  });
}
