/**
 * Attention gates of ivadomed's Modified3DUNet (INVENTORY §b.4, after Oktay et al.'s Attention
 * U-Net): GridAttentionBlockND (the gate itself) and UnetGridGatingSignal3 (the gating signal taken
 * from the bottom of the network). Parameter names follow ivadomed: the Sequentials are children
 * named by their index ("W.0" conv, "W.1" BatchNorm; "conv1.0" conv, "conv1.1" BatchNorm).
 */
import { add, interpolate, mul, relu, sigmoid, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { kaimingNormal, normal } from '../init';
import { BatchNorm, Conv, reinit, type SpatialDims } from '../layers';
import { Module } from '../module';

/** ivadomed's weights_init_kaiming on one conv: weight ~ N(0, sqrt(2 / fan_in)); the bias keeps PyTorch's default. */
function kaimingConv(conv: Conv): void {
  const shape = [...conv.weight.shape];
  reinit(conv.weight, () => kaimingNormal(shape, 0));
}

/** ivadomed's weights_init_kaiming on a BatchNorm: weight ~ N(1, 0.02), bias = 0 (already 0). */
function kaimingBatchNorm(bn: BatchNorm): void {
  reinit(bn.weight!, () => normal([bn.channels], 1, 0.02));
}

/** nn.Sequential(Conv(k1), BatchNorm): the output transform W of the gate. */
class ConvBatchNorm extends Module {
  readonly conv: Conv;
  readonly bn: BatchNorm;

  constructor(dims: SpatialDims, channels: number) {
    super();
    this.conv = this.child('0', new Conv(dims, channels, channels, 1));
    this.bn = this.child('1', new BatchNorm(channels));
  }

  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x));
  }
}

export interface GridAttentionOptions {
  inChannels: number;
  gatingChannels: number;
  /** Default in_channels // 2 (at least 1), as ivadomed. */
  interChannels?: number;
  /** 2 or 3 (default 3). */
  dimension?: SpatialDims;
}

/**
 * GridAttentionBlockND with sub_sample_factor 2:
 *   f = relu(theta(x) + resize(phi(g), size of theta(x), linear, align_corners)),
 *   a = sigmoid(psi(f)) resized to x's size (linear, align_corners), y = a * x; returns [W(y), a].
 * Registration order (W, theta, phi, psi) is ivadomed's, so state-dict order matches.
 */
export class GridAttentionBlockND extends Module {
  readonly W: ConvBatchNorm;
  readonly theta: Conv;
  readonly phi: Conv;
  readonly psi: Conv;
  readonly inChannels: number;
  readonly gatingChannels: number;
  readonly interChannels: number;
  readonly dims: SpatialDims;

  constructor(o: GridAttentionOptions) {
    super();
    this.dims = o.dimension ?? 3;
    this.inChannels = o.inChannels;
    this.gatingChannels = o.gatingChannels;
    this.interChannels = o.interChannels ?? Math.max(1, Math.floor(o.inChannels / 2));
    const d = this.dims;
    this.W = this.child('W', new ConvBatchNorm(d, this.inChannels));
    this.theta = this.child('theta', new Conv(d, this.inChannels, this.interChannels, 2, { stride: 2, bias: false }));
    this.phi = this.child('phi', new Conv(d, this.gatingChannels, this.interChannels, 1));
    this.psi = this.child('psi', new Conv(d, this.interChannels, 1, 1));
    // ivadomed applies weights_init_kaiming recursively to every child (m.apply).
    for (const conv of [this.W.conv, this.theta, this.phi, this.psi]) kaimingConv(conv);
    kaimingBatchNorm(this.W.bn);
  }

  /** Returns [W(a * x), a] with a the attention map [N, 1, spatial of x]. */
  forward(x: Tensor, g: Tensor): [Tensor, Tensor] {
    if (x.shape[0] !== g.shape[0]) {
      throw new Error(`GridAttentionBlockND: x ${formatShape(x.shape)} and gating signal ${formatShape(g.shape)} must have the same batch size`);
    }
    const thetaX = this.theta.forward(x);
    const phiG = interpolate(this.phi.forward(g), { size: thetaX.shape.slice(2), mode: 'linear', alignCorners: true });
    const f = relu(add(thetaX, phiG));
    const att = interpolate(sigmoid(this.psi.forward(f)), { size: x.shape.slice(2), mode: 'linear', alignCorners: true });
    const y = mul(att, x); // [N,1,...] broadcast over channels (expand_as)
    return [this.W.forward(y), att];
  }
}

/** nn.Sequential(Conv3d(k1, bias), BatchNorm3d, ReLU). */
class ConvBatchNormRelu extends Module {
  readonly conv: Conv;
  readonly bn: BatchNorm;

  constructor(inSize: number, outSize: number) {
    super();
    this.conv = this.child('0', new Conv(3, inSize, outSize, 1));
    this.bn = this.child('1', new BatchNorm(outSize));
  }

  forward(x: Tensor): Tensor {
    return relu(this.bn.forward(this.conv.forward(x)));
  }
}

/**
 * UnetGridGatingSignal3(in_size, out_size) with is_batchnorm=True: conv1 = Conv3d 1x1x1 -> BatchNorm3d
 * -> ReLU. Init: ivadomed calls weights_init_kaiming on self.children(), whose only child is the
 * Sequential 'conv1' (class name "Sequential" matches neither Conv nor BatchNorm), so its conv and
 * BatchNorm keep PyTorch's default initialisation. We reproduce that.
 */
export class UnetGridGatingSignal3 extends Module {
  readonly conv1: ConvBatchNormRelu;

  constructor(readonly inSize: number, readonly outSize: number) {
    super();
    this.conv1 = this.child('conv1', new ConvBatchNormRelu(inSize, outSize));
  }

  forward(x: Tensor): Tensor {
    return this.conv1.forward(x);
  }
}
