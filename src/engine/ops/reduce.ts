/**
 * Reductions over axes (keepdim like PyTorch). Backends reduce rows laid out [outer, rows, inner]
 * (kept axes in one contiguous block, e.g. channels of NCHW); other axis sets are first permuted.
 */
import type { ReduceOp } from '../backend';
import { noGrad, record } from '../autograd';
import { formatShape, normAxes, normAxis, sizeOf } from '../shape';
import type { Tensor } from '../tensor';
import { add, binaryRaw, div, mul, scale, square, sub } from './elementwise';
import { broadcastTo, permute, reshape } from './shape';
import { common, empty, view } from './util';

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: readonly number[], axes: number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** Reduction without autograd; returns the keepdim-shaped result. */
export function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  common(op, x);
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const rows = sizeOf(rest.map((i) => x.shape[i]));
  const len = sizeOf(axes.map((i) => x.shape[i]));
  if (len === 0 && op !== 'sum') throw new Error(`${op}: cannot reduce over empty axes of ${formatShape(x.shape)}`);
  const out = empty(x.backend, keptShape(x.shape, axes), x.dtype);
  // Kept axes forming one contiguous block [a, b): x is [outer, rows, inner] and the backend
  // reduces over outer and inner in place (no transpose). Otherwise move reduced axes last.
  const a = rest.length ? rest[0] : x.rank;
  const b = rest.length ? rest[rest.length - 1] + 1 : x.rank;
  if (rest.length === b - a) {
    const outer = sizeOf(x.shape.slice(0, a));
    x.backend.reduce(op, x.storage, out.storage, rows, len, rows === 1 ? 1 : outer);
    return out;
  }
  // Reduced axes forming one contiguous block [c, e): x is [rows / inner, len, inner] and the
  // backend reduces the middle axis in place (e.g. over the channels of NCHW).
  const c = axes[0];
  const e = axes[axes.length - 1] + 1;
  if (axes.length === e - c) {
    const inner = sizeOf(x.shape.slice(e));
    x.backend.reduce(op, x.storage, out.storage, rows, len, 1, inner);
    return out;
  }
  const moved = noGrad(() => permute(x, [...rest, ...axes]));
  x.backend.reduce(op, moved.storage, out.storage, rows, len);
  moved.dispose();
  return out;
}

function finish(y: Tensor, shape: readonly number[], axes: number[], keepdim: boolean): Tensor {
  return keepdim ? y : reshape(y, droppedShape(shape, axes));
}

/** Sum over axes (default: all). */
export function sum(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const ax = normAxes(axes, x.rank, 'sum');
  const y = reduceRaw('sum', x, ax);
  const inShape = [...x.shape];
  record(y, 'sum', [x], [], (g) => [broadcastTo(g, inShape)]);
  return finish(y, inShape, ax, keepdim);
}

export function mean(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const ax = normAxes(axes, x.rank, 'mean');
  const n = sizeOf(ax.map((a) => x.shape[a]));
  return scale(sum(x, ax, keepdim), 1 / n);
}

function extreme(op: 'max' | 'min', x: Tensor, axes: number | number[] | undefined, keepdim: boolean): Tensor {
  const ax = normAxes(axes, x.rank, op);
  const y = reduceRaw(op, x, ax);
  // The gradient is shared equally by all elements equal to the extreme (PyTorch's amax/amin).
  record(y, op, [x], [x, y], (g) => {
    const mask = binaryRaw('eq', x, y);
    const count = reduceRaw('sum', mask, ax);
    return [mul(mask, div(g, count))];
  });
  return finish(y, x.shape, ax, keepdim);
}

export function max(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  return extreme('max', x, axes, keepdim);
}

export function min(x: Tensor, axes?: number | number[], keepdim = false): Tensor {
  return extreme('min', x, axes, keepdim);
}

/** Variance over axes; unbiased (divide by n - 1) by default like torch.var. */
export function variance(x: Tensor, axes?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
  const ax = normAxes(axes, x.rank, 'var');
  const n = sizeOf(ax.map((a) => x.shape[a]));
  const denom = options.unbiased === false ? n : n - 1;
  const d = sub(x, mean(x, ax, true));
  return scale(sum(square(d), ax, options.keepdim ?? false), 1 / denom);
}

export function std(x: Tensor, axes?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
  return variance(x, axes, options).sqrt();
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepdim: boolean): Tensor {
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const r = reduceRaw(op, flat, [0]);
    flat.dispose();
    return keepdim ? r : reshape(r, []);
  }
  const a = normAxis(axis, x.rank, op);
  const y = reduceRaw(op, x, [a]);
  return keepdim ? y : view(y, droppedShape(x.shape, [a]));
}

/** Index of the first maximum along an axis (as float values); no gradient. */
export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  return argExtreme('argmax', x, axis, keepdim);
}

export function argmin(x: Tensor, axis?: number, keepdim = false): Tensor {
  return argExtreme('argmin', x, axis, keepdim);
}

/** Sums g down to `shape` (the adjoint of broadcasting). Returns g itself when shapes match. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const offset = g.rank - shape.length;
  if (offset < 0) throw new Error(`sumTo: cannot reduce ${formatShape(g.shape)} to the larger rank ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < offset || (shape[i - offset] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

/** log(sum(exp(x))) over an axis, stable. */
export function logSumExp(x: Tensor, axis: number, keepdim = false): Tensor {
  const a = normAxis(axis, x.rank, 'logSumExp');
  const m = noGrad(() => reduceRaw('max', x, [a]));
  const r = add(sum(sub(x, m).exp(), [a], true).log(), m);
  m.dispose();
  return keepdim ? r : reshape(r, droppedShape(x.shape, [a]));
}
