/**
 * ivadomed's U-Net family building blocks (INVENTORY §b.1) and Unet itself, with ivadomed's
 * parameter names: DownConv (conv -> ReLU -> norm -> dropout, twice), UpConv (resize to the skip's
 * size with align_corners=True, concat, DownConv), Encoder, Decoder, final activation, and the
 * "drop channel 0 when out_channel > 1" rule. 2D uses BatchNorm2d + Dropout2d, 3D InstanceNorm3d +
 * Dropout3d. FiLM and HeMIS reuse Encoder/Decoder through the hooks below.
 */
import {
  concat, div, eq, interpolate, maximum, max, maxPool, relu, sigmoid, slice, softmax, sum, where, type Tensor,
} from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { BatchNorm, Conv, Dropout, InstanceNorm, type SpatialDims } from '../layers';
import { Module, ModuleList } from '../module';

export type FinalActivation = 'sigmoid' | 'softmax' | 'relu';

/** A conditioning layer placed after a block (FiLM); receives the per-sample metadata. */
export interface ConditioningLayer extends Module {
  forward(x: Tensor, context: Tensor): Tensor;
}

/** Builds the conditioning layer for `channels`, or returns null when film_layers[index] is off. */
export type ConditioningFactory = (index: number, channels: number) => ConditioningLayer | null;

export interface BlockOptions {
  dropoutRate?: number;
  bnMomentum?: number;
  is2d?: boolean;
}

function dimsOf(is2d: boolean | undefined): SpatialDims {
  return is2d === false ? 3 : 2;
}

export class DownConv extends Module {
  readonly conv1: Conv;
  readonly conv1_bn: BatchNorm | InstanceNorm;
  readonly conv1_drop: Dropout;
  readonly conv2: Conv;
  readonly conv2_bn: BatchNorm | InstanceNorm;
  readonly conv2_drop: Dropout;

  constructor(inFeat: number, outFeat: number, o: BlockOptions = {}) {
    super();
    const dims = dimsOf(o.is2d);
    const norm = () => (dims === 2 ? new BatchNorm(outFeat, { momentum: o.bnMomentum ?? 0.1 }) : new InstanceNorm(outFeat));
    this.conv1 = this.child('conv1', new Conv(dims, inFeat, outFeat, 3, { padding: 1 }));
    this.conv1_bn = this.child('conv1_bn', norm());
    this.conv1_drop = this.child('conv1_drop', new Dropout(o.dropoutRate ?? 0.3, true));
    this.conv2 = this.child('conv2', new Conv(dims, outFeat, outFeat, 3, { padding: 1 }));
    this.conv2_bn = this.child('conv2_bn', norm());
    this.conv2_drop = this.child('conv2_drop', new Dropout(o.dropoutRate ?? 0.3, true));
  }

  forward(x: Tensor): Tensor {
    let y = this.conv1_drop.forward(this.conv1_bn.forward(relu(this.conv1.forward(x))));
    y = this.conv2_drop.forward(this.conv2_bn.forward(relu(this.conv2.forward(y))));
    return y;
  }
}

export class UpConv extends Module {
  readonly downconv: DownConv;

  constructor(inFeat: number, outFeat: number, o: BlockOptions = {}) {
    super();
    this.downconv = this.child('downconv', new DownConv(inFeat, outFeat, o));
  }

  forward(x: Tensor, skip: Tensor): Tensor {
    const up = interpolate(x, { size: skip.shape.slice(2), mode: 'linear', alignCorners: true });
    return this.downconv.forward(concat([up, skip], 1));
  }
}

export interface EncoderOptions extends BlockOptions {
  inChannel?: number;
  depth?: number;
  nFilters?: number;
  /** FiLM layers: index 0..depth-1 after each level, depth at the bottom. */
  conditioning?: ConditioningFactory;
}

/** Returns [skip_0, ..., skip_{depth-1}, bottom] (skips after FiLM, before pooling). */
export class Encoder extends Module {
  readonly down_path: ModuleList;
  readonly conv_bottom: DownConv;
  readonly film_bottom: ConditioningLayer | null;
  readonly depth: number;
  readonly dims: SpatialDims;

  constructor(o: EncoderOptions = {}) {
    super();
    const depth = (this.depth = o.depth ?? 3);
    const nf = o.nFilters ?? 64;
    this.dims = dimsOf(o.is2d);
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`Unet: depth must be an integer >= 1, got ${depth}`);
    this.down_path = this.child('down_path', new ModuleList());
    for (let i = 0; i < depth; i++) {
      const cin = i === 0 ? (o.inChannel ?? 1) : nf * 2 ** (i - 1);
      const cout = nf * 2 ** i;
      this.down_path.append(new DownConv(cin, cout, o));
      this.down_path.append(o.conditioning?.(i, cout) ?? null);
      this.down_path.append(null); // MaxPool (no parameters), kept for the ModuleList indices.
    }
    const c = nf * 2 ** (depth - 1);
    this.conv_bottom = this.child('conv_bottom', new DownConv(c, c, o));
    const fb = o.conditioning?.(depth, c) ?? null;
    this.film_bottom = fb ? this.child('film_bottom', fb) : null;
  }

  forward(x: Tensor, context?: Tensor): Tensor[] {
    const features: Tensor[] = [];
    let y = x;
    for (let i = 0; i < this.depth; i++) {
      y = (this.down_path.at(3 * i) as DownConv).forward(y);
      const film = this.down_path.at(3 * i + 1) as ConditioningLayer | null;
      if (film) y = film.forward(y, requireContext(context));
      features.push(y);
      y = maxPool(y, { kernel: 2 });
    }
    y = this.conv_bottom.forward(y);
    if (this.film_bottom) y = this.film_bottom.forward(y, requireContext(context));
    features.push(y);
    return features;
  }
}

function requireContext(context: Tensor | undefined): Tensor {
  if (!context) throw new Error('FiLM layer: this model needs the metadata vector (context) for every sample; none was given');
  return context;
}

export interface DecoderOptions extends BlockOptions {
  outChannel?: number;
  depth?: number;
  nFilters?: number;
  finalActivation?: FinalActivation | string;
  /** HeMIS: features are [mean, variance] concatenations, so channel counts double. */
  hemis?: boolean;
  /** FiLM layers: index depth+1..2*depth after each up block, 2*depth+1 after last_conv. */
  conditioning?: ConditioningFactory;
}

export class Decoder extends Module {
  readonly up_path: ModuleList;
  readonly last_conv: Conv;
  readonly last_film: ConditioningLayer | null;
  readonly depth: number;
  readonly outChannel: number;
  readonly finalActivation: FinalActivation;

  constructor(o: DecoderOptions = {}) {
    super();
    const depth = (this.depth = o.depth ?? 3);
    const nf = o.nFilters ?? 64;
    const hemis = o.hemis ? 1 : 0;
    this.outChannel = o.outChannel ?? 1;
    const act = o.finalActivation ?? 'sigmoid';
    if (act !== 'sigmoid' && act !== 'softmax' && act !== 'relu') {
      throw new Error(`Unet: final_activation '${act}' is not one of sigmoid, softmax, relu`);
    }
    this.finalActivation = act;
    const dims = dimsOf(o.is2d);
    this.up_path = this.child('up_path', new ModuleList());
    let inChannel = nf * 2 ** depth;
    this.up_path.append(new UpConv(hemis ? inChannel * 2 : inChannel, nf * 2 ** (depth - 1), o));
    this.up_path.append(o.conditioning?.(depth + 1, nf * 2 ** (depth - 1)) ?? null);
    for (let i = 1; i < depth; i++) {
      inChannel = Math.floor(inChannel / 2);
      const out = nf * 2 ** (depth - i - 1);
      this.up_path.append(new UpConv(inChannel + nf * 2 ** (depth - i - 1 + hemis), out, o));
      this.up_path.append(o.conditioning?.(depth + i + 1, out) ?? null);
    }
    this.last_conv = this.child('last_conv', new Conv(dims, Math.floor(inChannel / 2), this.outChannel, 3, { padding: 1 }));
    const lf = o.conditioning?.(2 * depth + 1, this.outChannel) ?? null;
    this.last_film = lf ? this.child('last_film', lf) : null;
  }

  forward(features: Tensor[], context?: Tensor): Tensor {
    let x = features[features.length - 1];
    for (let level = this.depth - 1, k = 0; level >= 0; level--, k++) {
      x = (this.up_path.at(2 * k) as UpConv).forward(x, features[level]);
      const film = this.up_path.at(2 * k + 1) as ConditioningLayer | null;
      if (film) x = film.forward(x, requireContext(context));
    }
    x = this.last_conv.forward(x);
    if (this.last_film) x = this.last_film.forward(x, requireContext(context));
    return applyFinalActivation(x, this.finalActivation);
  }
}

/**
 * ivadomed's final activation, then drop channel 0 when there is more than one output channel
 * (the model is built with n_targets + 1 outputs, §n.8).
 */
export function applyFinalActivation(x: Tensor, activation: FinalActivation): Tensor {
  let p: Tensor;
  if (activation === 'sigmoid') p = sigmoid(x);
  else if (activation === 'softmax') p = softmax(x, 1);
  else {
    // Normalised ReLU (soft ground truth): relu / max over the whole batch; 0/0 -> 0.
    const r = relu(x);
    p = div(r, maximum(max(r), 1e-30));
    if (x.shape[1] > 1) {
      const s = sum(p, 1, true);
      p = div(p, where(eq(s, 0), 1, s));
    }
  }
  return x.shape[1] > 1 ? slice(p, [null, [1, x.shape[1]]]) : p;
}

export interface UnetOptions extends BlockOptions {
  inChannel?: number;
  outChannel?: number;
  depth?: number;
  nFilters?: number;
  finalActivation?: FinalActivation | string;
}

/** ivadomed's Unet(in_channel, out_channel, depth, dropout_rate, bn_momentum, final_activation, is_2d, n_filters). */
export class Unet extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly inChannel: number;
  readonly is2d: boolean;

  constructor(o: UnetOptions = {}) {
    super();
    this.inChannel = o.inChannel ?? 1;
    this.is2d = o.is2d ?? true;
    this.encoder = this.child('encoder', new Encoder(o));
    this.decoder = this.child('decoder', new Decoder(o));
  }

  forward(x: Tensor): Tensor {
    const rank = this.is2d ? 4 : 5;
    if (x.rank !== rank || x.shape[1] !== this.inChannel) {
      throw new Error(`Unet: input must be [N, ${this.inChannel}, ${this.is2d ? 'H, W' : 'D, H, W'}], got ${formatShape(x.shape)}`);
    }
    return this.decoder.forward(this.encoder.forward(x));
  }
}

