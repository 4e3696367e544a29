/**
 * Shape ops. reshape is a view (shared storage); permute, slice, pad, flip and broadcast are one
 * strided gather kernel with different per-dim (start, step, bound, stride); concat and the
 * backward of slice write with the matching `place` kernel.
 */
import type { GatherDim, PlaceDim } from '../backend';
import { record } from '../autograd';
import { broadcastShapes, formatShape, normAxes, normAxis, sizeOf, stridesOf } from '../shape';
import { StorageRef, Tensor } from '../tensor';
import { sumTo } from './reduce';
import { common, empty, view } from './util';

export function gatherRaw(x: Tensor, outShape: number[], dims: GatherDim[], fill = 0): Tensor {
  common('gather', x);
  const out = empty(x.backend, outShape, x.dtype);
  x.backend.gather(x.storage, out.storage, outShape, dims, fill);
  return out;
}

/** A new tensor (same storage) outside the autograd graph. */
export function detach(x: Tensor): Tensor {
  return new Tensor(x.storageRef as StorageRef, x.shape, x.dtype);
}

/** Same elements, new shape; one dim may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const known = s.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) throw new Error(`reshape: cannot infer -1 in ${formatShape(shape)} for ${x.size} elements (from ${formatShape(x.shape)})`);
    s[neg] = x.size / known;
  }
  if (sizeOf(s) !== x.size) throw new Error(`reshape: ${formatShape(x.shape)} has ${x.size} elements, cannot view as ${formatShape(shape)}`);
  const y = view(x, s);
  const inShape = x.shape;
  return record(y, 'reshape', [x], [], (g) => [reshape(g, inShape)]);
}

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  const p = perm.map((a) => normAxis(a, rank, 'permute'));
  if (p.length !== rank || new Set(p).size !== rank) throw new Error(`permute: [${perm.join(', ')}] is not a permutation of ${rank} axes (tensor ${formatShape(x.shape)})`);
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const strides = stridesOf(x.shape);
  const outShape = p.map((a) => x.shape[a]);
  const y = gatherRaw(x, outShape, p.map((a) => ({ start: 0, step: 1, bound: x.shape[a], inStride: strides[a] })));
  const inverse = new Array<number>(rank);
  p.forEach((a, i) => (inverse[a] = i));
  return record(y, 'permute', [x], [], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const p = Array.from({ length: x.rank }, (_, i) => i);
  const i = normAxis(a, x.rank, 'transpose');
  const j = normAxis(b, x.rank, 'transpose');
  [p[i], p[j]] = [p[j], p[i]];
  return permute(x, p);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes the given size-1 axes (default: all of them). */
export function squeeze(x: Tensor, axes?: number | number[]): Tensor {
  const list = axes === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normAxes(axes, x.rank, 'squeeze');
  for (const a of list) if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis(startAxis, x.rank, 'flatten');
  const e = normAxis(endAxis, x.rank, 'flatten');
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Materialises x broadcast to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const full = broadcastShapes(x.shape, target, 'broadcastTo');
  if (full.length !== target.length || full.some((d, i) => d !== target[i])) {
    throw new Error(`broadcastTo: ${formatShape(x.shape)} cannot be broadcast to ${formatShape(shape)}`);
  }
  if (x.shape.length === target.length && x.shape.every((d, i) => d === target[i])) return reshape(x, target);
  const strides = stridesOf(x.shape);
  const offset = target.length - x.rank;
  const dims: GatherDim[] = target.map((_, i) => {
    const k = i - offset;
    if (k < 0 || x.shape[k] === 1) return { start: 0, step: 0, bound: 1, inStride: 0 };
    return { start: 0, step: 1, bound: x.shape[k], inStride: strides[k] };
  });
  const y = gatherRaw(x, target, dims);
  const inShape = x.shape;
  return record(y, 'broadcastTo', [x], [], (g) => [sumTo(g, inShape)]);
}

/** PyTorch's expand: -1 keeps a dim. Materialised (tensors are contiguous). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const offset = shape.length - x.rank;
  return broadcastTo(x, shape.map((d, i) => (d === -1 ? x.shape[i - offset] : d)));
}

/** One axis' slice: start, end (exclusive; negative counts from the end, clamped) and step >= 1. */
export interface SliceRange {
  start?: number;
  end?: number;
  step?: number;
}

function resolveRange(r: SliceRange | readonly number[] | null | undefined, dim: number, axis: number): { start: number; step: number; len: number } {
  const range: SliceRange = Array.isArray(r) ? { start: r[0], end: r[1], step: r[2] } : ((r ?? {}) as SliceRange);
  const step = range.step ?? 1;
  if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step on axis ${axis} must be an integer >= 1, got ${step}`);
  const norm = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    const w = v < 0 ? v + dim : v;
    return Math.min(Math.max(w, 0), dim);
  };
  const start = norm(range.start, 0);
  const end = norm(range.end, dim);
  const len = end > start ? Math.ceil((end - start) / step) : 0;
  return { start, step, len };
}

/**
 * Python-style slicing per axis: ranges[i] applies to axis i ([start, end, step] or {start, end,
 * step}; null/undefined keeps the axis whole).
 */
export function slice(x: Tensor, ranges: ReadonlyArray<SliceRange | readonly number[] | null | undefined>): Tensor {
  if (ranges.length > x.rank) throw new Error(`slice: ${ranges.length} ranges for a tensor with ${x.rank} dims ${formatShape(x.shape)}`);
  const strides = stridesOf(x.shape);
  const resolved = x.shape.map((d, i) => resolveRange(ranges[i], d, i));
  const outShape = resolved.map((r) => r.len);
  const y = gatherRaw(x, outShape, resolved.map((r, i) => ({ start: r.start, step: r.step, bound: x.shape[i], inStride: strides[i] })));
  const inShape = [...x.shape];
  return record(y, 'slice', [x], [], (g) => [placeInZeros(g, inShape, resolved.map((r) => ({ start: r.start, step: r.step })))]);
}

/** zeros(shape) with g written at start + i*step per axis (the adjoint of slice). */
function placeInZeros(g: Tensor, shape: number[], ranges: Array<{ start: number; step: number }>): Tensor {
  const out = empty(g.backend, shape, g.dtype);
  out.backend.fill(out.storage, out.size, 0);
  const strides = stridesOf(shape);
  const dims: PlaceDim[] = ranges.map((r, i) => ({ start: r.start, step: r.step, dstStride: strides[i] }));
  out.backend.place(g.storage, [...g.shape], out.storage, dims);
  return out;
}

/**
 * Constant padding. pads[i] = [before, after] for the LAST pads.length axes, in axis order
 * (e.g. for NCHW: pad(x, [[top, bottom], [left, right]])). Negative amounts crop.
 */
export function pad(x: Tensor, pads: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
  if (pads.length > x.rank) throw new Error(`pad: ${pads.length} pad pairs for a tensor with ${x.rank} dims ${formatShape(x.shape)}`);
  const offset = x.rank - pads.length;
  const full = x.shape.map((_, i) => (i < offset ? [0, 0] : pads[i - offset]) as readonly [number, number]);
  const outShape = x.shape.map((d, i) => d + full[i][0] + full[i][1]);
  if (outShape.some((d) => d < 0)) throw new Error(`pad: pads [${pads.map((p) => `[${p}]`).join(', ')}] crop ${formatShape(x.shape)} below zero`);
  const strides = stridesOf(x.shape);
  const y = gatherRaw(x, outShape, x.shape.map((d, i) => ({ start: -full[i][0], step: 1, bound: d, inStride: strides[i] })), value);
  return record(y, 'pad', [x], [], (g) => [pad(g, full.map(([b, a]) => [-b, -a] as const))]);
}

export function flip(x: Tensor, axes: number | number[]): Tensor {
  const list = normAxes(axes, x.rank, 'flip');
  const strides = stridesOf(x.shape);
  const y = gatherRaw(x, [...x.shape], x.shape.map((d, i) => (list.includes(i) ? { start: d - 1, step: -1, bound: d, inStride: strides[i] } : { start: 0, step: 1, bound: d, inStride: strides[i] })));
  return record(y, 'flip', [x], [], (g) => [flip(g, list)]);
}

/** Joins tensors along an existing axis. */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('concat: needs at least one tensor');
  const { backend, dtype } = common('concat', ...ts);
  const rank = ts[0].rank;
  const a = normAxis(axis, rank, 'concat');
  for (const t of ts) {
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== ts[0].shape[i])) {
      throw new Error(`concat: shapes ${ts.map((u) => formatShape(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const outShape = [...ts[0].shape];
  outShape[a] = ts.reduce((s, t) => s + t.shape[a], 0);
  const out = empty(backend, outShape, dtype);
  const strides = stridesOf(outShape);
  const offsets: number[] = [];
  let off = 0;
  for (const t of ts) {
    offsets.push(off);
    backend.place(t.storage, [...t.shape], out.storage, t.shape.map((_, i) => ({ start: i === a ? off : 0, step: 1, dstStride: strides[i] })));
    off += t.shape[a];
  }
  return record(out, 'concat', ts, [], (g) =>
    ts.map((t, k) => (t.requiresGrad ? slice(g, outShape.map((_, i) => (i === a ? [offsets[k], offsets[k] + t.shape[a]] : null))) : null)),
  );
}

/** Joins tensors along a new axis. */
export function stack(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normAxis(axis, ts[0].rank + 1, 'stack');
  return concat(ts.map((t) => unsqueeze(t, a)), a);
}

/** Splits along an axis into pieces of the given sizes (or n equal pieces). */
export function split(x: Tensor, sizes: number | number[], axis = 0): Tensor[] {
  const a = normAxis(axis, x.rank, 'split');
  const dim = x.shape[a];
  const list = typeof sizes === 'number' ? Array.from({ length: sizes }, () => dim / sizes) : sizes;
  if (list.some((s) => !Number.isInteger(s) || s < 0) || list.reduce((p, s) => p + s, 0) !== dim) {
    throw new Error(`split: sizes [${list.join(', ')}] do not partition axis ${a} of length ${dim}`);
  }
  let off = 0;
  return list.map((s) => {
    const r = slice(x, x.shape.map((_, i) => (i === a ? [off, off + s] : null)));
    off += s;
    return r;
  });
}

