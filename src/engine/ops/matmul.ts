/** Batched matrix multiplication [..., m, k] @ [..., k, n] with broadcast batch dims. */
import { record } from '../autograd';
import { broadcastShapes, formatShape, sizeOf } from '../shape';
import type { Tensor } from '../tensor';
import { sumTo } from './reduce';
import { broadcastTo, reshape } from './shape';
import { common, empty } from './util';

/** out = op(a) @ op(b) for 3-D [batch, ., .] tensors; op = transpose where flagged. */
export function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const { backend, dtype } = common('matmul', a, b);
  const batch = a.shape[0];
  const m = transA ? a.shape[2] : a.shape[1];
  const k = transA ? a.shape[1] : a.shape[2];
  const n = transB ? b.shape[1] : b.shape[2];
  const out = empty(backend, [batch, m, n], dtype);
  backend.matmul(a.storage, b.storage, out.storage, { batch, m, k, n, transA, transB });
  return out;
}

/**
 * Matrix product. 1-D operands are not promoted: both need >= 2 dims. Batch dims broadcast
 * (NumPy); a batched a times a 2-D b folds the batch into m (no copy).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: operands need at least 2 dims, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new Error(`matmul: inner dims differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k} vs ${k2})`);
  if (b.rank === 2) {
    // [..., m, k] @ [k, n] = ([prod(...) * m, k] @ [k, n]) reshaped.
    const rows = sizeOf(a.shape.slice(0, -1));
    const a3 = reshape(a, [1, rows, k]);
    const b3 = reshape(b, [1, k, n]);
    const y = mm3(a3, b3);
    return reshape(y, [...a.shape.slice(0, -1), n]);
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = sizeOf(batchShape);
  const a3 = reshape(broadcastTo(a, [...batchShape, m, k]), [batch, m, k]);
  const b3 = reshape(broadcastTo(b, [...batchShape, k, n]), [batch, k, n]);
  return reshape(mm3(a3, b3), [...batchShape, m, n]);
}

/** [batch, m, k] @ [batch, k, n] with autograd. */
function mm3(a: Tensor, b: Tensor): Tensor {
  const y = matmulRaw(a, b, false, false);
  return record(y, 'matmul', [a, b], [a, b], (g) => [
    a.requiresGrad ? sumTo(matmulRaw(g, b, false, true), a.shape) : null, // dA = g @ B^T
    b.requiresGrad ? sumTo(matmulRaw(a, g, true, false), b.shape) : null, // dB = A^T @ g
  ]);
}
