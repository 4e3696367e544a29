/**
 * ivadomed's DenseNet classifier (INVENTORY §b.6): torchvision's DenseNet-BC (_DenseBlock,
 * _Transition) with a one-channel stem, then relu -> adaptive avg pool -> Linear -> softmax and
 * the background column dropped. Parameter names are torchvision's (features.conv0,
 * features.denseblock1.denselayer1.norm1, features.transition1.conv, features.norm5, classifier).
 */
import { adaptiveAvgPool, avgPool, concat, dropout, maxPool, relu, reshape, softmax, zeros, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { kaimingNormal } from '../init';
import { BatchNorm, Conv, Linear, reinit } from '../layers';
import { Module } from '../module';
import { dropBackground } from './resnet';

/** torchvision's DenseNet init for convs: nn.init.kaiming_normal_(w) = fan_in, gain sqrt(2). */
function denseConv(inC: number, outC: number, kernel: number, stride: number, padding: number): Conv {
  const conv = new Conv(2, inC, outC, kernel, { stride, padding, bias: false });
  const shape = [...conv.weight.shape];
  reinit(conv.weight, () => kaimingNormal(shape, 0));
  return conv;
}

/**
 * torchvision _DenseLayer: cat(inputs) -> norm1 -> relu1 -> conv1 (1x1, bnSize*growth) -> norm2 ->
 * relu2 -> conv2 (3x3, growth), then element dropout (F.dropout) in training when dropRate > 0.
 */
export class DenseLayer extends Module {
  readonly norm1: BatchNorm;
  readonly conv1: Conv;
  readonly norm2: BatchNorm;
  readonly conv2: Conv;

  constructor(inputFeatures: number, growthRate: number, bnSize: number, readonly dropRate: number) {
    super();
    this.norm1 = this.child('norm1', new BatchNorm(inputFeatures));
    this.conv1 = this.child('conv1', denseConv(inputFeatures, bnSize * growthRate, 1, 1, 0));
    this.norm2 = this.child('norm2', new BatchNorm(bnSize * growthRate));
    this.conv2 = this.child('conv2', denseConv(bnSize * growthRate, growthRate, 3, 1, 1));
  }

  forward(inputs: Tensor[]): Tensor {
    const x = inputs.length === 1 ? inputs[0] : concat(inputs, 1);
    const bottleneck = this.conv1.forward(relu(this.norm1.forward(x)));
    const out = this.conv2.forward(relu(this.norm2.forward(bottleneck)));
    return this.training && this.dropRate > 0 ? dropout(out, this.dropRate) : out;
  }
}

/** torchvision _DenseBlock: denselayer1..n, each fed every earlier output; returns their concatenation. */
export class DenseBlock extends Module {
  readonly layers: DenseLayer[] = [];

  constructor(numLayers: number, inputFeatures: number, bnSize: number, growthRate: number, dropRate: number) {
    super();
    for (let i = 0; i < numLayers; i++) {
      this.layers.push(this.child(`denselayer${i + 1}`, new DenseLayer(inputFeatures + i * growthRate, growthRate, bnSize, dropRate)));
    }
  }

  forward(x: Tensor): Tensor {
    const features = [x];
    for (const layer of this.layers) features.push(layer.forward(features));
    return concat(features, 1);
  }
}

/** torchvision _Transition: norm -> relu -> conv 1x1 (no bias) -> avgpool 2 stride 2. */
export class Transition extends Module {
  readonly norm: BatchNorm;
  readonly conv: Conv;

  constructor(inputFeatures: number, outputFeatures: number) {
    super();
    this.norm = this.child('norm', new BatchNorm(inputFeatures));
    this.conv = this.child('conv', denseConv(inputFeatures, outputFeatures, 1, 1, 0));
  }

  forward(x: Tensor): Tensor {
    return avgPool(this.conv.forward(relu(this.norm.forward(x))), { kernel: 2, stride: 2 });
  }
}

/** The nn.Sequential `features`: conv0, norm0, (relu0, pool0), denseblock1, transition1, ..., norm5. */
export class DenseFeatures extends Module {
  readonly conv0: Conv;
  readonly norm0: BatchNorm;
  readonly stages: Array<DenseBlock | Transition> = [];
  readonly norm5: BatchNorm;
  readonly numFeatures: number;

  constructor(inChannel: number, growthRate: number, blockConfig: number[], numInitFeatures: number, bnSize: number, dropRate: number) {
    super();
    this.conv0 = this.child('conv0', denseConv(inChannel, numInitFeatures, 7, 2, 3));
    this.norm0 = this.child('norm0', new BatchNorm(numInitFeatures));
    let n = numInitFeatures;
    blockConfig.forEach((numLayers, i) => {
      this.stages.push(this.child(`denseblock${i + 1}`, new DenseBlock(numLayers, n, bnSize, growthRate, dropRate)));
      n += numLayers * growthRate;
      if (i !== blockConfig.length - 1) {
        this.stages.push(this.child(`transition${i + 1}`, new Transition(n, Math.floor(n / 2))));
        n = Math.floor(n / 2);
      }
    });
    this.norm5 = this.child('norm5', new BatchNorm(n));
    this.numFeatures = n;
  }

  forward(x: Tensor): Tensor {
    let y = maxPool(relu(this.norm0.forward(this.conv0.forward(x))), { kernel: 3, stride: 2, padding: 1 });
    for (const stage of this.stages) {
      if (stage instanceof Transition && (y.shape[2] < 2 || y.shape[3] < 2)) {
        throw new Error(`DenseNet: input ${formatShape(x.shape)} is too small: a transition halves ${y.shape[2]}x${y.shape[3]} features; ` +
          `with ${this.transitions} transitions H and W must be at least ${this.minInputSize()}`);
      }
      y = stage.forward(y);
    }
    return this.norm5.forward(y);
  }

  private get transitions(): number {
    return this.stages.filter((s) => s instanceof Transition).length;
  }

  /** Smallest H (or W) whose features survive every transition: stem (conv s2, maxpool s2) then halvings. */
  minInputSize(): number {
    const need = 2 ** this.transitions;
    let h = 1;
    while (Math.ceil(Math.ceil(h / 2) / 2) < need) h++;
    return h;
  }
}

export interface DenseNetOptions {
  growthRate?: number;
  /** Dense layers per block; densenet121 = [6, 12, 24, 16]. */
  blockConfig?: number[];
  numInitFeatures?: number;
  bnSize?: number;
  /** Element dropout after each dense layer, training only (ivadomed default 0.3). */
  dropoutRate?: number;
  /** Output classes before the background column is dropped (ivadomed: 2). */
  numClasses?: number;
  /** Input channels; ivadomed hard-codes 1. */
  inChannel?: number;
}

/**
 * ivadomed.models.DenseNet(growth_rate=32, block_config=(6,12,24,16), num_init_features=64,
 * bn_size=4, dropout_rate=0.3, num_classes=2): input [N, 1, H, W], output [N, numClasses - 1].
 */
export class DenseNet extends Module {
  readonly features: DenseFeatures;
  readonly classifier: Linear;
  readonly numClasses: number;
  readonly inChannel: number;

  constructor(o: DenseNetOptions = {}) {
    super();
    const growthRate = o.growthRate ?? 32;
    const blockConfig = o.blockConfig ?? [6, 12, 24, 16];
    const numInitFeatures = o.numInitFeatures ?? 64;
    const bnSize = o.bnSize ?? 4;
    const dropRate = o.dropoutRate ?? 0.3;
    this.numClasses = o.numClasses ?? 2;
    this.inChannel = o.inChannel ?? 1;
    for (const [key, v] of [['growthRate', growthRate], ['numInitFeatures', numInitFeatures], ['bnSize', bnSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`DenseNet: ${key} must be a positive integer, got ${v}`);
    }
    if (blockConfig.length === 0 || blockConfig.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`DenseNet: blockConfig must list positive layer counts, got [${blockConfig.join(', ')}]`);
    }
    if (!(dropRate >= 0 && dropRate < 1)) throw new Error(`DenseNet: dropoutRate must be in [0, 1), got ${dropRate}`);
    if (!Number.isInteger(this.numClasses) || this.numClasses < 2) {
      throw new Error(`DenseNet: numClasses must be an integer >= 2 (column 0 is the background and is dropped), got ${this.numClasses}`);
    }
    this.features = this.child('features', new DenseFeatures(this.inChannel, growthRate, blockConfig, numInitFeatures, bnSize, dropRate));
    this.classifier = this.child('classifier', new Linear(this.features.numFeatures, this.numClasses));
    // torchvision: Linear weight keeps PyTorch's default init, bias is set to 0.
    reinit(this.classifier.bias!, () => zeros([this.numClasses]));
  }

  /** The classifier output before ivadomed's softmax: [N, numClasses]. */
  logits(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inChannel) {
      throw new Error(`DenseNet: input must be [N, ${this.inChannel}, H, W], got ${formatShape(x.shape)}`);
    }
    const pooled = adaptiveAvgPool(relu(this.features.forward(x)), 1);
    return this.classifier.forward(reshape(pooled, [pooled.shape[0], pooled.shape[1]]));
  }

  /** softmax(logits, 1)[:, 1:]: [N, numClasses - 1] probabilities of the non-background classes. */
  forward(x: Tensor): Tensor {
    return dropBackground(softmax(this.logits(x), 1));
  }
}

/** ivadomed's densenet121: growth 32, blocks [6, 12, 24, 16], 64 initial features, dropout 0.3, 2 classes. */
export function densenet121(o: Omit<DenseNetOptions, 'growthRate' | 'blockConfig' | 'numInitFeatures'> = {}): DenseNet {
  return new DenseNet({ ...o, growthRate: 32, blockConfig: [6, 12, 24, 16], numInitFeatures: 64 });
}
