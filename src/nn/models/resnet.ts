/**
 * ivadomed's ResNet classifier (INVENTORY §b.6): torchvision's ResNet with a one-channel stem and
 * ivadomed's output rule softmax(logits, 1)[:, 1:] (the background column is dropped). Parameter
 * names are torchvision's (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc), so state dicts
 * line up with a torch.save'd ivadomed resnet18. Only BasicBlock exists: resnet18 is the only
 * ResNet ivadomed exposes.
 */
import { add, adaptiveAvgPool, maxPool, relu, reshape, slice, softmax, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { kaimingNormalFanOut } from '../init';
import { BatchNorm, Conv, Linear, reinit } from '../layers';
import { Module, ModuleList } from '../module';

/** torchvision's ResNet init: convs kaiming_normal_(fan_out, relu); BN weight 1 / bias 0 is already BatchNorm's own. */
function resnetConv(inC: number, outC: number, kernel: number, stride: number, padding: number): Conv {
  const conv = new Conv(2, inC, outC, kernel, { stride, padding, bias: false });
  const shape = [...conv.weight.shape];
  reinit(conv.weight, () => kaimingNormalFanOut(shape));
  return conv;
}

/**
 * torchvision BasicBlock (expansion 1): conv3x3(stride) -> bn -> relu -> conv3x3 -> bn, plus the
 * identity (or downsample(x) when the shape changes), then relu.
 */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv;
  readonly bn1: BatchNorm;
  readonly conv2: Conv;
  readonly bn2: BatchNorm;
  /** Sequential(conv1x1(stride, no bias), BN): names downsample.0 / downsample.1. */
  readonly downsample: ModuleList<Conv | BatchNorm> | null;

  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = this.child('conv1', resnetConv(inplanes, planes, 3, stride, 1));
    this.bn1 = this.child('bn1', new BatchNorm(planes));
    this.conv2 = this.child('conv2', resnetConv(planes, planes, 3, 1, 1));
    this.bn2 = this.child('bn2', new BatchNorm(planes));
    const expanded = planes * BasicBlock.expansion;
    this.downsample = stride !== 1 || inplanes !== expanded
      ? this.child('downsample', new ModuleList<Conv | BatchNorm>([resnetConv(inplanes, expanded, 1, stride, 0), new BatchNorm(expanded)]))
      : null;
  }

  forward(x: Tensor): Tensor {
    let out = relu(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample
      ? (this.downsample.at(1) as BatchNorm).forward((this.downsample.at(0) as Conv).forward(x))
      : x;
    return relu(add(out, identity));
  }
}

export interface ResNetOptions {
  /** Blocks per stage (layer1..layer4); resnet18 = [2, 2, 2, 2]. */
  layers?: number[];
  /** Output classes before the background column is dropped (ivadomed: 2). */
  numClasses?: number;
  /** Input channels; ivadomed hard-codes 1. */
  inChannel?: number;
}

/** ivadomed.models.ResNet(block=BasicBlock, layers, num_classes=2): input [N, 1, H, W], output [N, numClasses - 1]. */
export class ResNet extends Module {
  readonly conv1: Conv;
  readonly bn1: BatchNorm;
  readonly layer1: ModuleList<BasicBlock>;
  readonly layer2: ModuleList<BasicBlock>;
  readonly layer3: ModuleList<BasicBlock>;
  readonly layer4: ModuleList<BasicBlock>;
  readonly fc: Linear;
  readonly numClasses: number;
  readonly inChannel: number;

  constructor(o: ResNetOptions = {}) {
    super();
    const layers = o.layers ?? [2, 2, 2, 2];
    this.numClasses = o.numClasses ?? 2;
    this.inChannel = o.inChannel ?? 1;
    if (layers.length !== 4 || layers.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`ResNet: layers must be 4 positive integers (blocks per stage), got [${layers.join(', ')}]`);
    }
    if (!Number.isInteger(this.numClasses) || this.numClasses < 2) {
      throw new Error(`ResNet: numClasses must be an integer >= 2 (column 0 is the background and is dropped), got ${this.numClasses}`);
    }
    this.conv1 = this.child('conv1', resnetConv(this.inChannel, 64, 7, 2, 3));
    this.bn1 = this.child('bn1', new BatchNorm(64));
    let inplanes = 64;
    const makeLayer = (planes: number, blocks: number, stride: number): ModuleList<BasicBlock> => {
      const list = new ModuleList<BasicBlock>([new BasicBlock(inplanes, planes, stride)]);
      inplanes = planes * BasicBlock.expansion;
      for (let i = 1; i < blocks; i++) list.append(new BasicBlock(inplanes, planes));
      return list;
    };
    this.layer1 = this.child('layer1', makeLayer(64, layers[0], 1));
    this.layer2 = this.child('layer2', makeLayer(128, layers[1], 2));
    this.layer3 = this.child('layer3', makeLayer(256, layers[2], 2));
    this.layer4 = this.child('layer4', makeLayer(512, layers[3], 2));
    // nn.Linear keeps PyTorch's default init in torchvision's ResNet.
    this.fc = this.child('fc', new Linear(512 * BasicBlock.expansion, this.numClasses));
  }

  /** The fc output before ivadomed's softmax: [N, numClasses]. */
  logits(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inChannel) {
      throw new Error(`ResNet: input must be [N, ${this.inChannel}, H, W], got ${formatShape(x.shape)}`);
    }
    let y = relu(this.bn1.forward(this.conv1.forward(x)));
    y = maxPool(y, { kernel: 3, stride: 2, padding: 1 });
    for (const stage of [this.layer1, this.layer2, this.layer3, this.layer4]) {
      for (const block of stage.items) y = block!.forward(y);
    }
    y = adaptiveAvgPool(y, 1);
    return this.fc.forward(reshape(y, [y.shape[0], y.shape[1]]));
  }

  /** softmax(logits, 1)[:, 1:]: [N, numClasses - 1] probabilities of the non-background classes. */
  forward(x: Tensor): Tensor {
    return dropBackground(softmax(this.logits(x), 1));
  }
}

/** ivadomed's classifiers return preds[:, 1:] (the background probability is dropped). */
export function dropBackground(p: Tensor): Tensor {
  return slice(p, [null, [1, p.shape[1]]]);
}

/** ivadomed's resnet18: BasicBlock, [2, 2, 2, 2], 2 classes, 1 input channel. */
export function resnet18(o: Omit<ResNetOptions, 'layers'> = {}): ResNet {
  return new ResNet({ ...o, layers: [2, 2, 2, 2] });
}
