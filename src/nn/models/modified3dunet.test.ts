/**
 * Modified3DUNet and its attention gate (INVENTORY §b.4): parameter counts worked out by hand from
 * the architecture, ivadomed's parameter names, shared norm_lrelu_conv weights, output shapes,
 * gradient flow, the attention gate against a hand-computed value, FiLM hook indices/channels,
 * the multiple-of-16 check, and the same forward on CPU and WebGPU.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { manualSeed, memory, mul, reshape, scope, setBackend, sum, tensor, type Tensor } from '../../engine/index';
import { full } from '../../engine/index';
import { Module, type StateDict } from '../module';
import { GridAttentionBlockND } from './attention';
import { Modified3DUNet, modifiedFinalActivation } from './modified3dunet';
import type { ConditioningLayer } from './unet';

/** Parameter count of Modified3DUNet, term by term (k = 27 values per 3x3x3 kernel, all convs bias-free). */
function m3dParams(F: number, inC: number, n: number, attention: boolean): number {
  const k = 27;
  let p = inC * F * k + F * F * k + F * F * k; // conv3d_c1_1, conv3d_c1_2, lrelu_conv_c1
  for (const c of [F, 2 * F, 4 * F, 8 * F]) p += c * 2 * c * k + 2 * c * 2 * c * k; // conv3d_cX (stride 2) + norm_lrelu_conv_cX (counted once)
  p += 16 * F * 8 * F * k; // norm_lrelu_upscale_conv_norm_lrelu_l0
  p += 8 * F * 8 * F; // conv3d_l0 (1x1x1)
  p += 16 * F * 16 * F * k + 16 * F * 8 * F + 8 * F * 4 * F * k; // l1: conv_norm_lrelu, 1x1, upscale
  p += 8 * F * 8 * F * k + 8 * F * 4 * F + 4 * F * 2 * F * k; // l2
  p += 4 * F * 4 * F * k + 4 * F * 2 * F + 2 * F * F * k; // l3
  p += 2 * F * 2 * F * k + 2 * F * n; // l4: conv_norm_lrelu, conv3d_l4
  p += 8 * F * n + 4 * F * n; // ds2_1x1, ds3_1x1
  if (attention) {
    p += 16 * F * 8 * F + 8 * F + 2 * 8 * F; // gating: conv 1x1 with bias, BatchNorm
    for (const c of [2 * F, 4 * F, 8 * F]) {
      // W (conv 1x1 + bias, BN) + theta (k2, no bias) + phi (8F -> c, bias) + psi (c -> 1, bias)
      p += c * c + c + 2 * c + c * c * 8 + (8 * F * c + c) + (c + 1);
    }
  }
  return p;
}

function volume(n: number, c: number, s: number[], f: (i: number) => number): Tensor {
  const size = n * c * s.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: size }, (_, i) => f(i)), [n, c, ...s]).keep();
}

describe('Modified3DUNet structure', () => {
  it('parameter counts match the hand-worked formula (F = 2, 4; with and without attention)', () => {
    setBackend('cpu');
    // Hand-checked anchor: F=2, in 1, out 1, no attention.
    expect(m3dParams(2, 1, 1, false)).toBe(
      54 + 108 + 108 + (216 + 432) + (864 + 1728) + (3456 + 6912) + (13824 + 27648) + 13824 + 256 + (27648 + 512 + 3456) +
        (6912 + 128 + 864) + (1728 + 32 + 216) + (432 + 4) + 16 + 8,
    );
    for (const [F, attention, out] of [[2, false, 1], [2, true, 3], [4, false, 3], [4, true, 1]] as const) {
      const m = new Modified3DUNet({ inChannel: 1, outChannel: out, nFilters: F, attention });
      expect(m.numParameters(), `F=${F} attention=${attention} out=${out}`).toBe(m3dParams(F, 1, out, attention));
      m.dispose();
    }
  });

  it('uses ivadomed parameter names; the twice-applied norm_lrelu_conv weights appear once', () => {
    setBackend('cpu');
    const m = new Modified3DUNet({ inChannel: 2, outChannel: 1, nFilters: 2, attention: true });
    const names = m.namedParameters().map(([n]) => n);
    expect(names[0]).toBe('conv3d_c1_1.weight');
    expect(names).toContain('lrelu_conv_c1.1.weight');
    expect(names).toContain('norm_lrelu_upscale_conv_norm_lrelu_l0.3.weight');
    expect(names).toContain('conv_norm_lrelu_l1.0.weight');
    expect(names).toContain('gating.conv1.0.bias');
    expect(names).toContain('attentionblock3.W.1.weight');
    expect(names).toContain('attentionblock4.theta.weight');
    expect(names).not.toContain('attentionblock4.theta.bias');
    expect(names[names.length - 1]).toBe('ds3_1x1_conv3d.weight');
    for (const level of [2, 3, 4, 5]) {
      expect(names.filter((n) => n.startsWith(`norm_lrelu_conv_c${level}.`))).toEqual([`norm_lrelu_conv_c${level}.2.weight`]);
    }
    // Only the bias-free convolutions' weights outside the attention part: no '.bias' there.
    expect(names.filter((n) => n.endsWith('.bias') && !/^(gating|attentionblock)/.test(n))).toEqual([]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual([
      'gating.conv1.1.running_mean', 'gating.conv1.1.running_var',
      'attentionblock2.W.1.running_mean', 'attentionblock2.W.1.running_var',
      'attentionblock3.W.1.running_mean', 'attentionblock3.W.1.running_var',
      'attentionblock4.W.1.running_mean', 'attentionblock4.W.1.running_var',
    ]);
    m.dispose();
    const plain = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 2 });
    expect(plain.namedBuffers()).toEqual([]);
    plain.dispose();
  });

  it('attention convs use Kaiming normal (fan_in), attention BatchNorm weights N(1, 0.02)', async () => {
    setBackend('cpu');
    manualSeed(4);
    const m = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 4, attention: true });
    const stats = (v: ArrayLike<number>) => {
      const a = Array.from(v);
      const mu = a.reduce((s, x) => s + x, 0) / a.length;
      return { mu, sd: Math.sqrt(a.reduce((s, x) => s + (x - mu) ** 2, 0) / a.length) };
    };
    // theta of block 4: [32, 32, 2, 2, 2], fan_in 256 -> std sqrt(2/256).
    const t = stats(await m.attentionblock4!.theta.weight.data());
    expect(Math.abs(t.mu)).toBeLessThan(0.01);
    expect(t.sd / Math.sqrt(2 / 256)).toBeGreaterThan(0.93);
    expect(t.sd / Math.sqrt(2 / 256)).toBeLessThan(1.07);
    const bnw = stats(await m.attentionblock4!.W.bn.weight!.data());
    expect(Math.abs(bnw.mu - 1)).toBeLessThan(0.02);
    expect(bnw.sd).toBeGreaterThan(0.005);
    expect(bnw.sd).toBeLessThan(0.04);
    m.dispose();
  });
});

describe('Modified3DUNet forward', () => {
  it('16^3 input: out 1 -> 1 channel in (0,1); out 3 -> 2 channels (channel 0 dropped), softmax', async () => {
    setBackend('cpu');
    manualSeed(2);
    const x = volume(1, 1, [16, 16, 16], (i) => Math.sin(i * 0.37));
    const m1 = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 2 }).eval();
    const y1 = scope(() => m1.forward(x).keep());
    expect(y1.shape).toEqual([1, 1, 16, 16, 16]);
    const v1 = await y1.data();
    expect(Math.min(...v1)).toBeGreaterThan(0);
    expect(Math.max(...v1)).toBeLessThan(1);
    const m3 = new Modified3DUNet({ inChannel: 1, outChannel: 3, nFilters: 2, attention: true, finalActivation: 'softmax' }).eval();
    const y3 = scope(() => m3.forward(x).keep());
    expect(y3.shape).toEqual([1, 2, 16, 16, 16]);
    const v3 = await y3.data();
    // The two kept softmax channels sum to less than 1 (channel 0 holds the rest).
    for (let i = 0; i < 4096; i += 97) expect(v3[i] + v3[4096 + i]).toBeLessThan(1);
    for (const t of [x, y1, y3]) t.dispose();
    m1.dispose();
    m3.dispose();
  });

  it('rejects spatial sizes that are not multiples of 16, naming the shape', () => {
    setBackend('cpu');
    const m = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 2 });
    const x = tensor(new Float32Array(16 * 16 * 20), [1, 1, 16, 16, 20]);
    expect(() => m.forward(x)).toThrow(/multiple of 16.*\[1, 1, 16, 16, 20\]/);
    expect(() => m.forward(tensor(new Float32Array(16 * 16), [1, 1, 16, 16]))).toThrow(/\[N, 1, D, H, W\]/);
    x.dispose();
    m.dispose();
  });

  it('gradient reaches every parameter (eval mode, attention on); attention maps of the last forward are exposed', async () => {
    setBackend('cpu');
    manualSeed(7);
    const m = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 2, attention: true }).eval();
    // 32 x 16 x 16: the bottom is 2 x 1 x 1. At 16^3 it is a single voxel, which the InstanceNorms
    // there map to 0, so nothing below level 4 would get a gradient (PyTorch refuses to train that).
    const x = volume(1, 1, [32, 16, 16], (i) => Math.cos(i * 0.11) + ((i * 7) % 13) / 13);
    const shapes = scope(() => {
      sum(m.forward(x)).backward();
      const a = m.attentionMaps!;
      return [a.attentionblock2.shape, a.attentionblock3.shape, a.attentionblock4.shape];
    });
    expect(shapes).toEqual([[1, 1, 16, 8, 8], [1, 1, 8, 4, 4], [1, 1, 4, 2, 2]]);
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      const g = await p.grad!.data();
      expect(g.some((e) => e !== 0), `${name} has an all-zero gradient`).toBe(true);
    }
    x.dispose();
    m.dispose();
  });

  it('training mode, batch 2: every gradient non-zero except conv biases right before a batch-statistics BatchNorm', async () => {
    setBackend('cpu');
    manualSeed(8);
    const m = new Modified3DUNet({ inChannel: 1, outChannel: 3, nFilters: 2, attention: true, dropoutRate: 0.1 });
    const x = volume(2, 1, [32, 16, 16], (i) => Math.sin(i * 0.05) * ((i % 5) - 2));
    scope(() => sum(m.forward(x)).backward());
    // BatchNorm in training mode subtracts the batch mean, so the preceding conv bias has zero gradient.
    const cancelled = new Set(['gating.conv1.0.bias', 'attentionblock2.W.0.bias', 'attentionblock3.W.0.bias', 'attentionblock4.W.0.bias']);
    for (const [name, p] of m.namedParameters()) {
      const g = Array.from(await p.grad!.data()).map(Math.abs);
      if (cancelled.has(name)) expect(Math.max(...g), name).toBeLessThan(1e-4);
      else expect(Math.max(...g), `${name} has an all-zero gradient`).toBeGreaterThan(0);
    }
    x.dispose();
    m.dispose();
  });

  it("final 'relu': relu / max over the batch, no per-voxel channel-sum normalisation (unlike the U-Net decoder)", async () => {
    setBackend('cpu');
    const x = tensor([[[[[2]]], [[[-1]]], [[[4]]]]]); // [1, 3, 1, 1, 1]
    expect(Array.from(await modifiedFinalActivation(x, 'relu').data())).toEqual([0, 1]);
    expect(Array.from(await modifiedFinalActivation(tensor([[[[[-3]]]]]), 'relu').data())).toEqual([0]);
    expect(() => new Modified3DUNet({ inChannel: 1, outChannel: 1, finalActivation: 'tanh' })).toThrow(/final_activation 'tanh'/);
  });
});

/** A stand-in FiLM layer: y = x * scale[c]; records the channel count it was built for. */
class ScaleLayer extends Module implements ConditioningLayer {
  readonly scale: Tensor;
  constructor(readonly channels: number) {
    super();
    this.scale = this.param('scale', full([channels], 1.5));
  }
  forward(x: Tensor, context: Tensor): Tensor {
    expect(context.shape[0]).toBe(x.shape[0]);
    return mul(x, reshape(this.scale, [1, this.channels, 1, 1, 1]));
  }
}

describe('Modified3DUNet FiLM hooks', () => {
  it('indices 0..9 with ivadomed channel counts, named film_layer1..10, all applied in forward', async () => {
    setBackend('cpu');
    manualSeed(3);
    const calls: Array<[number, number]> = [];
    const F = 2;
    const m = new Modified3DUNet({
      inChannel: 1, outChannel: 3, nFilters: F,
      conditioning: (index, channels) => {
        calls.push([index, channels]);
        return new ScaleLayer(channels);
      },
    }).eval();
    expect(calls).toEqual([[0, F], [1, 2 * F], [2, 4 * F], [3, 8 * F], [4, 16 * F], [5, 8 * F], [6, 4 * F], [7, 2 * F], [8, F], [9, 3]]);
    const names = m.namedParameters().map(([n]) => n);
    for (let i = 1; i <= 10; i++) expect(names).toContain(`film_layer${i}.scale`);
    // FiLM at the bottom splits the l0 block into norm_lrelu_0 / film_layer5 / upscale_conv_norm_lrelu_0.
    expect(names).toContain('upscale_conv_norm_lrelu_0.1.weight');
    expect(names.some((n) => n.startsWith('norm_lrelu_upscale_conv_norm_lrelu_l0'))).toBe(false);
    expect(m.numParameters()).toBe(m3dParams(F, 1, 3, false) + F * (1 + 2 + 4 + 8 + 16 + 8 + 4 + 2 + 1) + 3);
    const x = volume(1, 1, [32, 16, 16], (i) => Math.sin(i));
    const ctx = tensor([[1, 0]]).keep();
    scope(() => sum(m.forward(x, ctx)).backward());
    for (let i = 1; i <= 10; i++) {
      const g = await m.films[i - 1]!.parameters()[0].grad!.data();
      expect(g.some((e) => e !== 0), `film_layer${i} was not applied`).toBe(true);
    }
    expect(() => m.forward(x)).toThrow(/FiLM layer 0 needs the metadata vector/);
    x.dispose();
    ctx.dispose();
    m.dispose();
  });
});

describe('GridAttentionBlockND', () => {
  it('matches a hand computation on a 1-channel 2x2x2 input', async () => {
    setBackend('cpu');
    const block = new GridAttentionBlockND({ inChannels: 1, gatingChannels: 1, interChannels: 1 }).eval();
    const s = (shape: number[], values: number[]) => ({ shape, data: Float32Array.from(values) });
    const state: StateDict = new Map([
      ['W.0.weight', s([1, 1, 1, 1, 1], [2])], ['W.0.bias', s([1], [0.5])],
      ['W.1.weight', s([1], [3])], ['W.1.bias', s([1], [0.25])],
      ['W.1.running_mean', s([1], [0.1])], ['W.1.running_var', s([1], [4])],
      ['theta.weight', s([1, 1, 2, 2, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])],
      ['phi.weight', s([1, 1, 1, 1, 1], [-0.5])], ['phi.bias', s([1], [0.2])],
      ['psi.weight', s([1, 1, 1, 1, 1], [1.5])], ['psi.bias', s([1], [-0.3])],
    ]);
    block.loadStateDict(state);
    const xs = [1, -2, 0.5, 3, -1, 2, 0, 1];
    const x = tensor(xs, [1, 1, 2, 2, 2]);
    const g = tensor([0.6], [1, 1, 1, 1, 1]);
    const [wy, att] = block.forward(x, g);
    const theta = xs.reduce((acc, v, i) => acc + v * 0.1 * (i + 1), 0);
    const f = Math.max(0, theta + (-0.5 * 0.6 + 0.2));
    const a = 1 / (1 + Math.exp(-(1.5 * f - 0.3)));
    expect(att.shape).toEqual([1, 1, 2, 2, 2]);
    for (const v of await att.data()) expect(v).toBeCloseTo(a, 6);
    const out = await wy.data();
    xs.forEach((v, i) => expect(out[i]).toBeCloseTo(((2 * a * v + 0.5 - 0.1) / Math.sqrt(4 + 1e-5)) * 3 + 0.25, 5));
    block.dispose();
  });
});

describe('Modified3DUNet on WebGPU', async () => {
  const acquired = await testDevice();
  it.skipIf(!acquired)('same weights give the same output and gradients as on CPU (F=2, 16^3, attention); no leaks', async () => {
    setBackend('webgpu', { device: acquired!.device });
    const run = async (backend: 'cpu' | 'webgpu') => {
      setBackend(backend);
      manualSeed(21);
      const m = new Modified3DUNet({ inChannel: 1, outChannel: 3, nFilters: 2, attention: true }).eval();
      const before = memory(backend).liveTensors;
      const x = volume(1, 1, [16, 16, 16], (i) => Math.sin(i * 0.013) + Math.cos(i * 0.7));
      const y = scope(() => {
        const out = m.forward(x);
        sum(out).backward();
        return out;
      });
      const out = Array.from(await y.data());
      const g = Array.from(await m.norm_lrelu_conv_c3.conv.weight.grad!.data());
      const ga = Array.from(await m.attentionblock2!.phi.weight.grad!.data());
      y.dispose();
      x.dispose();
      for (const p of m.parameters()) p.zeroGrad();
      const leaked = memory(backend).liveTensors - before;
      m.dispose();
      return { out, g, ga, leaked };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    setBackend('cpu');
    expect(cpu.leaked).toBe(0);
    expect(gpu.leaked).toBe(0);
    expect(gpu.out.length).toBe(2 * 4096);
    for (let i = 0; i < cpu.out.length; i++) expect(Math.abs(gpu.out[i] - cpu.out[i])).toBeLessThan(1e-4);
    for (const [a, b] of [[cpu.g, gpu.g], [cpu.ga, gpu.ga]]) {
      const scaleG = Math.max(...a.map(Math.abs));
      expect(scaleG).toBeGreaterThan(0);
      for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] - a[i])).toBeLessThan(1e-3 * scaleG + 1e-6);
    }
  });
});
