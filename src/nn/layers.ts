/**
 * Leaf layers with PyTorch's parameter names, shapes and default initialisation: Conv (2D/3D),
 * Linear, BatchNorm, InstanceNorm, Dropout. Models compose these; the maths is in the engine.
 */
import {
  add, assign, batchNorm, channelDropout, conv2d, conv3d, dropout, full, instanceNorm, matmul, noGrad, reshape, transpose, zeros,
  type Tensor,
} from '../engine/index';
import { formatShape } from '../engine/shape';
import { defaultBias, defaultWeight, type InitTarget } from './init';
import { Module } from './module';

export type SpatialDims = 2 | 3;

/** Copies a freshly drawn init into an existing parameter (reset without reallocating). */
export function reinit(target: Tensor, make: () => Tensor): void {
  noGrad(() => {
    const fresh = make();
    assign(target, fresh);
    fresh.dispose();
  });
}

function tuple(v: number | number[], dims: number, what: string): number[] {
  const t = typeof v === 'number' ? Array(dims).fill(v) : v;
  if (t.length !== dims) throw new Error(`Conv: ${what} must have ${dims} entries, got [${t.join(', ')}]`);
  return t;
}

export interface ConvLayerOptions extends InitTarget {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  /** Default true (PyTorch). */
  bias?: boolean;
}

/** nn.Conv2d / nn.Conv3d: weight [out, in, k...], bias [out]. */
export class Conv extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernel: number[];

  constructor(
    readonly dims: SpatialDims,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: number | number[],
    readonly options: ConvLayerOptions = {},
  ) {
    super();
    if (!(inChannels > 0 && outChannels > 0)) throw new Error(`Conv${dims}d: channel counts must be positive, got in=${inChannels} out=${outChannels}`);
    this.kernel = tuple(kernel, dims, 'kernel');
    const shape = [outChannels, inChannels, ...this.kernel];
    this.weight = this.param('weight', defaultWeight(shape, options));
    this.bias = options.bias === false ? null : this.param('bias', defaultBias(outChannels, shape, options));
  }

  override resetParameters(): void {
    const shape = [...this.weight.shape];
    reinit(this.weight, () => defaultWeight(shape, this.options));
    if (this.bias) reinit(this.bias, () => defaultBias(this.outChannels, shape, this.options));
  }

  forward(x: Tensor): Tensor {
    const o = { stride: this.options.stride, padding: this.options.padding, dilation: this.options.dilation };
    if (x.rank !== this.dims + 2 || x.shape[1] !== this.inChannels) {
      throw new Error(`Conv${this.dims}d(${this.inChannels}->${this.outChannels}): input must be [N, ${this.inChannels}, ${this.dims === 2 ? 'H, W' : 'D, H, W'}], got ${formatShape(x.shape)}`);
    }
    return this.dims === 2 ? conv2d(x, this.weight, this.bias, o) : conv3d(x, this.weight, this.bias, o);
  }
}

/** nn.Linear: weight [out, in], bias [out]; input [N, in]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly options: InitTarget & { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', defaultWeight([outFeatures, inFeatures], options));
    this.bias = options.bias === false ? null : this.param('bias', defaultBias(outFeatures, [outFeatures, inFeatures], options));
  }

  override resetParameters(): void {
    reinit(this.weight, () => defaultWeight([this.outFeatures, this.inFeatures], this.options));
    if (this.bias) reinit(this.bias, () => defaultBias(this.outFeatures, [this.outFeatures, this.inFeatures], this.options));
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) throw new Error(`Linear(${this.inFeatures}->${this.outFeatures}): input must be [N, ${this.inFeatures}], got ${formatShape(x.shape)}`);
    const y = matmul(x, transpose(this.weight));
    return this.bias ? add(y, reshape(this.bias, [1, this.outFeatures])) : y;
  }
}

export interface BatchNormLayerOptions extends InitTarget {
  momentum?: number;
  eps?: number;
  affine?: boolean;
}

/** nn.BatchNorm1d/2d/3d: weight/bias [C] (affine), buffers running_mean/running_var [C]. */
export class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(readonly channels: number, readonly options: BatchNormLayerOptions = {}) {
    super();
    const affine = options.affine ?? true;
    this.weight = affine ? this.param('weight', full([channels], 1, options)) : null;
    this.bias = affine ? this.param('bias', zeros([channels], options)) : null;
    this.runningMean = this.buffer('running_mean', zeros([channels], options));
    this.runningVar = this.buffer('running_var', full([channels], 1, options));
  }

  override resetParameters(): void {
    if (this.weight) reinit(this.weight, () => full([this.channels], 1, this.options));
    if (this.bias) reinit(this.bias, () => zeros([this.channels], this.options));
    reinit(this.runningMean, () => zeros([this.channels], this.options));
    reinit(this.runningVar, () => full([this.channels], 1, this.options));
  }

  forward(x: Tensor): Tensor {
    return batchNorm(x, {
      training: this.training, weight: this.weight, bias: this.bias, runningMean: this.runningMean, runningVar: this.runningVar,
      momentum: this.options.momentum ?? 0.1, eps: this.options.eps ?? 1e-5,
    });
  }
}

/** nn.InstanceNorm2d/3d with PyTorch's defaults (affine=False, no running statistics). */
export class InstanceNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(readonly channels: number, readonly options: InitTarget & { affine?: boolean; eps?: number } = {}) {
    super();
    this.weight = options.affine ? this.param('weight', full([channels], 1, options)) : null;
    this.bias = options.affine ? this.param('bias', zeros([channels], options)) : null;
  }

  override resetParameters(): void {
    if (this.weight) reinit(this.weight, () => full([this.channels], 1, this.options));
    if (this.bias) reinit(this.bias, () => zeros([this.channels], this.options));
  }

  forward(x: Tensor): Tensor {
    return instanceNorm(x, { weight: this.weight, bias: this.bias, eps: this.options.eps ?? 1e-5 });
  }
}

/** nn.Dropout (elements) or nn.Dropout2d/3d (channel = true): active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p: number, readonly channel = false) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return this.channel ? channelDropout(x, this.p) : dropout(x, this.p);
  }
}
