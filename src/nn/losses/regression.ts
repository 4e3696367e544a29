/**
 * Heat-map regression losses: L2loss (Σ(p - t)²/2) and AdapWingLoss (Wang et al. 2019), both sums
 * over every element, not means.
 */
import { abs, add, div, log, lt, mul, pow, scale, square, sub, sum, where } from '../../engine';
import { resolveKwargs, type OptionsOf } from './kwargs';
import { defineLoss, type Loss } from './types';

export function l2Loss(options: OptionsOf<'L2loss'> = {}): Loss {
  resolveKwargs('L2loss', options);
  return defineLoss('L2loss', (p, t) => scale(sum(square(sub(p, t))), 0.5));
}

/**
 * d = |t - p|, e = α - t, r = θ/ε:
 *   A = ω · 1/(1 + r^e) · e · r^(e-1) / ε,  C = θ·A - ω·ln(1 + r^e),
 *   L = ω·ln(1 + (d/ε)^e) where d < θ, else A·d - C;  loss = Σ L.
 * ivadomed multiplies L by a mask meant to weight the foreground by 1 + ω, but its mask is always 1
 * (a boolean array compared with 51), so the loss is the plain sum; this reproduces those values.
 */
export function adapWingLoss(options: OptionsOf<'AdapWingLoss'> = {}): Loss {
  const { theta, alpha, omega, epsilon } = resolveKwargs('AdapWingLoss', options);
  const r = theta / epsilon;
  return defineLoss('AdapWingLoss', (p, t) => {
    const e = sub(alpha, t);
    const rPowE = pow(r, e);
    const A = scale(mul(mul(div(1, add(rPowE, 1)), e), pow(r, sub(e, 1))), omega / epsilon);
    const C = sub(scale(A, theta), scale(log(add(rPowE, 1)), omega));
    const d = abs(sub(t, p));
    const nonLinear = scale(log(add(pow(div(d, epsilon), e), 1)), omega);
    const linear = sub(mul(A, d), C);
    return sum(where(lt(d, theta), nonLinear, linear));
  });
}
