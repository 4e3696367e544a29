/** FiLM (feature-wise linear modulation): y = gamma * x + beta per (sample, channel). */
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { add, mul } from './elementwise';
import { reshape } from './shape';

/** x [N, C, ...spatial]; gamma and beta [N, C] (or [C], shared by the batch). */
export function film(x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const [n, c] = x.shape;
  const shapeFor = (t: Tensor, name: string): number[] => {
    if (t.rank === 2 && t.shape[0] === n && t.shape[1] === c) return [n, c, ...x.shape.slice(2).map(() => 1)];
    if (t.rank === 1 && t.shape[0] === c) return [1, c, ...x.shape.slice(2).map(() => 1)];
    throw new Error(`film: ${name} must be [${n}, ${c}] or [${c}] for input ${formatShape(x.shape)}, got ${formatShape(t.shape)}`);
  };
  return add(mul(x, reshape(gamma, shapeFor(gamma, 'gamma'))), reshape(beta, shapeFor(beta, 'beta')));
}
