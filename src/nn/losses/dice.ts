/**
 * DiceLoss (one soft Dice over every element of the batch) and MultiClassDiceLoss (mean of the
 * per-channel Dice losses over the classes of interest). Both are negative Dice coefficients, as
 * in ivadomed: a perfect prediction gives -1, not 0.
 */
import { add, div, mul, neg, scale, sum, type Tensor } from '../../engine';
import { resolveKwargs, type OptionsOf } from './kwargs';
import { constantLike, defineLoss, nonChannelAxes, type Loss } from './types';

/** +Dice coefficient (2·Σpt + s) / (Σp + Σt + s) over all elements (FocalDiceLoss uses it too). */
export function diceCoefficient(pred: Tensor, target: Tensor, smooth: number): Tensor {
  const intersection = sum(mul(pred, target));
  return div(add(scale(intersection, 2), smooth), add(add(sum(pred), sum(target)), smooth));
}

/** -(2·Σpt + s) / (Σp + Σt + s) over the whole batch tensor. */
export function diceLoss(options: OptionsOf<'DiceLoss'> = {}): Loss {
  const { smooth } = resolveKwargs('DiceLoss', options);
  return defineLoss('DiceLoss', (p, t) => neg(diceCoefficient(p, t, smooth)));
}

/**
 * mean over c in classes_of_interest (null: every channel) of DiceLoss(s=1)(p[:, c], t[:, c]).
 * The per-class sums are taken for every channel at once (sums over all axes but 1) and the
 * classes picked by a weight vector; a repeated index counts twice, as in ivadomed's loop.
 * Unlike ivadomed, the channel list of a null classes_of_interest is not stored on the first call,
 * so one loss object works for inputs with different channel counts.
 */
export function multiClassDiceLoss(options: OptionsOf<'MultiClassDiceLoss'> = {}): Loss {
  const { classes_of_interest } = resolveKwargs('MultiClassDiceLoss', options);
  const smooth = 1.0;
  return defineLoss(
    'MultiClassDiceLoss',
    (p, t) => {
      const channels = p.shape[1];
      const classes = classes_of_interest ?? Array.from({ length: channels }, (_, c) => c);
      const bad = classes.find((c) => c >= channels);
      if (bad !== undefined) {
        throw new Error(`MultiClassDiceLoss: classes_of_interest contains ${bad} but the prediction has ${channels} channels (indices 0..${channels - 1})`);
      }
      const axes = nonChannelAxes(p.rank);
      const intersection = sum(mul(p, t), axes);
      const perClass = neg(div(add(scale(intersection, 2), smooth), add(add(sum(p, axes), sum(t, axes)), smooth)));
      const weights = new Array<number>(channels).fill(0);
      for (const c of classes) weights[c] += 1 / classes.length;
      return sum(mul(perClass, constantLike(p, weights, [channels])));
    },
    2,
  );
}
