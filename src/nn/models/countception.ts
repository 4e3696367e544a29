/**
 * ivadomed's Countception (INVENTORY §b.5; Cohen et al., "Count-ception", 2017): a fully
 * convolutional 2D keypoint heat-map regressor built from inception-like SimpleBlocks. conv1 pads by
 * the patch size (40) and the later valid convolutions shrink the map back, so the output has the
 * input's H and W (H -> H+78 -> H+76 -> H+74 -> H+61 -> ... -> H+17 -> H). No final sigmoid.
 *
 * use_logits is not supported: ivadomed's branch builds ConvBlock(64, ...) although conv5 outputs 32
 * channels, and its forward calls an undefined self._print, so it cannot run there either.
 */
import { concat, leakyRelu, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { leakyReluGain, xavierUniform } from '../init';
import { BatchNorm, Conv, reinit } from '../layers';
import { Module } from '../module';

/** ConvBlock: Conv2d (with bias) -> BatchNorm2d -> LeakyReLU(slope). Names conv1, batch_norm. */
export class ConvBlock extends Module {
  readonly conv1: Conv;
  readonly batch_norm: BatchNorm;

  constructor(inChan: number, outChan: number, ksize: number, pad: number, readonly slope = 0.01) {
    super();
    this.conv1 = this.child('conv1', new Conv(2, inChan, outChan, ksize, { padding: pad }));
    this.batch_norm = this.child('batch_norm', new BatchNorm(outChan));
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(this.batch_norm.forward(this.conv1.forward(x)), this.slope);
  }
}

/**
 * SimpleBlock(in, c1, c3): cat[ConvBlock(k3, p0) -> c1, ConvBlock(k5, p1) -> c3, ConvBlock(k9, p3) -> c3]
 * along channels; each branch shrinks H and W by 2. ivadomed's MaxPool2d(1) is the identity.
 */
export class SimpleBlock extends Module {
  readonly conv1: ConvBlock;
  readonly conv2: ConvBlock;
  readonly conv3: ConvBlock;
  readonly outChannels: number;

  constructor(inChan: number, outChan1x1: number, outChan3x3: number) {
    super();
    this.conv1 = this.child('conv1', new ConvBlock(inChan, outChan1x1, 3, 0));
    this.conv2 = this.child('conv2', new ConvBlock(inChan, outChan3x3, 5, 1));
    this.conv3 = this.child('conv3', new ConvBlock(inChan, outChan3x3, 9, 3));
    this.outChannels = outChan1x1 + 2 * outChan3x3;
  }

  forward(x: Tensor): Tensor {
    return concat([this.conv1.forward(x), this.conv2.forward(x), this.conv3.forward(x)], 1);
  }
}

export interface CountceptionOptions {
  /** Default 3 (ivadomed's default). */
  inChannel?: number;
  /** Default 1. */
  outChannel?: number;
  /** ivadomed's use_logits: not supported (broken in ivadomed); true throws. */
  useLogits?: boolean;
}

/** ivadomed's padding of conv1 (self.patch_size). */
export const COUNTCEPTION_PATCH_SIZE = 40;

export class Countception extends Module {
  readonly inChannel: number;
  readonly outChannel: number;
  readonly conv1: ConvBlock;
  readonly simple1: SimpleBlock;
  readonly simple2: SimpleBlock;
  readonly conv2: ConvBlock;
  readonly simple3: SimpleBlock;
  readonly simple4: SimpleBlock;
  readonly simple5: SimpleBlock;
  readonly simple6: SimpleBlock;
  readonly conv3: ConvBlock;
  readonly conv4: ConvBlock;
  readonly conv5: ConvBlock;
  readonly conv6: ConvBlock;

  constructor(o: CountceptionOptions = {}) {
    super();
    if (o.useLogits) {
      throw new Error(
        'Countception: use_logits is not supported (in ivadomed it builds ConvBlock(64, ...) on a 32-channel map and calls an undefined _print, ' +
          'so it cannot run); remove use_logits from the model parameters',
      );
    }
    this.inChannel = o.inChannel ?? 3;
    this.outChannel = o.outChannel ?? 1;
    this.conv1 = this.child('conv1', new ConvBlock(this.inChannel, 64, 3, COUNTCEPTION_PATCH_SIZE));
    this.simple1 = this.child('simple1', new SimpleBlock(64, 16, 16));
    this.simple2 = this.child('simple2', new SimpleBlock(48, 16, 32));
    this.conv2 = this.child('conv2', new ConvBlock(80, 16, 14, 0));
    this.simple3 = this.child('simple3', new SimpleBlock(16, 112, 48));
    this.simple4 = this.child('simple4', new SimpleBlock(208, 64, 32));
    this.simple5 = this.child('simple5', new SimpleBlock(128, 40, 40));
    this.simple6 = this.child('simple6', new SimpleBlock(120, 32, 96));
    this.conv3 = this.child('conv3', new ConvBlock(224, 32, 20, 0));
    this.conv4 = this.child('conv4', new ConvBlock(32, 64, 10, 0));
    this.conv5 = this.child('conv5', new ConvBlock(64, 32, 9, 0));
    this.conv6 = this.child('conv6', new ConvBlock(32, this.outChannel, 20, 1, 0.3));
    // ivadomed: xavier_uniform_(gain = calculate_gain('leaky_relu', 0.01)) on every conv weight (biases
    // keep PyTorch's default); BatchNorm weight 1, bias 0 (BatchNorm's own default).
    const gain = leakyReluGain(0.01);
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv) {
        const shape = [...m.weight.shape];
        reinit(m.weight, () => xavierUniform(shape, gain));
      }
    }
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inChannel) {
      throw new Error(`Countception: input must be [N, ${this.inChannel}, H, W], got ${formatShape(x.shape)}`);
    }
    let net = this.conv1.forward(x);
    net = this.simple1.forward(net);
    net = this.simple2.forward(net);
    net = this.conv2.forward(net);
    net = this.simple3.forward(net);
    net = this.simple4.forward(net);
    net = this.simple5.forward(net);
    net = this.simple6.forward(net);
    net = this.conv3.forward(net);
    net = this.conv4.forward(net);
    net = this.conv5.forward(net);
    return this.conv6.forward(net);
  }
}
