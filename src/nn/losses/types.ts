/**
 * What every loss shares: the `Loss` signature, the prediction/target checks, and small tensor
 * helpers (constants on the input's backend and dtype, sums over "all but the channel axis").
 */
import { sum, tensor, type Tensor } from '../../engine';

/**
 * A loss: post-activation predictions p in [0, 1] and targets t of the same shape [N, C, spatial...]
 * in, a scalar tensor (shape []) out. Gradients flow to `pred` through the engine's autograd.
 */
export type Loss = (pred: Tensor, target: Tensor) => Tensor;

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Throws a clear Error when pred and target cannot be compared element by element.
 * `minRank` is 2 for losses that read the channel axis (axis 1).
 */
export function checkPair(lossName: string, pred: Tensor, target: Tensor, minRank = 1): void {
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(
      `${lossName}: prediction shape ${fmt(pred.shape)} and target shape ${fmt(target.shape)} differ; ` +
        'they must be equal ([N, C, spatial...], predictions after the final activation)',
    );
  }
  if (pred.shape.length < minRank) {
    throw new Error(`${lossName}: prediction shape ${fmt(pred.shape)} has no channel axis; expected [N, C, spatial...]`);
  }
  if (pred.backend.name !== target.backend.name || pred.dtype !== target.dtype) {
    throw new Error(
      `${lossName}: prediction (${pred.backend.name}, ${pred.dtype}) and target (${target.backend.name}, ${target.dtype}) ` +
        'must be on the same backend with the same dtype',
    );
  }
}

/** Wraps a loss body with the shape/backend checks, so every loss fails the same way. */
export function defineLoss(lossName: string, body: Loss, minRank = 1): Loss {
  return (pred, target) => {
    checkPair(lossName, pred, target, minRank);
    return body(pred, target);
  };
}

/** A constant tensor on `like`'s backend and dtype (float64 under gradcheck, float32 otherwise). */
export function constantLike(like: Tensor, values: number[], shape: number[]): Tensor {
  return tensor(values, shape, { dtype: like.dtype, backend: like.backend.name });
}

/** Axes of [N, C, spatial...] other than the channel axis 1: per-class sums over the batch. */
export function nonChannelAxes(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 1);
}

/** Sum over `axes`; the input itself when there are none (sum() with no axes would reduce all). */
export function sumOver(x: Tensor, axes: number[]): Tensor {
  return axes.length === 0 ? x : sum(x, axes);
}
