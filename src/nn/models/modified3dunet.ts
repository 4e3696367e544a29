/**
 * ivadomed's Modified3DUNet (INVENTORY §b.4; from pykao/Modified-3D-UNet-Pytorch, Isensee et al.):
 * a 3D U-Net with residual context blocks, LeakyReLU(0.01), affine-free InstanceNorm3d, bias-free
 * convolutions, nearest x2 up-sampling, deep supervision, optional attention gates and up to 10
 * FiLM layers. Parameter names and registration order are ivadomed's: the helper blocks are
 * nn.Sequential in PyTorch, so their layers are children named by Sequential index (e.g.
 * `norm_lrelu_conv_c2.2.weight` = the Conv3d at index 2 after InstanceNorm (0) and LeakyReLU (1)).
 *
 * Faithful quirks kept on purpose:
 * - norm_lrelu_conv_c2..c5 are each applied twice per level (same module -> shared weights).
 * - skip 1 (context_1) is taken before inorm3d_c1; skips 2..4 after the IN, LeakyReLU and FiLM.
 * - with attention on, inorm3d_l0 is built for 16F channels and also applied to the 8F tensor after
 *   conv3d_l0 (harmless: the InstanceNorm has no parameters).
 * - the gating signal keeps PyTorch's default init (see attention.ts).
 */
import { add, concat, div, leakyRelu, max, maximum, relu, slice, upsampleNearest, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { Conv, Dropout, InstanceNorm } from '../layers';
import { Module } from '../module';
import { GridAttentionBlockND, UnetGridGatingSignal3 } from './attention';
import { applyFinalActivation, type ConditioningFactory, type ConditioningLayer, type FinalActivation } from './unet';

/** LeakyReLU with PyTorch's default slope (nn.LeakyReLU()). */
function lrelu(x: Tensor): Tensor {
  return leakyRelu(x, 0.01);
}

function conv3(a: number, b: number, stride = 1): Conv {
  return new Conv(3, a, b, 3, { stride, padding: 1, bias: false });
}

function conv1(a: number, b: number): Conv {
  return new Conv(3, a, b, 1, { bias: false });
}

/** lrelu_conv: Sequential(LeakyReLU, Conv3d k3). */
class LreluConv extends Module {
  readonly conv: Conv;
  constructor(a: number, b: number) {
    super();
    this.conv = this.child('1', conv3(a, b));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(lrelu(x));
  }
}

/** norm_lrelu_conv: Sequential(InstanceNorm3d, LeakyReLU, Conv3d k3). */
class NormLreluConv extends Module {
  readonly norm: InstanceNorm;
  readonly conv: Conv;
  constructor(a: number, b: number) {
    super();
    this.norm = this.child('0', new InstanceNorm(a));
    this.conv = this.child('2', conv3(a, b));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(lrelu(this.norm.forward(x)));
  }
}

/** conv_norm_lrelu: Sequential(Conv3d k3, InstanceNorm3d, LeakyReLU). */
class ConvNormLrelu extends Module {
  readonly conv: Conv;
  readonly norm: InstanceNorm;
  constructor(a: number, b: number) {
    super();
    this.conv = this.child('0', conv3(a, b));
    this.norm = this.child('1', new InstanceNorm(b));
  }
  forward(x: Tensor): Tensor {
    return lrelu(this.norm.forward(this.conv.forward(x)));
  }
}

/** norm_lrelu_upscale_conv_norm_lrelu: Sequential(IN, LeakyReLU, Upsample x2 nearest, Conv3d k3, IN, LeakyReLU). */
class NormLreluUpscaleConvNormLrelu extends Module {
  readonly norm1: InstanceNorm;
  readonly conv: Conv;
  readonly norm2: InstanceNorm;
  constructor(a: number, b: number) {
    super();
    this.norm1 = this.child('0', new InstanceNorm(a));
    this.conv = this.child('3', conv3(a, b));
    this.norm2 = this.child('4', new InstanceNorm(b));
  }
  forward(x: Tensor): Tensor {
    const up = upsampleNearest(lrelu(this.norm1.forward(x)), 2);
    return lrelu(this.norm2.forward(this.conv.forward(up)));
  }
}

/** norm_lrelu: Sequential(IN, LeakyReLU) (only built when FiLM layer 4 is on). */
class NormLrelu extends Module {
  readonly norm: InstanceNorm;
  constructor(a: number) {
    super();
    this.norm = this.child('0', new InstanceNorm(a));
  }
  forward(x: Tensor): Tensor {
    return lrelu(this.norm.forward(x));
  }
}

/** upscale_conv_norm_lrelu: Sequential(Upsample x2 nearest, Conv3d k3, IN, LeakyReLU) (FiLM layer 4 on). */
class UpscaleConvNormLrelu extends Module {
  readonly conv: Conv;
  readonly norm: InstanceNorm;
  constructor(a: number, b: number) {
    super();
    this.conv = this.child('1', conv3(a, b));
    this.norm = this.child('2', new InstanceNorm(b));
  }
  forward(x: Tensor): Tensor {
    return lrelu(this.norm.forward(this.conv.forward(upsampleNearest(x, 2))));
  }
}

export interface Modified3DUNetOptions {
  inChannel: number;
  outChannel: number;
  /** Base number of filters F (default 16). */
  nFilters?: number;
  /** Attention gates on the skips 2..4 (default false). */
  attention?: boolean;
  /** Dropout3d probability, one module shared by all levels (default 0.3). */
  dropoutRate?: number;
  /** Accepted for config compatibility; InstanceNorm3d without running stats never uses it. */
  bnMomentum?: number;
  finalActivation?: FinalActivation | string;
  /**
   * FiLM layers, indices 0..9: 0..3 after context levels 1..4 (F, 2F, 4F, 8F), 4 at the bottom (16F,
   * between IN+LeakyReLU and the up-scaling), 5 after conv3d_l0 (8F), 6..8 after the up-scaling
   * blocks l1..l3 (4F, 2F, F), 9 after the deep-supervision sum (out_channel). Registered as
   * film_layer{index+1}, ivadomed's names.
   */
  conditioning?: ConditioningFactory;
}

/** Attention maps of the last forward (each [N, 1, spatial of its skip]); null without attention. */
export interface AttentionMaps {
  attentionblock2: Tensor;
  attentionblock3: Tensor;
  attentionblock4: Tensor;
}

export class Modified3DUNet extends Module {
  readonly inChannel: number;
  readonly outChannel: number;
  readonly nFilters: number;
  readonly attention: boolean;
  readonly finalActivation: FinalActivation;
  /**
   * The attention maps computed by the last forward (for visualisation). They are the forward's own
   * tensors: read them inside the same scope, or keep() them; null before the first forward or when
   * attention is off.
   */
  attentionMaps: AttentionMaps | null = null;

  readonly dropout3d: Dropout;
  readonly conv3d_c1_1: Conv;
  readonly conv3d_c1_2: Conv;
  readonly lrelu_conv_c1: LreluConv;
  readonly inorm3d_c1: InstanceNorm;
  readonly conv3d_c2: Conv;
  readonly norm_lrelu_conv_c2: NormLreluConv;
  readonly inorm3d_c2: InstanceNorm;
  readonly conv3d_c3: Conv;
  readonly norm_lrelu_conv_c3: NormLreluConv;
  readonly inorm3d_c3: InstanceNorm;
  readonly conv3d_c4: Conv;
  readonly norm_lrelu_conv_c4: NormLreluConv;
  readonly inorm3d_c4: InstanceNorm;
  readonly conv3d_c5: Conv;
  readonly norm_lrelu_conv_c5: NormLreluConv;
  readonly norm_lrelu_upscale_conv_norm_lrelu_l0: NormLreluUpscaleConvNormLrelu | null = null;
  readonly norm_lrelu_0: NormLrelu | null = null;
  readonly upscale_conv_norm_lrelu_0: UpscaleConvNormLrelu | null = null;
  readonly conv3d_l0: Conv;
  readonly inorm3d_l0: InstanceNorm;
  readonly gating: UnetGridGatingSignal3 | null = null;
  readonly attentionblock2: GridAttentionBlockND | null = null;
  readonly attentionblock3: GridAttentionBlockND | null = null;
  readonly attentionblock4: GridAttentionBlockND | null = null;
  readonly conv_norm_lrelu_l1: ConvNormLrelu;
  readonly conv3d_l1: Conv;
  readonly norm_lrelu_upscale_conv_norm_lrelu_l1: NormLreluUpscaleConvNormLrelu;
  readonly conv_norm_lrelu_l2: ConvNormLrelu;
  readonly conv3d_l2: Conv;
  readonly norm_lrelu_upscale_conv_norm_lrelu_l2: NormLreluUpscaleConvNormLrelu;
  readonly conv_norm_lrelu_l3: ConvNormLrelu;
  readonly conv3d_l3: Conv;
  readonly norm_lrelu_upscale_conv_norm_lrelu_l3: NormLreluUpscaleConvNormLrelu;
  readonly conv_norm_lrelu_l4: ConvNormLrelu;
  readonly conv3d_l4: Conv;
  readonly ds2_1x1_conv3d: Conv;
  readonly ds3_1x1_conv3d: Conv;
  /** FiLM layers by index 0..9 (null where off). */
  readonly films: Array<ConditioningLayer | null>;

  constructor(o: Modified3DUNetOptions) {
    super();
    const F = (this.nFilters = o.nFilters ?? 16);
    this.inChannel = o.inChannel;
    this.outChannel = o.outChannel;
    this.attention = o.attention ?? false;
    if (!(Number.isInteger(F) && F >= 1)) throw new Error(`Modified3DUNet: n_filters must be a positive integer, got ${F}`);
    if (!(Number.isInteger(o.inChannel) && o.inChannel >= 1)) throw new Error(`Modified3DUNet: in_channel must be a positive integer, got ${o.inChannel}`);
    if (!(Number.isInteger(o.outChannel) && o.outChannel >= 1)) throw new Error(`Modified3DUNet: out_channel must be a positive integer, got ${o.outChannel}`);
    const act = o.finalActivation ?? 'sigmoid';
    if (act !== 'sigmoid' && act !== 'softmax' && act !== 'relu') {
      throw new Error(`Modified3DUNet: final_activation '${act}' is not one of sigmoid, softmax, relu`);
    }
    this.finalActivation = act;
    const n = o.outChannel;
    this.films = new Array<ConditioningLayer | null>(10).fill(null);
    // Builds FiLM layer `index` for `channels` and registers it as film_layer{index+1} right away, so
    // the registration order is ivadomed's.
    const film = (index: number, channels: number): void => {
      const layer = o.conditioning?.(index, channels) ?? null;
      if (layer) this.films[index] = this.child(`film_layer${index + 1}`, layer);
    };

    this.dropout3d = this.child('dropout3d', new Dropout(o.dropoutRate ?? 0.3, true));
    // Level 1 context pathway
    this.conv3d_c1_1 = this.child('conv3d_c1_1', conv3(o.inChannel, F));
    film(0, F);
    this.conv3d_c1_2 = this.child('conv3d_c1_2', conv3(F, F));
    this.lrelu_conv_c1 = this.child('lrelu_conv_c1', new LreluConv(F, F));
    this.inorm3d_c1 = this.child('inorm3d_c1', new InstanceNorm(F));
    // Levels 2..4
    this.conv3d_c2 = this.child('conv3d_c2', conv3(F, 2 * F, 2));
    film(1, 2 * F);
    this.norm_lrelu_conv_c2 = this.child('norm_lrelu_conv_c2', new NormLreluConv(2 * F, 2 * F));
    this.inorm3d_c2 = this.child('inorm3d_c2', new InstanceNorm(2 * F));
    this.conv3d_c3 = this.child('conv3d_c3', conv3(2 * F, 4 * F, 2));
    film(2, 4 * F);
    this.norm_lrelu_conv_c3 = this.child('norm_lrelu_conv_c3', new NormLreluConv(4 * F, 4 * F));
    this.inorm3d_c3 = this.child('inorm3d_c3', new InstanceNorm(4 * F));
    this.conv3d_c4 = this.child('conv3d_c4', conv3(4 * F, 8 * F, 2));
    film(3, 8 * F);
    this.norm_lrelu_conv_c4 = this.child('norm_lrelu_conv_c4', new NormLreluConv(8 * F, 8 * F));
    this.inorm3d_c4 = this.child('inorm3d_c4', new InstanceNorm(8 * F));
    // Level 5 context pathway, level 0 localization pathway
    this.conv3d_c5 = this.child('conv3d_c5', conv3(8 * F, 16 * F, 2));
    this.norm_lrelu_conv_c5 = this.child('norm_lrelu_conv_c5', new NormLreluConv(16 * F, 16 * F));
    const bottomFilm = o.conditioning?.(4, 16 * F) ?? null;
    if (bottomFilm) {
      this.norm_lrelu_0 = this.child('norm_lrelu_0', new NormLrelu(16 * F));
      this.films[4] = this.child('film_layer5', bottomFilm);
      this.upscale_conv_norm_lrelu_0 = this.child('upscale_conv_norm_lrelu_0', new UpscaleConvNormLrelu(16 * F, 8 * F));
    } else {
      this.norm_lrelu_upscale_conv_norm_lrelu_l0 = this.child('norm_lrelu_upscale_conv_norm_lrelu_l0', new NormLreluUpscaleConvNormLrelu(16 * F, 8 * F));
    }
    this.conv3d_l0 = this.child('conv3d_l0', conv1(8 * F, 8 * F));
    film(5, 8 * F);
    // ivadomed re-assigns inorm3d_l0 (16F) when attention is on; the attribute keeps its place.
    this.inorm3d_l0 = this.child('inorm3d_l0', new InstanceNorm(this.attention ? 16 * F : 8 * F));
    if (this.attention) {
      this.gating = this.child('gating', new UnetGridGatingSignal3(16 * F, 8 * F));
      this.attentionblock2 = this.child('attentionblock2', new GridAttentionBlockND({ inChannels: 2 * F, gatingChannels: 8 * F, interChannels: 2 * F }));
      this.attentionblock3 = this.child('attentionblock3', new GridAttentionBlockND({ inChannels: 4 * F, gatingChannels: 8 * F, interChannels: 4 * F }));
      this.attentionblock4 = this.child('attentionblock4', new GridAttentionBlockND({ inChannels: 8 * F, gatingChannels: 8 * F, interChannels: 8 * F }));
    }
    // Localization pathway
    this.conv_norm_lrelu_l1 = this.child('conv_norm_lrelu_l1', new ConvNormLrelu(16 * F, 16 * F));
    this.conv3d_l1 = this.child('conv3d_l1', conv1(16 * F, 8 * F));
    film(6, 4 * F);
    this.norm_lrelu_upscale_conv_norm_lrelu_l1 = this.child('norm_lrelu_upscale_conv_norm_lrelu_l1', new NormLreluUpscaleConvNormLrelu(8 * F, 4 * F));
    this.conv_norm_lrelu_l2 = this.child('conv_norm_lrelu_l2', new ConvNormLrelu(8 * F, 8 * F));
    this.conv3d_l2 = this.child('conv3d_l2', conv1(8 * F, 4 * F));
    film(7, 2 * F);
    this.norm_lrelu_upscale_conv_norm_lrelu_l2 = this.child('norm_lrelu_upscale_conv_norm_lrelu_l2', new NormLreluUpscaleConvNormLrelu(4 * F, 2 * F));
    this.conv_norm_lrelu_l3 = this.child('conv_norm_lrelu_l3', new ConvNormLrelu(4 * F, 4 * F));
    this.conv3d_l3 = this.child('conv3d_l3', conv1(4 * F, 2 * F));
    film(8, F);
    this.norm_lrelu_upscale_conv_norm_lrelu_l3 = this.child('norm_lrelu_upscale_conv_norm_lrelu_l3', new NormLreluUpscaleConvNormLrelu(2 * F, F));
    this.conv_norm_lrelu_l4 = this.child('conv_norm_lrelu_l4', new ConvNormLrelu(2 * F, 2 * F));
    this.conv3d_l4 = this.child('conv3d_l4', conv1(2 * F, n));
    // Deep supervision
    this.ds2_1x1_conv3d = this.child('ds2_1x1_conv3d', conv1(8 * F, n));
    this.ds3_1x1_conv3d = this.child('ds3_1x1_conv3d', conv1(4 * F, n));
    film(9, n);
  }

  private applyFilm(index: number, x: Tensor, context: Tensor | undefined): Tensor {
    const layer = this.films[index];
    if (!layer) return x;
    if (!context) throw new Error(`Modified3DUNet: FiLM layer ${index} needs the metadata vector (context) for every sample; none was given`);
    return layer.forward(x, context);
  }

  /** One residual context level: stride-2 conv, norm_lrelu_conv twice (shared weights) with dropout between, IN, LeakyReLU. */
  private contextLevel(x: Tensor, down: Conv, block: NormLreluConv, norm: InstanceNorm): Tensor {
    const residual = down.forward(x);
    let out = block.forward(residual);
    out = this.dropout3d.forward(out);
    out = block.forward(out);
    out = add(out, residual);
    return lrelu(norm.forward(out));
  }

  forward(x: Tensor, context?: Tensor): Tensor {
    if (x.rank !== 5 || x.shape[1] !== this.inChannel) {
      throw new Error(`Modified3DUNet: input must be [N, ${this.inChannel}, D, H, W], got ${formatShape(x.shape)}`);
    }
    if (x.shape.slice(2).some((s) => s % 16 !== 0)) {
      throw new Error(
        `Modified3DUNet: every spatial size must be a multiple of 16 (4 stride-2 convolutions, then x2 up-sampling back), got input ${formatShape(x.shape)}; ` +
          'use a length_3D (and stride_3D) made of multiples of 16',
      );
    }
    // Level 1 context pathway
    const residual1 = this.conv3d_c1_1.forward(x);
    let out = this.conv3d_c1_2.forward(lrelu(residual1));
    out = this.dropout3d.forward(out);
    out = this.lrelu_conv_c1.forward(out);
    out = lrelu(add(out, residual1));
    const context1 = out; // skip 1 is taken before the InstanceNorm
    out = lrelu(this.inorm3d_c1.forward(out));
    out = this.applyFilm(0, out, context);
    // Levels 2..4 (skips after the FiLM layer)
    out = this.applyFilm(1, this.contextLevel(out, this.conv3d_c2, this.norm_lrelu_conv_c2, this.inorm3d_c2), context);
    let context2 = out;
    out = this.applyFilm(2, this.contextLevel(out, this.conv3d_c3, this.norm_lrelu_conv_c3, this.inorm3d_c3), context);
    let context3 = out;
    out = this.applyFilm(3, this.contextLevel(out, this.conv3d_c4, this.norm_lrelu_conv_c4, this.inorm3d_c4), context);
    let context4 = out;
    // Level 5 (no IN/LeakyReLU after the residual sum unless attention is on)
    const residual5 = this.conv3d_c5.forward(out);
    out = this.norm_lrelu_conv_c5.forward(residual5);
    out = this.dropout3d.forward(out);
    out = this.norm_lrelu_conv_c5.forward(out);
    out = add(out, residual5);

    if (this.gating && this.attentionblock2 && this.attentionblock3 && this.attentionblock4) {
      out = lrelu(this.inorm3d_l0.forward(out));
      const gating = this.gating.forward(out);
      let att4: Tensor, att3: Tensor, att2: Tensor;
      [context4, att4] = this.attentionblock4.forward(context4, gating);
      [context3, att3] = this.attentionblock3.forward(context3, gating);
      [context2, att2] = this.attentionblock2.forward(context2, gating);
      this.attentionMaps = { attentionblock2: att2, attentionblock3: att3, attentionblock4: att4 };
    }

    if (this.norm_lrelu_0 && this.upscale_conv_norm_lrelu_0) {
      out = this.applyFilm(4, this.norm_lrelu_0.forward(out), context);
      out = this.upscale_conv_norm_lrelu_0.forward(out);
    } else {
      out = this.norm_lrelu_upscale_conv_norm_lrelu_l0!.forward(out);
    }
    out = lrelu(this.inorm3d_l0.forward(this.conv3d_l0.forward(out)));
    out = this.applyFilm(5, out, context);

    // Level 1 localization pathway
    out = this.conv_norm_lrelu_l1.forward(concat([out, context4], 1));
    out = this.norm_lrelu_upscale_conv_norm_lrelu_l1.forward(this.conv3d_l1.forward(out));
    out = this.applyFilm(6, out, context);
    // Level 2
    out = this.conv_norm_lrelu_l2.forward(concat([out, context3], 1));
    const ds2 = out;
    out = this.norm_lrelu_upscale_conv_norm_lrelu_l2.forward(this.conv3d_l2.forward(out));
    out = this.applyFilm(7, out, context);
    // Level 3
    out = this.conv_norm_lrelu_l3.forward(concat([out, context2], 1));
    const ds3 = out;
    out = this.norm_lrelu_upscale_conv_norm_lrelu_l3.forward(this.conv3d_l3.forward(out));
    out = this.applyFilm(8, out, context);
    // Level 4 (note the skip comes first here)
    out = this.conv_norm_lrelu_l4.forward(concat([context1, out], 1));
    const outPred = this.conv3d_l4.forward(out);

    // Deep supervision: upsample(upsample(ds2_1x1(ds2)) + ds3_1x1(ds3))
    const ds = upsampleNearest(add(upsampleNearest(this.ds2_1x1_conv3d.forward(ds2), 2), this.ds3_1x1_conv3d.forward(ds3)), 2);
    out = this.applyFilm(9, add(outPred, ds), context);
    return modifiedFinalActivation(out, this.finalActivation);
  }
}

/**
 * Modified3DUNet's final activation. sigmoid and softmax as the U-Net (applyFinalActivation). Its
 * "relu" differs from the U-Net decoder's: relu(x) / max(relu(x)) over the whole batch (left as is when
 * the max is 0), with no per-voxel channel-sum normalisation. Channel 0 is dropped when out > 1.
 */
export function modifiedFinalActivation(x: Tensor, activation: FinalActivation): Tensor {
  if (activation !== 'relu') return applyFinalActivation(x, activation);
  const r = relu(x);
  // max == 0 means r is all zeros, and 0 / 1e-30 = 0: the same as leaving it unnormalised.
  const p = div(r, maximum(max(r), 1e-30));
  return x.shape[1] > 1 ? slice(p, [null, [1, x.shape[1]]]) : p;
}
