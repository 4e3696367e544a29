/**
 * Resizing (F.interpolate): nearest, and (bi/tri)linear with align_corners true or false, to any
 * target size or by a scale factor, with PyTorch's source-coordinate rules (cpu/resize.ts). A
 * multi-axis linear resize is a product of 1D resizes, so it runs as one 1D pass per axis.
 */
import type { Resize1dParams, ResizeMode } from '../backend';
import { record } from '../autograd';
import { resizeScale } from '../cpu/resize';
import { formatShape, sizeOf } from '../shape';
import type { Tensor } from '../tensor';
import { common, empty } from './util';

export interface ResizeOptions {
  /** Target spatial size (one entry per spatial axis). */
  size?: number[];
  /** Or a factor per axis (or one for all): size = floor(in * factor), source scale = 1 / factor. */
  scaleFactor?: number | number[];
  /** 'linear' = bilinear (NCHW) / trilinear (NCDHW). Default 'nearest'. */
  mode?: ResizeMode;
  /** PyTorch's align_corners (linear only; default false). */
  alignCorners?: boolean;
}

function resize1d(x: Tensor, axis: number, p: Resize1dParams): Tensor {
  common('resize', x);
  const outShape = [...x.shape];
  outShape[axis] = p.outLen;
  const y = empty(x.backend, outShape, x.dtype);
  x.backend.resize1d(x.storage, y.storage, p);
  return record(y, 'resize', [x], [], (gy) => {
    const dx = empty(x.backend, x.shape, x.dtype);
    x.backend.resize1dBackward(gy.storage, dx.storage, p);
    return [dx];
  });
}

export function interpolate(x: Tensor, options: ResizeOptions): Tensor {
  const dims = x.rank - 2;
  if (dims < 1 || dims > 3) throw new Error(`interpolate: input must be NCW, NCHW or NCDHW, got ${formatShape(x.shape)}`);
  const mode = options.mode ?? 'nearest';
  const alignCorners = options.alignCorners ?? false;
  if (alignCorners && mode !== 'linear') throw new Error("interpolate: alignCorners applies to mode 'linear' only");
  const inSize = x.shape.slice(2);
  let factors: Array<number | undefined> = inSize.map(() => undefined);
  let outSize: number[];
  if (options.size) {
    if (options.size.length !== dims) throw new Error(`interpolate: size [${options.size}] needs ${dims} entries for input ${formatShape(x.shape)}`);
    outSize = [...options.size];
  } else if (options.scaleFactor !== undefined) {
    const f = typeof options.scaleFactor === 'number' ? inSize.map(() => options.scaleFactor as number) : options.scaleFactor;
    if (f.length !== dims) throw new Error(`interpolate: scaleFactor [${f}] needs ${dims} entries`);
    factors = f;
    outSize = inSize.map((d, i) => Math.floor(d * f[i]));
  } else {
    throw new Error('interpolate: give size or scaleFactor');
  }
  if (outSize.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`interpolate: target size [${outSize}] must hold positive integers`);
  let y = x;
  for (let i = 0; i < dims; i++) {
    const axis = i + 2;
    const inLen = inSize[i];
    const outLen = outSize[i];
    const scale = resizeScale(inLen, outLen, mode, alignCorners, factors[i]);
    if (inLen === outLen && (scale === 1 || (alignCorners && mode === 'linear'))) continue; // identity pass
    const p: Resize1dParams = {
      outer: sizeOf(y.shape.slice(0, axis)), inLen, outLen, inner: sizeOf(y.shape.slice(axis + 1)), mode, alignCorners, scale,
    };
    const next = resize1d(y, axis, p);
    if (y !== x) y.dispose();
    y = next;
  }
  return y === x ? x : y;
}

/** Nearest-neighbour upsampling by an integer factor (nn.Upsample(scale_factor, mode='nearest')). */
export function upsampleNearest(x: Tensor, factor: number | number[]): Tensor {
  return interpolate(x, { scaleFactor: factor, mode: 'nearest' });
}
