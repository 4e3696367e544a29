/** Helpers shared by op definitions: output allocation and input checks. */
import type { Backend } from '../backend';
import type { DType } from '../dtype';
import { checkShape, formatShape, type Shape } from '../shape';
import { StorageRef, Tensor } from '../tensor';

/** A new tensor with uninitialised storage on `backend`. */
export function empty(backend: Backend, shape: Shape, dtype: DType): Tensor {
  checkShape(shape);
  if (!backend.supports(dtype)) throw new Error(`the ${backend.name} backend does not support ${dtype}; use float32 (float64 is CPU-only, for gradient checks)`);
  let size = 1;
  for (const d of shape) size *= d;
  return new Tensor(new StorageRef(backend.alloc(size, dtype), backend), shape, dtype);
}

/** A tensor viewing the same storage with another shape (same element count). */
export function view(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t.storageRef, shape, t.dtype);
}

/** Checks that all inputs share a backend and dtype; returns them. */
export function common(op: string, ...ts: Tensor[]): { backend: Backend; dtype: DType } {
  const first = ts[0];
  for (const t of ts) {
    t.assertUsable();
    if (t.backend !== first.backend) {
      throw new Error(`${op}: inputs live on different backends (${first.backend.name} ${formatShape(first.shape)} and ${t.backend.name} ${formatShape(t.shape)}); move one with await toBackend(t, '${first.backend.name}')`);
    }
    if (t.dtype !== first.dtype) {
      throw new Error(`${op}: inputs have different dtypes (${first.dtype} and ${t.dtype}); cast with astype()`);
    }
  }
  return { backend: first.backend, dtype: first.dtype };
}

export function assertTensor(x: unknown, op: string, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${typeof x}`);
}
