/**
 * Dropout with masks from the shared Philox generator (same seed, same mask on CPU and WebGPU).
 * Kept elements are scaled by 1 / (1 - p) (inverted dropout, as PyTorch).
 */
import { noGrad } from '../autograd';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { fullLike, randLike, zerosLike } from './creation';
import { binaryRaw, mul, scale } from './elementwise';

export interface DropoutOptions {
  training?: boolean;
  /** Explicit (seed, stream) for the mask; default: the global generator's next stream. */
  seed?: { seed: number; stream: number };
}

/** The 0 / (1/(1-p)) mask of the given shape (exposed for tests). */
export function dropoutMask(like: Tensor, shape: number[], p: number, seed?: { seed: number; stream: number }): Tensor {
  return noGrad(() => {
    const u = randLike(like, shape, false, seed);
    const threshold = fullLike(like, p, []);
    const keep = binaryRaw('ge', u, threshold);
    const mask = scale(keep, 1 / (1 - p));
    u.dispose();
    threshold.dispose();
    keep.dispose();
    return mask;
  });
}

function apply(x: Tensor, p: number, maskShape: number[], o: DropoutOptions, op: string): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be in [0, 1], got ${p}`);
  if (o.training === false || p === 0) return x;
  if (p === 1) return mul(x, zerosLike(x));
  const mask = dropoutMask(x, maskShape, p, o.seed);
  const y = mul(x, mask);
  mask.dispose();
  return y;
}

/** Element dropout (nn.Dropout). */
export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  return apply(x, p, [...x.shape], options, 'dropout');
}

/** Channel dropout (nn.Dropout2d / Dropout3d): zeroes whole channels of [N, C, ...]. */
export function channelDropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  if (x.rank < 3) throw new Error(`channelDropout: input must be [N, C, spatial...], got ${formatShape(x.shape)}`);
  return apply(x, p, x.shape.map((d, i) => (i < 2 ? d : 1)), options, 'channelDropout');
}
