/**
 * Host-side simplification of strided index maps before a dispatch: fewer dims mean fewer
 * divisions per element in the kernels (and the rank becomes a pipeline constant).
 *  - broadcast ops: drop size-1 dims, merge neighbours that are contiguous in every operand;
 *  - gathers/places: dims whose coordinates are always in bounds become plain strides (their start
 *    folded into a constant offset) and merge when contiguous; padded dims are kept as they are.
 */
import type { GatherDim, PlaceDim } from '../backend';

/** Bound of dims that never leave the input (no check needed). */
export const ALWAYS_VALID = 0x7fffffff;

export function collapseBroadcast(shape: readonly number[], strideSets: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (const i of keep) {
    const last = outShape.length - 1;
    if (last >= 0 && strideSets.every((s, k) => outStrides[k][last] === s[i] * shape[i])) {
      outShape[last] *= shape[i];
      strideSets.forEach((s, k) => (outStrides[k][last] = s[i]));
    } else {
      outShape.push(shape[i]);
      strideSets.forEach((s, k) => outStrides[k].push(s[i]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strideSets.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

export function collapseGather(shape: readonly number[], dims: readonly GatherDim[]): { shape: number[]; dims: GatherDim[]; offset: number } {
  let offset = 0;
  const outShape: number[] = [];
  const outDims: GatherDim[] = [];
  shape.forEach((n, i) => {
    const g = dims[i];
    const first = g.start;
    const last = g.start + (n - 1) * g.step;
    const valid = n > 0 && Math.min(first, last) >= 0 && Math.max(first, last) < g.bound;
    if (!valid) {
      outShape.push(n);
      outDims.push({ ...g });
      return;
    }
    offset += g.start * g.inStride;
    const stride = g.step * g.inStride;
    if (n === 1) return;
    const k = outDims.length - 1;
    if (k >= 0 && outDims[k].bound === ALWAYS_VALID && outDims[k].inStride === stride * n) {
      outShape[k] *= n;
      outDims[k] = { start: 0, step: 1, bound: ALWAYS_VALID, inStride: stride };
    } else {
      outShape.push(n);
      outDims.push({ start: 0, step: 1, bound: ALWAYS_VALID, inStride: stride });
    }
  });
  if (outShape.length === 0) return { shape: [1], dims: [{ start: 0, step: 1, bound: ALWAYS_VALID, inStride: 0 }], offset };
  return { shape: outShape, dims: outDims, offset };
}

export function collapsePlace(shape: readonly number[], dims: readonly PlaceDim[]): { shape: number[]; dims: PlaceDim[]; offset: number } {
  const g = collapseGather(shape, dims.map((d) => ({ start: d.start, step: d.step, bound: ALWAYS_VALID, inStride: d.dstStride })));
  return { shape: g.shape, dims: g.dims.map((d) => ({ start: 0, step: 1, dstStride: d.inStride })), offset: g.offset };
}
