/**
 * Convolution (2D and 3D, PyTorch semantics: cross-correlation, zero padding, stride, dilation,
 * bias). The kernels are in cpu/conv.ts and webgpu/kernels/conv.ts; backward uses the dedicated
 * grad-input and grad-weight kernels, and the bias gradient is a sum over batch and space.
 */
import { record } from '../autograd';
import type { ConvGeometry } from '../cpu/conv';
import { convOutputSize } from '../cpu/conv';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { reduceRaw } from './reduce';
import { reshape } from './shape';
import { common, empty } from './util';

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
}

function perAxis(v: number | number[] | undefined, dims: number, dflt: number, what: string): number[] {
  if (v === undefined) return new Array<number>(dims).fill(dflt);
  if (typeof v === 'number') return new Array<number>(dims).fill(v);
  if (v.length !== dims) throw new Error(`conv: ${what} [${v.join(', ')}] must have ${dims} entries (one per spatial axis)`);
  return [...v];
}

function geometry(x: Tensor, w: Tensor, dims: number, options: ConvOptions, op: string): ConvGeometry {
  if (x.rank !== dims + 2) throw new Error(`${op}: input must be ${dims === 2 ? 'NCHW' : 'NCDHW'} (${dims + 2} dims), got ${formatShape(x.shape)}`);
  if (w.rank !== dims + 2) throw new Error(`${op}: weight must be [cOut, cIn, ${dims === 2 ? 'kH, kW' : 'kD, kH, kW'}], got ${formatShape(w.shape)}`);
  if (w.shape[1] !== x.shape[1]) {
    throw new Error(`${op}: weight ${formatShape(w.shape)} expects ${w.shape[1]} input channels, input ${formatShape(x.shape)} has ${x.shape[1]}`);
  }
  return {
    n: x.shape[0],
    cIn: x.shape[1],
    cOut: w.shape[0],
    inSize: x.shape.slice(2),
    kernel: w.shape.slice(2),
    stride: perAxis(options.stride, dims, 1, 'stride'),
    padding: perAxis(options.padding, dims, 0, 'padding'),
    dilation: perAxis(options.dilation, dims, 1, 'dilation'),
  };
}

function conv(x: Tensor, w: Tensor, bias: Tensor | null, dims: number, options: ConvOptions, op: string): Tensor {
  const { backend, dtype } = bias ? common(op, x, w, bias) : common(op, x, w);
  const g = geometry(x, w, dims, options, op);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== g.cOut)) throw new Error(`${op}: bias must be [${g.cOut}], got ${formatShape(bias.shape)}`);
  const outShape = [g.n, g.cOut, ...convOutputSize(g)];
  const y = empty(backend, outShape, dtype);
  backend.convForward(x.storage, w.storage, bias ? bias.storage : null, y.storage, g);
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(y, op, inputs, [x, w], (gy) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (x.requiresGrad) {
      dx = empty(backend, x.shape, dtype);
      backend.convGradInput(gy.storage, w.storage, dx.storage, g);
    }
    if (w.requiresGrad) {
      dw = empty(backend, w.shape, dtype);
      backend.convGradWeight(x.storage, gy.storage, dw.storage, g);
    }
    if (bias?.requiresGrad) {
      const axes = [0, ...outShape.slice(2).map((_, i) => i + 2)];
      db = reshape(reduceRaw('sum', gy, axes), [g.cOut]);
    }
    return [dx, dw, db];
  });
}

/** 2D convolution: x [N, Cin, H, W], w [Cout, Cin, kH, kW], bias [Cout] or null. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return conv(x, w, bias, 2, options, 'conv2d');
}

/** 3D convolution: x [N, Cin, D, H, W], w [Cout, Cin, kD, kH, kW], bias [Cout] or null. */
export function conv3d(x: Tensor, w: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return conv(x, w, bias, 3, options, 'conv3d');
}
