/**
 * ONNX emitters for the leaf layers (src/nn/layers.ts) and the element-wise helpers the models use.
 * Always inference semantics: BatchNorm uses its running statistics, Dropout is the identity.
 */
import { BatchNorm, Conv, Dropout, InstanceNorm, Linear } from '../../nn/layers';
import type { Module } from '../../nn/module';
import { float, int, ints, str, type Value } from '../builder';
import { unsupportedModule, type EmitContext } from './context';

function perAxis(v: number | number[] | undefined, dims: number, dflt: number): number[] {
  if (v === undefined) return Array<number>(dims).fill(dflt);
  return typeof v === 'number' ? Array<number>(dims).fill(v) : [...v];
}

export function conv(ctx: EmitContext, m: Conv, x: Value): Value {
  if (x.channels !== m.inChannels || x.rank !== m.dims + 2) {
    throw new Error(`ONNX export: Conv${m.dims}d(${m.inChannels}->${m.outChannels}) receives ${x.channels} channels of rank ${x.rank}`);
  }
  const pad = perAxis(m.options.padding, m.dims, 0);
  const inputs = [x.name, ctx.weight(m.weight)];
  if (m.bias) inputs.push(ctx.weight(m.bias));
  const name = ctx.b.node('Conv', inputs, {
    kernel_shape: ints(m.kernel),
    strides: ints(perAxis(m.options.stride, m.dims, 1)),
    dilations: ints(perAxis(m.options.dilation, m.dims, 1)),
    pads: ints([...pad, ...pad]),
    group: int(1),
  });
  return { name, channels: m.outChannels, rank: x.rank };
}

export function batchNorm(ctx: EmitContext, m: BatchNorm, x: Value): Value {
  const c = m.channels;
  const scale = m.weight ? ctx.weight(m.weight) : ctx.b.float32(Array<number>(c).fill(1));
  const bias = m.bias ? ctx.weight(m.bias) : ctx.b.float32(Array<number>(c).fill(0));
  const name = ctx.b.node('BatchNormalization', [x.name, scale, bias, ctx.weight(m.runningMean), ctx.weight(m.runningVar)], {
    epsilon: float(m.options.eps ?? 1e-5),
  });
  return { ...x, name };
}

/** InstanceNormalization needs scale and bias: ones/zeros for the affine-free layer, sized by the input's channels. */
export function instanceNorm(ctx: EmitContext, m: InstanceNorm, x: Value): Value {
  const c = x.channels;
  const scale = m.weight ? ctx.weight(m.weight) : ctx.b.float32(Array<number>(c).fill(1));
  const bias = m.bias ? ctx.weight(m.bias) : ctx.b.float32(Array<number>(c).fill(0));
  const name = ctx.b.node('InstanceNormalization', [x.name, scale, bias], { epsilon: float(m.options.eps ?? 1e-5) });
  return { ...x, name };
}

/** Linear on [N, in]: Gemm(x, W, b, transB = 1). */
export function linear(ctx: EmitContext, m: Linear, x: Value): Value {
  const inputs = [x.name, ctx.weight(m.weight)];
  if (m.bias) inputs.push(ctx.weight(m.bias));
  const name = ctx.b.node('Gemm', inputs, { transB: int(1), alpha: float(1), beta: float(1) });
  return { name, channels: m.outFeatures, rank: 2 };
}

/** BatchNorm or InstanceNorm, whichever the block holds. */
export function norm(ctx: EmitContext, m: BatchNorm | InstanceNorm, x: Value): Value {
  if (m instanceof BatchNorm) return batchNorm(ctx, m, x);
  if (m instanceof InstanceNorm) return instanceNorm(ctx, m, x);
  throw unsupportedModule(m as Module, 'norm');
}

/** Dropout at inference: the identity (kept as a function so every forward line has its emitter). */
export function dropout(_ctx: EmitContext, m: Dropout, x: Value): Value {
  if (!(m instanceof Dropout)) throw unsupportedModule(m as Module, 'dropout');
  return x;
}

export function unary(ctx: EmitContext, op: 'Relu' | 'Sigmoid', x: Value): Value {
  return { ...x, name: ctx.b.node(op, [x.name]) };
}

export function relu(ctx: EmitContext, x: Value): Value {
  return unary(ctx, 'Relu', x);
}

export function sigmoid(ctx: EmitContext, x: Value): Value {
  return unary(ctx, 'Sigmoid', x);
}

export function leakyRelu(ctx: EmitContext, x: Value, slope: number): Value {
  return { ...x, name: ctx.b.node('LeakyRelu', [x.name], { alpha: float(slope) }) };
}

export function add(ctx: EmitContext, a: Value, b: Value): Value {
  return { ...a, name: ctx.b.node('Add', [a.name, b.name]) };
}

export function concat(ctx: EmitContext, parts: Value[], axis = 1): Value {
  return { name: ctx.b.node('Concat', parts.map((p) => p.name), { axis: int(axis) }), channels: parts.reduce((n, p) => n + p.channels, 0), rank: parts[0].rank };
}

/** x[:, start:end] along the channel axis (constant bounds). */
export function sliceChannels(ctx: EmitContext, x: Value, start: number, end: number): Value {
  const name = ctx.b.node('Slice', [x.name, ctx.b.int64([start]), ctx.b.int64([end]), ctx.b.int64([1])]);
  return { ...x, name, channels: end - start };
}

/** Max pooling, PyTorch floor mode, padding with -inf (ONNX MaxPool's own). */
export function maxPool(ctx: EmitContext, x: Value, kernel: number, stride = kernel, padding = 0): Value {
  const d = x.rank - 2;
  const name = ctx.b.node('MaxPool', [x.name], {
    kernel_shape: ints(Array(d).fill(kernel)), strides: ints(Array(d).fill(stride)), pads: ints(Array(2 * d).fill(padding)), ceil_mode: int(0),
  });
  return { ...x, name };
}

export function avgPool(ctx: EmitContext, x: Value, kernel: number, stride = kernel): Value {
  const d = x.rank - 2;
  const name = ctx.b.node('AveragePool', [x.name], {
    kernel_shape: ints(Array(d).fill(kernel)), strides: ints(Array(d).fill(stride)), pads: ints(Array(2 * d).fill(0)), ceil_mode: int(0), count_include_pad: int(1),
  });
  return { ...x, name };
}

/**
 * Linear (bi/tri) resize with align_corners to the spatial size of `like` (F.interpolate(x, size=like.shape[2:],
 * mode='linear', align_corners=True)); the target size is read at run time, so spatial axes stay dynamic.
 */
export function resizeLinearLike(ctx: EmitContext, x: Value, like: Value): Value {
  const b = ctx.b;
  const nc = b.node('Shape', [x.name], { start: int(0), end: int(2) });
  const spatial = b.node('Shape', [like.name], { start: int(2) });
  const sizes = b.node('Concat', [nc, spatial], { axis: int(0) });
  const name = b.node('Resize', [x.name, '', '', sizes], {
    mode: str('linear'), coordinate_transformation_mode: str('align_corners'),
  });
  return { ...x, name };
}

/** nn.Upsample(scale_factor, mode='nearest'): out[i] = in[floor(i / factor)] (asymmetric, floor). */
export function upsampleNearest(ctx: EmitContext, x: Value, factor: number): Value {
  const scales = ctx.b.float32([1, 1, ...Array<number>(x.rank - 2).fill(factor)]);
  const name = ctx.b.node('Resize', [x.name, '', scales], {
    mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor'),
  });
  return { ...x, name };
}
