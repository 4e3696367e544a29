/**
 * Pooling (max, average, adaptive average) over 2 or 3 spatial axes, PyTorch semantics with
 * ceil_mode=False. 2D pooling runs as 3D with depth 1. Backward is a dedicated kernel.
 */
import type { PoolGeometry, PoolMode } from '../backend';
import { record } from '../autograd';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { mean } from './reduce';
import { common, empty } from './util';

export interface PoolOptions {
  kernel: number | number[];
  /** Defaults to the kernel size. */
  stride?: number | number[];
  padding?: number | number[];
  /** avg only: PyTorch's count_include_pad (default true). */
  countIncludePad?: boolean;
}

function spatial(x: Tensor, op: string): number {
  if (x.rank !== 4 && x.rank !== 5) throw new Error(`${op}: input must be NCHW or NCDHW, got ${formatShape(x.shape)}`);
  return x.rank - 2;
}

function lift(v: number | number[], dims: number, fill: number, what: string, op: string): [number, number, number] {
  const arr = typeof v === 'number' ? new Array<number>(dims).fill(v) : v;
  if (arr.length !== dims) throw new Error(`${op}: ${what} [${arr.join(', ')}] must have ${dims} entries`);
  return (dims === 2 ? [fill, arr[0], arr[1]] : [arr[0], arr[1], arr[2]]) as [number, number, number];
}

function poolOp(x: Tensor, g: PoolGeometry, outSpatial: number[], op: string): Tensor {
  common(op, x);
  const y = empty(x.backend, [x.shape[0], x.shape[1], ...outSpatial], x.dtype);
  x.backend.pool(x.storage, y.storage, g);
  return record(y, op, [x], [x], (gy) => {
    const dx = empty(x.backend, x.shape, x.dtype);
    x.backend.poolBackward(x.storage, gy.storage, dx.storage, g);
    return [dx];
  });
}

function windowed(x: Tensor, mode: PoolMode, o: PoolOptions, op: string): Tensor {
  const dims = spatial(x, op);
  const kernel = lift(o.kernel, dims, 1, 'kernel', op);
  const stride = lift(o.stride ?? o.kernel, dims, 1, 'stride', op);
  const padding = lift(o.padding ?? 0, dims, 0, 'padding', op);
  const inSize = lift(x.shape.slice(2), dims, 1, 'input size', op);
  for (let a = 0; a < 3; a++) {
    if (padding[a] * 2 > kernel[a]) throw new Error(`${op}: padding [${padding}] must be at most half the kernel [${kernel}] (PyTorch rule)`);
  }
  const outSize = [0, 1, 2].map((a) => Math.floor((inSize[a] + 2 * padding[a] - kernel[a]) / stride[a]) + 1) as [number, number, number];
  if (outSize.some((s) => s < 1)) throw new Error(`${op}: kernel [${kernel.slice(3 - dims)}] is larger than the padded input ${formatShape(x.shape)}`);
  const g: PoolGeometry = { mode, planes: x.shape[0] * x.shape[1], inSize, outSize, kernel, stride, padding, countIncludePad: o.countIncludePad ?? true };
  return poolOp(x, g, outSize.slice(3 - dims), op);
}

/** Max pooling (2D for NCHW, 3D for NCDHW). */
export function maxPool(x: Tensor, options: PoolOptions): Tensor {
  return windowed(x, 'max', options, 'maxPool');
}

/** Average pooling (count_include_pad defaults to true, as in PyTorch). */
export function avgPool(x: Tensor, options: PoolOptions): Tensor {
  return windowed(x, 'avg', options, 'avgPool');
}

/** Adaptive average pooling to the given spatial size (PyTorch window rule). */
export function adaptiveAvgPool(x: Tensor, outputSize: number | number[]): Tensor {
  const dims = spatial(x, 'adaptiveAvgPool');
  const outSize = lift(outputSize, dims, 1, 'output size', 'adaptiveAvgPool');
  if (outSize.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`adaptiveAvgPool: output size [${outputSize}] must hold positive integers`);
  const inSize = lift(x.shape.slice(2), dims, 1, 'input size', 'adaptiveAvgPool');
  const g: PoolGeometry = { mode: 'adaptiveAvg', planes: x.shape[0] * x.shape[1], inSize, outSize, kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], countIncludePad: true };
  return poolOp(x, g, outSize.slice(3 - dims), 'adaptiveAvgPool');
}

/** Mean over all spatial axes, keeping them as size 1: [N, C, 1, 1(, 1)]. */
export function globalAvgPool(x: Tensor): Tensor {
  spatial(x, 'globalAvgPool');
  return mean(x, x.shape.slice(2).map((_, i) => i + 2), true);
}
