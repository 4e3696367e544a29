/**
 * ONNX emitters for Countception (keypoint heat maps) and the ResNet / DenseNet classifiers,
 * mirroring their forward passes (src/nn/models/countception.ts, resnet.ts, densenet.ts).
 */
import type { ConvBlock, Countception, SimpleBlock } from '../../nn/models/countception';
import { DenseBlock, Transition, type DenseLayer, type DenseNet } from '../../nn/models/densenet';
import type { BasicBlock, ResNet } from '../../nn/models/resnet';
import type { BatchNorm, Conv } from '../../nn/layers';
import { int, type Value } from '../builder';
import { unsupportedModule, type EmitContext } from './context';
import * as L from './layers';

function convBlock(ctx: EmitContext, m: ConvBlock, x: Value): Value {
  return L.leakyRelu(ctx, L.batchNorm(ctx, m.batch_norm, L.conv(ctx, m.conv1, x)), m.slope);
}

function simpleBlock(ctx: EmitContext, m: SimpleBlock, x: Value): Value {
  return L.concat(ctx, [convBlock(ctx, m.conv1, x), convBlock(ctx, m.conv2, x), convBlock(ctx, m.conv3, x)]);
}

export function countception(ctx: EmitContext, m: Countception, x: Value): Value {
  let net = convBlock(ctx, m.conv1, x);
  for (const s of [m.simple1, m.simple2]) net = simpleBlock(ctx, s, net);
  net = convBlock(ctx, m.conv2, net);
  for (const s of [m.simple3, m.simple4, m.simple5, m.simple6]) net = simpleBlock(ctx, s, net);
  for (const c of [m.conv3, m.conv4, m.conv5, m.conv6]) net = convBlock(ctx, c, net);
  return net;
}

/** Softmax over the classes, then drop column 0 (dropBackground). */
function classProbabilities(ctx: EmitContext, logits: Value): Value {
  const p: Value = { ...logits, name: ctx.b.node('Softmax', [logits.name], { axis: int(1) }) };
  return L.sliceChannels(ctx, p, 1, logits.channels);
}

/** adaptiveAvgPool(., 1) then reshape to [N, C]. */
function poolFlatten(ctx: EmitContext, x: Value): Value {
  const pooled = ctx.b.node('GlobalAveragePool', [x.name]);
  return { name: ctx.b.node('Flatten', [pooled], { axis: int(1) }), channels: x.channels, rank: 2 };
}

function basicBlock(ctx: EmitContext, m: BasicBlock, x: Value): Value {
  let out = L.relu(ctx, L.batchNorm(ctx, m.bn1, L.conv(ctx, m.conv1, x)));
  out = L.batchNorm(ctx, m.bn2, L.conv(ctx, m.conv2, out));
  const identity = m.downsample ? L.batchNorm(ctx, m.downsample.at(1) as BatchNorm, L.conv(ctx, m.downsample.at(0) as Conv, x)) : x;
  return L.relu(ctx, L.add(ctx, out, identity));
}

export function resnet(ctx: EmitContext, m: ResNet, x: Value): Value {
  let y = L.relu(ctx, L.batchNorm(ctx, m.bn1, L.conv(ctx, m.conv1, x)));
  y = L.maxPool(ctx, y, 3, 2, 1);
  for (const stage of [m.layer1, m.layer2, m.layer3, m.layer4]) {
    for (const block of stage.items) y = basicBlock(ctx, block!, y);
  }
  return classProbabilities(ctx, L.linear(ctx, m.fc, poolFlatten(ctx, y)));
}

function denseLayer(ctx: EmitContext, m: DenseLayer, inputs: Value[]): Value {
  const x = inputs.length === 1 ? inputs[0] : L.concat(ctx, inputs);
  const bottleneck = L.conv(ctx, m.conv1, L.relu(ctx, L.batchNorm(ctx, m.norm1, x)));
  return L.conv(ctx, m.conv2, L.relu(ctx, L.batchNorm(ctx, m.norm2, bottleneck)));
}

export function densenet(ctx: EmitContext, m: DenseNet, x: Value): Value {
  const f = m.features;
  let y = L.maxPool(ctx, L.relu(ctx, L.batchNorm(ctx, f.norm0, L.conv(ctx, f.conv0, x))), 3, 2, 1);
  for (const stage of f.stages) {
    if (stage instanceof DenseBlock) {
      const features = [y];
      for (const layer of stage.layers) features.push(denseLayer(ctx, layer, features));
      y = L.concat(ctx, features);
    } else if (stage instanceof Transition) {
      y = L.avgPool(ctx, L.conv(ctx, stage.conv, L.relu(ctx, L.batchNorm(ctx, stage.norm, y))), 2, 2);
    } else {
      throw unsupportedModule(stage, 'features');
    }
  }
  y = L.batchNorm(ctx, f.norm5, y);
  return classProbabilities(ctx, L.linear(ctx, m.classifier, poolFlatten(ctx, L.relu(ctx, y))));
}
