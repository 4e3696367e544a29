/**
 * ONNX emitters for the U-Net family (src/nn/models/unet.ts, film.ts, hemis.ts): DownConv, UpConv,
 * Encoder, Decoder, the final activation with ivadomed's channel-0 drop, FiLM layers (driven by the
 * graph's 'metadata' input) and the HeMIS fusion (driven by the 'availability' input). Each mirrors
 * the module's forward line by line.
 */
import { FiLMgenerator, FiLMlayer } from '../../nn/models/film';
import { HeMISUnet } from '../../nn/models/hemis';
import { Decoder, DownConv, Encoder, UpConv, type ConditioningLayer, type FinalActivation } from '../../nn/models/unet';
import { int, ints, type Value } from '../builder';
import { unsupportedModule, type EmitContext } from './context';
import * as L from './layers';

export function downConv(ctx: EmitContext, m: DownConv, x: Value): Value {
  let y = L.dropout(ctx, m.conv1_drop, L.norm(ctx, m.conv1_bn, L.relu(ctx, L.conv(ctx, m.conv1, x))));
  y = L.dropout(ctx, m.conv2_drop, L.norm(ctx, m.conv2_bn, L.relu(ctx, L.conv(ctx, m.conv2, y))));
  return y;
}

export function upConv(ctx: EmitContext, m: UpConv, x: Value, skip: Value): Value {
  const up = L.resizeLinearLike(ctx, x, skip);
  return downConv(ctx, m.downconv, L.concat(ctx, [up, skip], 1));
}

/** FiLMgenerator: three Linear + sigmoid; the shared linear1/linear2 weights are the same initializers. */
export function filmGenerator(ctx: EmitContext, m: FiLMgenerator, context: Value): Value {
  const h1 = L.sigmoid(ctx, L.linear(ctx, m.linear1, context));
  const h2 = L.sigmoid(ctx, L.linear(ctx, m.linear2, h1));
  return L.sigmoid(ctx, L.linear(ctx, m.linear3, h2));
}

/** gamma * x + beta with gamma/beta [N, C] broadcast over the spatial axes (engine's film()). */
export function filmLayer(ctx: EmitContext, m: FiLMlayer, x: Value): Value {
  const context = ctx.requireMetadata('FiLMlayer');
  const c = m.nChannels;
  if (x.channels !== c) throw new Error(`ONNX export: FiLMlayer(${c} channels) receives ${x.channels} channels`);
  const params = filmGenerator(ctx, m.generator, context);
  const spatialAxes = ctx.b.int64(Array.from({ length: x.rank - 2 }, (_, i) => i + 2));
  const gamma = ctx.b.node('Unsqueeze', [L.sliceChannels(ctx, params, 0, c).name, spatialAxes]);
  const beta = ctx.b.node('Unsqueeze', [L.sliceChannels(ctx, params, c, 2 * c).name, spatialAxes]);
  const name = ctx.b.node('Add', [ctx.b.node('Mul', [x.name, gamma]), beta]);
  return { ...x, name };
}

/** A conditioning hook (FiLM) or null; any other layer type cannot be exported. */
export function conditioning(ctx: EmitContext, m: ConditioningLayer | null, x: Value, where: string): Value {
  if (!m) return x;
  if (m instanceof FiLMlayer) return filmLayer(ctx, m, x);
  throw unsupportedModule(m, where);
}

/** Returns [skip_0, ..., skip_{depth-1}, bottom], as Encoder.forward. */
export function encoder(ctx: EmitContext, m: Encoder, x: Value): Value[] {
  const features: Value[] = [];
  let y = x;
  for (let i = 0; i < m.depth; i++) {
    const block = m.down_path.at(3 * i);
    if (!(block instanceof DownConv)) throw unsupportedModule(block ?? m, `down_path.${3 * i}`);
    y = downConv(ctx, block, y);
    y = conditioning(ctx, m.down_path.at(3 * i + 1) as ConditioningLayer | null, y, `down_path.${3 * i + 1}`);
    features.push(y);
    y = L.maxPool(ctx, y, 2);
  }
  y = downConv(ctx, m.conv_bottom, y);
  y = conditioning(ctx, m.film_bottom, y, 'film_bottom');
  features.push(y);
  return features;
}

export function decoder(ctx: EmitContext, m: Decoder, features: Value[]): Value {
  let x = features[features.length - 1];
  for (let level = m.depth - 1, k = 0; level >= 0; level--, k++) {
    const up = m.up_path.at(2 * k);
    if (!(up instanceof UpConv)) throw unsupportedModule(up ?? m, `up_path.${2 * k}`);
    x = upConv(ctx, up, x, features[level]);
    x = conditioning(ctx, m.up_path.at(2 * k + 1) as ConditioningLayer | null, x, `up_path.${2 * k + 1}`);
  }
  x = L.conv(ctx, m.last_conv, x);
  x = conditioning(ctx, m.last_film, x, 'last_film');
  return finalActivation(ctx, x, m.finalActivation, 'unet');
}

/** max(relu(x)) over the whole tensor (batch included, as the engine), floored at 1e-30. */
function normalizedRelu(ctx: EmitContext, x: Value): Value {
  const b = ctx.b;
  const r = L.relu(ctx, x);
  const peak = b.node('Max', [b.node('ReduceMax', [r.name], { keepdims: int(0) }), b.float32([1e-30], [])]);
  return { ...x, name: b.node('Div', [r.name, peak]) };
}

/**
 * The engine's applyFinalActivation ('unet': relu also renormalises the channels per voxel, 0/0 -> 0)
 * or modifiedFinalActivation ('modified3d': relu only divides by the max), then channel 0 is dropped
 * when there is more than one channel (ivadomed §n.8).
 */
export function finalActivation(ctx: EmitContext, x: Value, activation: FinalActivation, flavour: 'unet' | 'modified3d'): Value {
  const b = ctx.b;
  let p: Value;
  if (activation === 'sigmoid') p = L.sigmoid(ctx, x);
  else if (activation === 'softmax') p = { ...x, name: b.node('Softmax', [x.name], { axis: int(1) }) };
  else if (activation === 'relu') {
    p = normalizedRelu(ctx, x);
    if (flavour === 'unet' && x.channels > 1) {
      const s = b.node('ReduceSum', [p.name, b.int64([1])], { keepdims: int(1) });
      const safe = b.node('Where', [b.node('Equal', [s, b.float32([0], [])]), b.float32([1], []), s]);
      p = { ...p, name: b.node('Div', [p.name, safe]) };
    }
  } else {
    throw new Error(`ONNX export: final activation '${String(activation)}' has no ONNX emitter (sigmoid, softmax, relu)`);
  }
  return x.channels > 1 ? L.sliceChannels(ctx, p, 1, x.channels) : p;
}

/**
 * HeMIS fusion (fuseModalities) with the availability mask [N, K] as a graph input: per level,
 * mean and unbiased variance over the available contrasts (variance 0 with one contrast), concatenated
 * on the channel axis. A sample with no available contrast divides by zero (NaN), where the engine
 * throws; the caller must pass at least one 1 per row.
 */
function hemisFusion(ctx: EmitContext, levelFeatures: Value[], availability: Value): Value {
  const b = ctx.b;
  const rank = levelFeatures[0].rank;
  const trailing = Array.from({ length: rank - 1 }, (_, i) => i + 2); // [K, N, 1, ...]
  const countAxes = Array.from({ length: rank - 2 }, (_, i) => i + 2); // [N, 1, 1, ...]
  const stacked = b.node('Concat', levelFeatures.map((f) => b.node('Unsqueeze', [f.name, b.int64([0])])), { axis: int(0) });
  const mask = b.node('Unsqueeze', [b.node('Transpose', [availability.name], { perm: ints([1, 0]) }), b.int64(trailing)]);
  const count = b.node('Unsqueeze', [b.node('ReduceSum', [availability.name, b.int64([1])], { keepdims: int(1) }), b.int64(countAxes)]);
  const avg = b.node('Div', [b.node('ReduceSum', [b.node('Mul', [stacked, mask]), b.int64([0])], { keepdims: int(0) }), count]);
  const deviation = b.node('Mul', [b.node('Sub', [stacked, avg]), mask]);
  const squares = b.node('Mul', [deviation, deviation]);
  const dof = b.node('Max', [b.node('Sub', [count, b.float32([1], [])]), b.float32([1], [])]);
  const variance = b.node('Div', [b.node('ReduceSum', [squares, b.int64([0])], { keepdims: int(0) }), dof]);
  const c = levelFeatures[0].channels;
  return { name: b.node('Concat', [avg, variance], { axis: int(1) }), channels: 2 * c, rank };
}

/** HeMISUnet: input [N, K, H, W] split per contrast, one encoder each, fusion per level, shared decoder. */
export function hemisUnet(ctx: EmitContext, m: HeMISUnet, x: Value, availability: Value): Value {
  const perContrast = m.contrasts.map((_, i) => L.sliceChannels(ctx, x, i, i + 1));
  const features = m.contrasts.map((c, i) => encoder(ctx, m.encoder(c), perContrast[i]));
  const fused = Array.from({ length: m.depth + 1 }, (_, level) => hemisFusion(ctx, features.map((f) => f[level]), availability));
  return decoder(ctx, m.decoder, fused);
}
