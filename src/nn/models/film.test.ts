/**
 * FiLMedUnet (ivadomed §b.2): parameter count worked out by hand, FiLM maths checked against a JS
 * reference, shared generator weights, gradient flow, errors, final activation, equivalence with
 * Unet when no FiLM layer is on, and the same forward on CPU and WebGPU.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { manualSeed, memory, mean, scope, setBackend, sum, tensor, type Tensor } from '../../engine/index';
import { Unet } from './unet';
import { FiLMedUnet, FiLMlayer } from './film';

function downConvParams(a: number, b: number): number {
  return 9 * a * b + 9 * b * b + 6 * b;
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

function input(n: number, h: number, w: number, phase = 0): Tensor {
  return tensor(Array.from({ length: n * h * w }, (_, i) => Math.sin(i * 0.7 + phase)), [n, 1, h, w]).keep();
}

/** One-hot metadata rows. */
function oneHot(rows: number[], n: number): Tensor {
  return tensor(rows.flatMap((r) => Array.from({ length: n }, (_, k) => (k === r ? 1 : 0))), [rows.length, n]).keep();
}

describe('FiLMlayer', () => {
  it('gamma = first C outputs, beta = last C, of a 3-layer sigmoid MLP; broadcast over space', async () => {
    setBackend('cpu');
    manualSeed(4);
    const layer = new FiLMlayer(2, 2);
    expect(layer.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['generator.linear1.weight', [64, 2]], ['generator.linear1.bias', [64]],
      ['generator.linear2.weight', [16, 64]], ['generator.linear2.bias', [16]],
      ['generator.linear3.weight', [4, 16]], ['generator.linear3.bias', [4]],
    ]);
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const ctx = tensor([[0.5, -1]]);
    const y = await layer.forward(x, ctx).data();
    // JS reference of the generator.
    const g = layer.generator;
    const lin = async (l: typeof g.linear1, v: number[]) => {
      const [w, b] = [await l.weight.data(), await l.bias!.data()];
      return Array.from({ length: l.outFeatures }, (_, o) => sig(b[o] + v.reduce((s, vi, i) => s + w[o * l.inFeatures + i] * vi, 0)));
    };
    const p = await lin(g.linear3, await lin(g.linear2, await lin(g.linear1, [0.5, -1])));
    const expected = [1, 2, 3, 4, 5, 6, 7, 8].map((v, i) => p[i < 4 ? 0 : 1] * v + p[i < 4 ? 2 : 3]);
    for (let i = 0; i < 8; i++) expect(y[i]).toBeCloseTo(expected[i], 5);
    expect(() => layer.forward(x, tensor([[1, 0, 0]]))).toThrow(/context \(metadata\) must be \[1, 2\].*got \[1, 3\]/);
    expect(() => layer.forward(tensor(new Float32Array(12), [1, 3, 2, 2]), ctx)).toThrow(/input must be \[N, 2, \.\.\.spatial\], got \[1, 3, 2, 2\]/);
    layer.dispose();
  });
});

describe('FiLMedUnet', () => {
  const filmLayers = [1, 0, 0, 1, 0, 1]; // encoder level 0 (4 ch), first decoder block (8 ch), last conv (1 ch)

  it('parameter count by hand; shared linear1/linear2 weights are one tensor, named once', () => {
    setBackend('cpu');
    const m = new FiLMedUnet({ depth: 2, nFilters: 4, nMetadata: 3, filmLayers });
    const unet = downConvParams(1, 4) + downConvParams(4, 8) + downConvParams(8, 8) + downConvParams(16, 8) + downConvParams(12, 4) + (4 * 9 + 1);
    // First FiLM layer: linear1 3*64+64, linear2 64*16+16, linear3 16*2C+2C (C = 4).
    // Later layers (C = 8, 1) own only their linear1/linear2 biases (64 + 16) and linear3.
    const filmParams = (3 * 64 + 64) + (64 * 16 + 16) + 34 * 4 + (80 + 34 * 8) + (80 + 34 * 1);
    expect(filmParams).toBe(1898);
    expect(m.numParameters()).toBe(unet + filmParams);

    expect(m.films.length).toBe(3);
    const [first, ...later] = m.films;
    for (const f of later) {
      expect(f.generator.linear1.weight).toBe(first.generator.linear1.weight);
      expect(f.generator.linear2.weight).toBe(first.generator.linear2.weight);
      expect(f.generator.linear1.bias).not.toBe(first.generator.linear1.bias);
      expect(f.generator.linear3.weight).not.toBe(first.generator.linear3.weight);
    }
    const names = m.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.endsWith('generator.linear1.weight'))).toEqual(['encoder.down_path.1.generator.linear1.weight']);
    expect(names.filter((n) => n.endsWith('generator.linear2.weight'))).toEqual(['encoder.down_path.1.generator.linear2.weight']);
    expect(names).toContain('decoder.up_path.1.generator.linear1.bias');
    expect(names).toContain('decoder.last_film.generator.linear3.weight');
    expect(names).not.toContain('decoder.up_path.1.generator.linear1.weight');
    m.dispose();
  });

  it('wrong film_layers length, missing n_metadata, missing or mis-shaped context are clear errors', () => {
    setBackend('cpu');
    expect(() => new FiLMedUnet({ depth: 2, nMetadata: 3, filmLayers: [1, 0, 0, 1] })).toThrow(/film_layers has 4 entries but depth 2 needs 2 \* depth \+ 2 = 6/);
    expect(() => new FiLMedUnet({ depth: 2, filmLayers })).toThrow(/n_metadata must be a positive integer/);
    // Only a decoder FiLM layer: the error must still come before any compute.
    const m = new FiLMedUnet({ depth: 1, nFilters: 2, nMetadata: 2, filmLayers: [0, 0, 1, 0] });
    const x = input(1, 4, 4);
    expect(() => m.forward(x)).toThrow(/FiLM layers are on, so forward needs the metadata \(context\) \[1, 2\]/);
    expect(() => m.forward(x, tensor([[1, 0, 0]]))).toThrow(/context must be \[1, 2\].*got \[1, 3\]/);
    x.dispose();
    m.dispose();
  });

  it('output shape; metadata changes the output; gradients reach FiLM generators (shared and own) and convs', async () => {
    setBackend('cpu');
    manualSeed(7);
    const m = new FiLMedUnet({ depth: 2, nFilters: 4, nMetadata: 3, filmLayers, dropoutRate: 0 }).eval();
    const x = input(2, 9, 7);
    const ctxA = oneHot([0, 0], 3);
    const ctxB = oneHot([0, 2], 3);
    const ya = m.forward(x, ctxA);
    expect(ya.shape).toEqual([2, 1, 9, 7]);
    const a = await ya.data();
    const b = await m.forward(x, ctxB).data();
    // Sample 0 has the same metadata in both runs (eval mode: no batch coupling), sample 1 differs.
    const half = 9 * 7;
    for (let i = 0; i < half; i++) expect(b[i]).toBeCloseTo(a[i], 6);
    const diff = Math.max(...Array.from({ length: half }, (_, i) => Math.abs(b[half + i] - a[half + i])));
    expect(diff).toBeGreaterThan(1e-5);

    m.train();
    const y = m.forward(x, ctxB);
    mean(y).backward();
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      const g = await p.grad!.data();
      expect(g.some((e) => e !== 0), `${name} has an all-zero gradient`).toBe(true);
    }
    for (const t of [x, ctxA, ctxB, ya, y]) t.dispose();
    m.dispose();
  });

  it('no FiLM layer: same weights give the same output as Unet; final_activation is honoured', async () => {
    setBackend('cpu');
    manualSeed(2);
    const unet = new Unet({ depth: 2, nFilters: 4, outChannel: 3, finalActivation: 'softmax' }).eval();
    const filmed = new FiLMedUnet({ depth: 2, nFilters: 4, outChannel: 3, finalActivation: 'softmax', filmLayers: [0, 0, 0, 0, 0, 0] }).eval();
    filmed.loadStateDict(await unet.stateDict());
    const x = input(1, 8, 8);
    const u = await unet.forward(x).data();
    const f = filmed.forward(x);
    expect(f.shape).toEqual([1, 2, 8, 8]);
    expect(Array.from(await f.data())).toEqual(Array.from(u));
    // ivadomed would apply sigmoid here (§n.9); softmax over 3 channels leaves channels 1+2 summing to < 1.
    const fd = await f.data();
    expect(fd[0] + fd[64]).toBeLessThan(1);
    x.dispose();
    unet.dispose();
    filmed.dispose();
  });
});

describe('FiLMedUnet on WebGPU', async () => {
  const acquired = await testDevice();
  it.skipIf(!acquired)('same weights, same output and shared-weight gradient as the CPU backend; no leaks', async () => {
    setBackend('webgpu', { device: acquired!.device });
    const run = async (backend: 'cpu' | 'webgpu') => {
      setBackend(backend);
      manualSeed(13);
      const m = new FiLMedUnet({ depth: 2, nFilters: 4, nMetadata: 3, filmLayers: [1, 0, 1, 0, 1, 1] });
      const before = memory(backend).liveTensors;
      const x = input(2, 8, 6);
      const ctx = oneHot([1, 2], 3);
      const y = scope(() => {
        const out = m.forward(x, ctx);
        sum(out).backward();
        return out;
      });
      const out = Array.from(await y.data());
      const g = Array.from(await m.films[0].generator.linear1.weight.grad!.data());
      for (const t of [y, x, ctx]) t.dispose();
      for (const p of m.parameters()) p.zeroGrad();
      const leaked = memory(backend).liveTensors - before;
      m.dispose();
      return { out, g, leaked };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    setBackend('cpu');
    expect(cpu.leaked).toBe(0);
    expect(gpu.leaked).toBe(0);
    for (let i = 0; i < cpu.out.length; i++) expect(gpu.out[i]).toBeCloseTo(cpu.out[i], 4);
    const scaleG = Math.max(...cpu.g.map(Math.abs));
    expect(scaleG).toBeGreaterThan(0);
    for (let i = 0; i < cpu.g.length; i++) expect(Math.abs(gpu.g[i] - cpu.g[i])).toBeLessThan(1e-3 * scaleG + 1e-7);
  });
});
