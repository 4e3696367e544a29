/**
 * Shape arithmetic shared by the ops and both backends: sizes, contiguous strides, NumPy
 * broadcasting and axis normalisation. Pure functions, no tensors.
 */

export type Shape = readonly number[];

/** Kernels carry shapes and strides in fixed-size uniform arrays: tensors have at most this many dims. */
export const MAX_RANK = 8;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) element strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: Shape, what = 'shape'): void {
  if (shape.length > MAX_RANK) throw new Error(`${what} [${shape.join(', ')}] has ${shape.length} dims; the engine supports at most ${MAX_RANK}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what} [${shape.join(', ')}] must hold non-negative integers`);
  }
}

/** NumPy broadcasting of two shapes; throws naming both shapes when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Element strides for reading a tensor of shape `from` as if it had the (broadcast) shape `to`:
 * broadcast dims get stride 0. `to` must be a valid broadcast of `from`.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const strides = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const offset = to.length - from.length;
  if (offset < 0) throw new Error(`cannot broadcast [${from.join(', ')}] to fewer dims [${to.join(', ')}]`);
  for (let i = 0; i < from.length; i++) {
    const d = from[i];
    if (d !== 1 && d !== to[i + offset]) throw new Error(`cannot broadcast [${from.join(', ')}] to [${to.join(', ')}]`);
    out[i + offset] = d === 1 ? 0 : strides[i];
  }
  return out;
}

/** Normalises one axis (negative counts from the end). */
export function normAxis(axis: number, rank: number, op = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for a tensor with ${rank} dims`);
  return a;
}

/** Normalises a list of axes (undefined = all), sorted and without duplicates. */
export function normAxes(axes: number | readonly number[] | undefined, rank: number, op = 'axes'): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(a, rank, op)))].sort((x, y) => x - y);
  return out;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
