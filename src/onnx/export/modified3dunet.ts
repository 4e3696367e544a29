/**
 * ONNX emitter for Modified3DUNet (src/nn/models/modified3dunet.ts) and its attention gates
 * (attention.ts). Mirrors Modified3DUNet.forward line by line, quirks included (the norm_lrelu_conv
 * blocks applied twice, skip 1 before the InstanceNorm, inorm3d_l0 reused on the 8F tensor).
 */
import type { Conv, InstanceNorm } from '../../nn/layers';
import type { GridAttentionBlockND, UnetGridGatingSignal3 } from '../../nn/models/attention';
import type { Modified3DUNet } from '../../nn/models/modified3dunet';
import type { Value } from '../builder';
import type { EmitContext } from './context';
import * as L from './layers';
import { conditioning, finalActivation } from './unet';

const lrelu = (ctx: EmitContext, x: Value) => L.leakyRelu(ctx, x, 0.01);

/** The NormLreluConv Sequential: IN -> LeakyReLU -> Conv. */
function normLreluConv(ctx: EmitContext, block: { norm: InstanceNorm; conv: Conv }, x: Value): Value {
  return L.conv(ctx, block.conv, lrelu(ctx, L.instanceNorm(ctx, block.norm, x)));
}

/** ConvNormLrelu: Conv -> IN -> LeakyReLU. */
function convNormLrelu(ctx: EmitContext, block: { conv: Conv; norm: InstanceNorm }, x: Value): Value {
  return lrelu(ctx, L.instanceNorm(ctx, block.norm, L.conv(ctx, block.conv, x)));
}

/** IN -> LeakyReLU -> nearest x2 -> Conv -> IN -> LeakyReLU. */
function normLreluUpscaleConvNormLrelu(ctx: EmitContext, block: { norm1: InstanceNorm; conv: Conv; norm2: InstanceNorm }, x: Value): Value {
  const up = L.upsampleNearest(ctx, lrelu(ctx, L.instanceNorm(ctx, block.norm1, x)), 2);
  return lrelu(ctx, L.instanceNorm(ctx, block.norm2, L.conv(ctx, block.conv, up)));
}

function gatingSignal(ctx: EmitContext, m: UnetGridGatingSignal3, x: Value): Value {
  return L.relu(ctx, L.batchNorm(ctx, m.conv1.bn, L.conv(ctx, m.conv1.conv, x)));
}

/** GridAttentionBlockND: returns W(a * x) (the attention map itself is not a graph output). */
function attentionGate(ctx: EmitContext, m: GridAttentionBlockND, x: Value, g: Value): Value {
  const thetaX = L.conv(ctx, m.theta, x);
  const phiG = L.resizeLinearLike(ctx, L.conv(ctx, m.phi, g), thetaX);
  const f = L.relu(ctx, L.add(ctx, thetaX, phiG));
  const att = L.resizeLinearLike(ctx, L.sigmoid(ctx, L.conv(ctx, m.psi, f)), x);
  const y: Value = { ...x, name: ctx.b.node('Mul', [att.name, x.name]) };
  return L.batchNorm(ctx, m.W.bn, L.conv(ctx, m.W.conv, y));
}

export function modified3dUnet(ctx: EmitContext, m: Modified3DUNet, x: Value): Value {
  const film = (index: number, v: Value) => conditioning(ctx, m.films[index], v, `film_layer${index + 1}`);
  const contextLevel = (v: Value, down: Conv, block: { norm: InstanceNorm; conv: Conv }, norm: InstanceNorm): Value => {
    const residual = L.conv(ctx, down, v);
    let out = normLreluConv(ctx, block, residual);
    out = L.dropout(ctx, m.dropout3d, out);
    out = normLreluConv(ctx, block, out);
    out = L.add(ctx, out, residual);
    return lrelu(ctx, L.instanceNorm(ctx, norm, out));
  };

  const residual1 = L.conv(ctx, m.conv3d_c1_1, x);
  let out = L.conv(ctx, m.conv3d_c1_2, lrelu(ctx, residual1));
  out = L.dropout(ctx, m.dropout3d, out);
  out = L.conv(ctx, m.lrelu_conv_c1.conv, lrelu(ctx, out));
  out = lrelu(ctx, L.add(ctx, out, residual1));
  const context1 = out;
  out = lrelu(ctx, L.instanceNorm(ctx, m.inorm3d_c1, out));
  out = film(0, out);
  out = film(1, contextLevel(out, m.conv3d_c2, m.norm_lrelu_conv_c2, m.inorm3d_c2));
  let context2 = out;
  out = film(2, contextLevel(out, m.conv3d_c3, m.norm_lrelu_conv_c3, m.inorm3d_c3));
  let context3 = out;
  out = film(3, contextLevel(out, m.conv3d_c4, m.norm_lrelu_conv_c4, m.inorm3d_c4));
  let context4 = out;
  const residual5 = L.conv(ctx, m.conv3d_c5, out);
  out = normLreluConv(ctx, m.norm_lrelu_conv_c5, residual5);
  out = L.dropout(ctx, m.dropout3d, out);
  out = normLreluConv(ctx, m.norm_lrelu_conv_c5, out);
  out = L.add(ctx, out, residual5);

  if (m.gating && m.attentionblock2 && m.attentionblock3 && m.attentionblock4) {
    out = lrelu(ctx, L.instanceNorm(ctx, m.inorm3d_l0, out));
    const gating = gatingSignal(ctx, m.gating, out);
    context4 = attentionGate(ctx, m.attentionblock4, context4, gating);
    context3 = attentionGate(ctx, m.attentionblock3, context3, gating);
    context2 = attentionGate(ctx, m.attentionblock2, context2, gating);
  }

  if (m.norm_lrelu_0 && m.upscale_conv_norm_lrelu_0) {
    out = film(4, lrelu(ctx, L.instanceNorm(ctx, m.norm_lrelu_0.norm, out)));
    const u = m.upscale_conv_norm_lrelu_0;
    out = lrelu(ctx, L.instanceNorm(ctx, u.norm, L.conv(ctx, u.conv, L.upsampleNearest(ctx, out, 2))));
  } else {
    out = normLreluUpscaleConvNormLrelu(ctx, m.norm_lrelu_upscale_conv_norm_lrelu_l0!, out);
  }
  out = lrelu(ctx, L.instanceNorm(ctx, m.inorm3d_l0, L.conv(ctx, m.conv3d_l0, out)));
  out = film(5, out);

  out = convNormLrelu(ctx, m.conv_norm_lrelu_l1, L.concat(ctx, [out, context4]));
  out = normLreluUpscaleConvNormLrelu(ctx, m.norm_lrelu_upscale_conv_norm_lrelu_l1, L.conv(ctx, m.conv3d_l1, out));
  out = film(6, out);
  out = convNormLrelu(ctx, m.conv_norm_lrelu_l2, L.concat(ctx, [out, context3]));
  const ds2 = out;
  out = normLreluUpscaleConvNormLrelu(ctx, m.norm_lrelu_upscale_conv_norm_lrelu_l2, L.conv(ctx, m.conv3d_l2, out));
  out = film(7, out);
  out = convNormLrelu(ctx, m.conv_norm_lrelu_l3, L.concat(ctx, [out, context2]));
  const ds3 = out;
  out = normLreluUpscaleConvNormLrelu(ctx, m.norm_lrelu_upscale_conv_norm_lrelu_l3, L.conv(ctx, m.conv3d_l3, out));
  out = film(8, out);
  out = convNormLrelu(ctx, m.conv_norm_lrelu_l4, L.concat(ctx, [context1, out]));
  const outPred = L.conv(ctx, m.conv3d_l4, out);

  const ds2up = L.upsampleNearest(ctx, L.conv(ctx, m.ds2_1x1_conv3d, ds2), 2);
  const ds = L.upsampleNearest(ctx, L.add(ctx, ds2up, L.conv(ctx, m.ds3_1x1_conv3d, ds3)), 2);
  out = film(9, L.add(ctx, outPred, ds));
  return finalActivation(ctx, out, m.finalActivation, 'modified3d');
}
