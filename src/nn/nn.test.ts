/**
 * Module / layers / safetensors / Unet: parameter names and counts worked out from ivadomed's
 * architecture, output shapes, gradient flow to every parameter, train/eval behaviour, state-dict
 * round trips, and the same forward on CPU and WebGPU.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { manualSeed, mean, memory, scope, setBackend, sum, tensor, type Tensor } from '../engine/index';
import { BatchNorm, Conv, Linear, Unet, applyFinalActivation, decodeSafetensors, encodeSafetensors, init } from './index';

function downConvParams(a: number, b: number): number {
  // conv1 (a*b*9 + b) + BN (2b) + conv2 (b*b*9 + b) + BN (2b)
  return 9 * a * b + 9 * b * b + 6 * b;
}

describe('layers', () => {
  it('Conv/Linear use PyTorch default init bounds 1/sqrt(fan_in) and names weight/bias', async () => {
    setBackend('cpu');
    manualSeed(3);
    const conv = new Conv(2, 4, 8, 3);
    expect(conv.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['weight', [8, 4, 3, 3]], ['bias', [8]]]);
    const bound = 1 / Math.sqrt(4 * 9);
    const w = await conv.weight.data();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.9);
    const lin = new Linear(10, 3);
    const y = lin.forward(tensor(Array.from({ length: 20 }, (_, i) => i / 10), [2, 10]));
    const [wl, bl, yd] = [await lin.weight.data(), await lin.bias!.data(), await y.data()];
    let expected = bl[1];
    for (let k = 0; k < 10; k++) expected += wl[10 + k] * ((10 + k) / 10);
    expect(yd[4]).toBeCloseTo(expected, 5);
    conv.dispose();
    lin.dispose();
  });

  it('BatchNorm updates running stats in training mode only, uses them in eval', async () => {
    setBackend('cpu');
    const bn = new BatchNorm(1, { momentum: 0.1 });
    const x = tensor([1, 2, 3, 6], [4, 1]);
    bn.forward(x);
    expect(Array.from(await bn.runningMean.data())[0]).toBeCloseTo(0.1 * 3, 6);
    // unbiased variance of [1,2,3,6] = 14/3
    expect(Array.from(await bn.runningVar.data())[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 5);
    bn.eval();
    const y = await bn.forward(x).data();
    expect(y[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(0.9 + 0.1 * (14 / 3) + 1e-5), 5);
    bn.dispose();
  });

  it('fans and xavier/kaiming bounds follow torch.nn.init', () => {
    expect(init.fans([16, 8, 3, 3])).toEqual({ fanIn: 72, fanOut: 144 });
    expect(init.leakyReluGain(0.01)).toBeCloseTo(Math.sqrt(2 / 1.0001), 10);
  });
});

describe('Unet (ivadomed §b.1)', () => {
  it('depth 3, n_filters 64: ivadomed parameter count and names', () => {
    setBackend('cpu');
    const m = new Unet({ depth: 3, nFilters: 64 });
    const expected =
      downConvParams(1, 64) + downConvParams(64, 128) + downConvParams(128, 256) + downConvParams(256, 256) +
      downConvParams(512, 256) + downConvParams(384, 128) + downConvParams(192, 64) + (64 * 9 + 1);
    expect(expected).toBe(4837249);
    expect(m.numParameters()).toBe(expected);
    const names = m.namedParameters().map(([n]) => n);
    expect(names[0]).toBe('encoder.down_path.0.conv1.weight');
    expect(names).toContain('encoder.down_path.3.conv2_bn.bias');
    expect(names).toContain('encoder.conv_bottom.conv1.weight');
    expect(names).toContain('decoder.up_path.4.downconv.conv2.weight');
    expect(names[names.length - 1]).toBe('decoder.last_conv.bias');
    expect(m.namedBuffers().map(([n]) => n)).toContain('encoder.down_path.0.conv1_bn.running_mean');
    m.dispose();
  });

  it('2D: odd input size keeps its shape; every parameter receives a gradient', async () => {
    setBackend('cpu');
    manualSeed(5);
    const m = new Unet({ depth: 2, nFilters: 4, dropoutRate: 0.3 });
    const x = scope(() => tensor(Array.from({ length: 2 * 13 * 11 }, (_, i) => Math.sin(i)), [2, 1, 13, 11]).keep());
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 1, 13, 11]);
    const v = await y.data();
    expect(Math.min(...v)).toBeGreaterThan(0);
    expect(Math.max(...v)).toBeLessThan(1);
    mean(y).backward();
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      const g = await p.grad!.data();
      expect(g.some((e) => e !== 0), `${name} has an all-zero gradient`).toBe(true);
    }
    y.dispose();
    x.dispose();
    m.dispose();
  });

  it('3D uses InstanceNorm (no buffers) and trilinear up-sampling', () => {
    setBackend('cpu');
    const m = new Unet({ depth: 2, nFilters: 2, is2d: false, outChannel: 3, finalActivation: 'softmax' });
    expect(m.namedBuffers()).toEqual([]);
    const y = scope(() => m.eval().forward(tensor(new Float32Array(9 * 8 * 7), [1, 1, 9, 8, 7])).keep());
    // 3 outputs, channel 0 dropped.
    expect(y.shape).toEqual([1, 2, 9, 8, 7]);
    y.dispose();
    m.dispose();
  });

  it('eval mode is deterministic (no dropout), train mode drops channels', async () => {
    setBackend('cpu');
    manualSeed(9);
    const m = new Unet({ depth: 1, nFilters: 4, dropoutRate: 0.5 });
    const x = tensor(Array.from({ length: 64 }, (_, i) => (i % 7) / 7), [1, 1, 8, 8]).keep();
    m.eval();
    const a = await m.forward(x).data();
    const b = await m.forward(x).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    m.train();
    const c = await m.forward(x).data();
    expect(Array.from(c)).not.toEqual(Array.from(a));
    x.dispose();
    m.dispose();
  });

  it('final activations: softmax drops channel 0; normalised relu divides by the max and by the channel sum', async () => {
    setBackend('cpu');
    const x = tensor([[[[2]], [[-1]], [[4]]]]); // [1, 3, 1, 1]
    const sm = await applyFinalActivation(x, 'softmax').data();
    const z = Math.exp(2) + Math.exp(-1) + Math.exp(4);
    expect(Array.from(sm)).toEqual([expect.closeTo(Math.exp(-1) / z, 6), expect.closeTo(Math.exp(4) / z, 6)]);
    // relu -> [2, 0, 4] / 4 = [0.5, 0, 1]; channel sum 1.5 -> [1/3, 0, 2/3]; drop channel 0.
    const r = await applyFinalActivation(x, 'relu').data();
    expect(Array.from(r)).toEqual([0, expect.closeTo(2 / 3, 6)]);
    const allNeg = await applyFinalActivation(tensor([[[[-2]]]]), 'relu').data();
    expect(Array.from(allNeg)).toEqual([0]);
    expect(() => new Unet({ finalActivation: 'tanh' })).toThrow(/final_activation 'tanh'/);
  });

  it('state dict round-trips through safetensors; wrong weights are refused with names', async () => {
    setBackend('cpu');
    manualSeed(1);
    const a = new Unet({ depth: 2, nFilters: 4 });
    manualSeed(2);
    const b = new Unet({ depth: 2, nFilters: 4 });
    const bytes = encodeSafetensors(await a.stateDict(), { model: 'Unet' });
    const { state, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ model: 'Unet' });
    b.loadStateDict(state);
    const x = tensor(Array.from({ length: 64 }, (_, i) => i / 64), [1, 1, 8, 8]).keep();
    a.eval();
    b.eval();
    expect(Array.from(await b.forward(x).data())).toEqual(Array.from(await a.forward(x).data()));
    const c = new Unet({ depth: 2, nFilters: 8 });
    expect(() => c.loadStateDict(state)).toThrow(/'encoder.down_path.0.conv1.weight' has shape \[4, 1, 3, 3\] in the weights but \[8, 1, 3, 3\]/);
    const d = new Unet({ depth: 3, nFilters: 4 });
    expect(() => d.loadStateDict(state)).toThrow(/missing: .*encoder.down_path.6/);
    expect(() => decodeSafetensors(bytes.subarray(0, 100))).toThrow(/truncated|exceeds/);
    for (const m of [a, b, c, d]) m.dispose();
    x.dispose();
  });
});

describe('Unet on WebGPU', async () => {
  const acquired = await testDevice();
  it.skipIf(!acquired)('same weights, same output and gradients as the CPU backend; no leaked tensors', async () => {
    setBackend('webgpu', { device: acquired!.device });
    const run = async (backend: 'cpu' | 'webgpu') => {
      setBackend(backend);
      manualSeed(11);
      const m = new Unet({ depth: 2, nFilters: 4 });
      const before = memory(backend).liveTensors;
      const x = tensor(Array.from({ length: 2 * 12 * 10 }, (_, i) => Math.cos(i * 0.3)), [2, 1, 12, 10]).keep();
      const y = scope(() => {
        const out = m.forward(x);
        sum(out).backward();
        return out;
      });
      const out = await y.data();
      const g = await m.encoder.conv_bottom.conv1.weight.grad!.data();
      y.dispose();
      x.dispose();
      for (const p of m.parameters()) p.zeroGrad();
      const leaked = memory(backend).liveTensors - before;
      m.dispose();
      return { out: Array.from(out), g: Array.from(g), leaked };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    setBackend('cpu');
    expect(gpu.leaked).toBe(0);
    expect(cpu.leaked).toBe(0);
    for (let i = 0; i < cpu.out.length; i++) expect(gpu.out[i]).toBeCloseTo(cpu.out[i], 4);
    const scaleG = Math.max(...cpu.g.map(Math.abs));
    for (let i = 0; i < cpu.g.length; i++) expect(Math.abs(gpu.g[i] - cpu.g[i])).toBeLessThan(1e-3 * scaleG + 1e-6);
  });
});

// Silence "unused" for helper type imports in some TS configs.
export type { Tensor };
