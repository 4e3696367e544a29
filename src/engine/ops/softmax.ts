/**
 * softmax and logSoftmax over one axis. The forward subtracts the max (stable); each has a single
 * backward rule from its output, cheaper than differentiating through exp/sum/div:
 *   softmax:    dx = y * (g - sum(g * y))
 *   logSoftmax: dx = g - exp(y) * sum(g)
 */
import { noGrad, record } from '../autograd';
import { normAxis } from '../shape';
import type { Tensor } from '../tensor';
import { div, exp, log, mul, sub } from './elementwise';
import { reduceRaw, sum } from './reduce';

export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis(axis, x.rank, 'softmax');
  const y = noGrad(() => {
    const m = reduceRaw('max', x, [a]);
    const e = exp(sub(x, m));
    const s = reduceRaw('sum', e, [a]);
    const out = div(e, s);
    m.dispose();
    e.dispose();
    s.dispose();
    return out;
  });
  return record(y, 'softmax', [x], [y], (g) => [mul(y, sub(g, sum(mul(g, y), [a], true)))]);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis(axis, x.rank, 'logSoftmax');
  const y = noGrad(() => {
    const m = reduceRaw('max', x, [a]);
    const shifted = sub(x, m);
    const e = exp(shifted);
    const s = reduceRaw('sum', e, [a]);
    const ls = log(s);
    const out = sub(shifted, ls);
    for (const t of [m, shifted, e, s, ls]) t.dispose();
    return out;
  });
  return record(y, 'logSoftmax', [x], [y], (g) => [sub(g, mul(exp(y), sum(g, [a], true)))]);
}
