/**
 * HeMISUnet (ivadomed §b.3) and the missing-modality curriculum (§g.6): parameter count by hand,
 * fusion values by hand (incl. one available contrast -> variance 0, not NaN), gradient flow per
 * encoder, input forms, errors, and the mask statistics with a seeded generator.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { compareBackends, manualSeed, mean, scope, seededValues, setBackend, sum, tensor, type Tensor } from '../../engine/index';
import { HeMISUnet, fuseModalities, missingModalityMask, nextMissingProbability } from './hemis';

function downConvParams(a: number, b: number): number {
  return 9 * a * b + 9 * b * b + 6 * b;
}

/** mulberry32: a small seeded uniform [0, 1) generator. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function allZero(t: Tensor | null): Promise<boolean> {
  if (!t) return true;
  return (await t.data()).every((v) => v === 0);
}

describe('fuseModalities', () => {
  it('per sample: [mean, unbiased variance] over the available contrasts; one contrast -> variance 0', async () => {
    setBackend('cpu');
    // Three contrasts, features [N=3, C=1, 1, 2].
    const c0 = tensor([1, 2, 3, 5, 0, 1], [3, 1, 1, 2], { requiresGrad: true });
    const c1 = tensor([3, 6, 7, 1, 2, 2], [3, 1, 1, 2], { requiresGrad: true });
    const c2 = tensor([5, 1, 4, 4, 9, 9], [3, 1, 1, 2], { requiresGrad: true });
    const indexes = [[true, true, true], [true, false, true], [false, true, false]];
    const fused = fuseModalities([c0, c1, c2], indexes);
    expect(fused.shape).toEqual([3, 2, 1, 2]);
    // s0: values (1,3,5) and (2,6,1): mean 3, 3; var 8/2 = 4, 14/2 = 7.
    // s1: (3,4) and (5,4): mean 3.5, 4.5; var 0.5/1, 0.5/1.
    // s2: only contrast 1 (2, 2): mean 2, 2; variance 0 (ivadomed: NaN).
    expect(Array.from(await fused.data())).toEqual([3, 3, 4, 7, 3.5, 4.5, 0.5, 0.5, 2, 2, 0, 0]);

    sum(fused).backward();
    // d/dF_k of mean + var = 1/n + 2 (F_k - mean) / (n - 1); unavailable contrasts get 0.
    const [g0, g1, g2] = [await c0.grad!.data(), await c1.grad!.data(), await c2.grad!.data()];
    expect(g0[0]).toBeCloseTo(1 / 3 + (2 * (1 - 3)) / 2, 6);
    expect(g2[1]).toBeCloseTo(1 / 3 + (2 * (1 - 3)) / 2, 6);
    expect(g0[2]).toBeCloseTo(0.5 + 2 * (3 - 3.5), 6);
    expect([g1[2], g1[3]]).toEqual([0, 0]); // contrast 1 missing for sample 1
    expect([g0[4], g0[5], g2[4], g2[5]]).toEqual([0, 0, 0, 0]); // sample 2 has only contrast 1
    expect([g1[4], g1[5]]).toEqual([1, 1]); // single contrast: d mean = 1, d var = 0
  });

  it('refuses a sample with no contrast and mis-shaped inputs', () => {
    setBackend('cpu');
    const a = tensor(new Float32Array(4), [2, 1, 2]);
    const b = tensor(new Float32Array(4), [2, 1, 2]);
    expect(() => fuseModalities([a, b], [[true, false], [false, false]])).toThrow(/sample 1 has no available contrast/);
    expect(() => fuseModalities([a, b], [[true, false]])).toThrow(/one row per sample \(2\), got 1 rows/);
    expect(() => fuseModalities([a, b], [[true], [true]])).toThrow(/indexesMod\[0\] must have one flag per contrast \(2\), got 1/);
    expect(() => fuseModalities([a, tensor(new Float32Array(6), [2, 1, 3])], [[true, true], [true, true]])).toThrow(/contrast 1 features are \[2, 1, 3\]/);
  });
});

describe('HeMISUnet', () => {
  it('parameter count by hand and ivadomed names (Encoder_mod.Encoder_<contrast>)', () => {
    setBackend('cpu');
    const m = new HeMISUnet({ contrasts: ['T1w', 'T2w'], depth: 2, nFilters: 4 });
    // Per contrast: DownConv(1,4), DownConv(4,8), bottom DownConv(8,8).
    // Decoder (hemis): UpConv(2 * 16 = 32 -> 8), UpConv(8 + 2*4 = 16 -> 4), last conv 4 -> 1.
    const encoder = downConvParams(1, 4) + downConvParams(4, 8) + downConvParams(8, 8);
    const decoder = downConvParams(32, 8) + downConvParams(16, 4) + (4 * 9 + 1);
    expect(m.numParameters()).toBe(2 * encoder + decoder);
    const names = m.namedParameters().map(([n]) => n);
    expect(names[0]).toBe('Encoder_mod.Encoder_T1w.down_path.0.conv1.weight');
    expect(names).toContain('Encoder_mod.Encoder_T2w.conv_bottom.conv2_bn.bias');
    expect(names).toContain('decoder.up_path.0.downconv.conv1.weight');
    expect(m.decoder.up_path.at(0)).not.toBeNull();
    expect(() => new HeMISUnet({ contrasts: [] })).toThrow(/at least one contrast/);
    expect(() => new HeMISUnet({ contrasts: ['T1w', 'T1w'] })).toThrow(/'T1w' is listed twice/);
    m.dispose();
  });

  it('output shape; gradient reaches every encoder whose contrast is present, none to an absent one', async () => {
    setBackend('cpu');
    manualSeed(3);
    const m = new HeMISUnet({ contrasts: ['T1w', 'T2w', 'FLAIR'], depth: 2, nFilters: 4, dropoutRate: 0 });
    const x = tensor(Array.from({ length: 2 * 3 * 9 * 7 }, (_, i) => Math.sin(i * 0.37)), [2, 3, 9, 7]).keep();
    // FLAIR missing everywhere; T2w only for sample 1; sample 0 has only T1w (variance 0 path).
    const indexes = [[true, false, false], [true, true, false]];
    const y = m.forward(x, indexes);
    expect(y.shape).toEqual([2, 1, 9, 7]);
    const v = await y.data();
    expect(v.every((e) => Number.isFinite(e) && e > 0 && e < 1)).toBe(true);
    mean(y).backward();
    for (const [contrast, present] of [['T1w', true], ['T2w', true], ['FLAIR', false]] as const) {
      for (const [name, p] of m.encoder(contrast).namedParameters()) {
        // BatchNorm weights/biases of an absent encoder also get exactly 0.
        expect(await allZero(p.grad), `${contrast} ${name}`).toBe(!present);
      }
    }
    for (const [name, p] of m.decoder.namedParameters()) expect(await allZero(p.grad), name).toBe(false);
    y.dispose();
    x.dispose();
    m.dispose();
  });

  it('a [N, K, H, W] tensor and the per-contrast list give the same output; bad inputs are clear errors', async () => {
    setBackend('cpu');
    manualSeed(8);
    const m = new HeMISUnet({ contrasts: ['T1w', 'T2w'], depth: 1, nFilters: 2 }).eval();
    const vals = Array.from({ length: 2 * 8 * 8 }, (_, i) => Math.cos(i * 0.2));
    const out = scope(() => {
      const x = tensor(vals, [1, 2, 8, 8]);
      const list = [tensor(vals.slice(0, 64), [1, 1, 8, 8]), tensor(vals.slice(64), [1, 1, 8, 8])];
      return [m.forward(x, [[true, true]]).keep(), m.forward(list, [[true, true]]).keep()];
    });
    expect(Array.from(await out[1].data())).toEqual(Array.from(await out[0].data()));
    out.forEach((t) => t.dispose());
    const x3 = tensor(new Float32Array(3 * 16), [1, 3, 4, 4]);
    expect(() => m.forward(x3, [[true, true]])).toThrow(/input must be \[N, 2, H, W\] or a list of 2 tensors.*got \[1, 3, 4, 4\]/);
    const x2 = tensor(new Float32Array(2 * 16), [1, 2, 4, 4]);
    expect(() => m.forward(x2, [[false, false]])).toThrow(/sample 0 has no available contrast/);
    m.dispose();
  });
});

describe('missing-modality curriculum (§g.6)', () => {
  it('each contrast missing with probability p; an all-missing row gets one of its first two back', () => {
    const rng = seeded(42);
    const n = 4000;
    const k = 4;
    const p = 0.5;
    const mask = missingModalityMask(n, k, p, rng);
    expect(mask.length).toBe(n);
    expect(mask.every((row) => row.length === k && row.some(Boolean))).toBe(true);
    // Expected missing fraction: p minus the rescued rows (p^k of them, one contrast each) / k.
    const missing = mask.flat().filter((a) => !a).length / (n * k);
    expect(missing).toBeGreaterThan(p - p ** k / k - 0.02);
    expect(missing).toBeLessThan(p - p ** k / k + 0.02);
    // Only contrasts 0 and 1 are ever the single survivor of a fully-missing draw.
    const all = missingModalityMask(2000, 3, 1, seeded(7));
    expect(all.every((row) => row.filter(Boolean).length === 1 && !row[2])).toBe(true);
    const first = all.filter((row) => row[0]).length / all.length;
    expect(first).toBeGreaterThan(0.45);
    expect(first).toBeLessThan(0.55);
    expect(missingModalityMask(10, 3, 0, seeded(1)).flat().every(Boolean)).toBe(true);
    // One contrast: the rescued index stays in range.
    expect(missingModalityMask(5, 1, 1, seeded(3))).toEqual(Array(5).fill([true]));
    expect(() => missingModalityMask(2, 2, 1.5, rng)).toThrow(/must be in \[0, 1\], got 1.5/);
  });

  it('next probability is p ** growth (template p0 = 1e-5, growth 0.9 rises towards 1)', () => {
    expect(nextMissingProbability(0.25, 0.5)).toBeCloseTo(0.5, 12);
    let p = 1e-5;
    for (let epoch = 0; epoch < 3; epoch++) p = nextMissingProbability(p, 0.9);
    expect(p).toBeCloseTo(1e-5 ** (0.9 ** 3), 12);
    expect(p).toBeGreaterThan(1e-5);
    expect(() => nextMissingProbability(0.5, 0)).toThrow(/growth must be > 0/);
  });
});

describe('fuseModalities on WebGPU', async () => {
  const acquired = await testDevice();
  it.skipIf(!acquired)('same values and gradients as the CPU backend', async () => {
    setBackend('webgpu', { device: acquired!.device });
    setBackend('cpu');
    // Sample 1 has a single contrast (variance 0 path), sample 0 two, sample 2 all three.
    const shape = [3, 2, 3, 2];
    const inputs = [1, 2, 3].map((s) => ({ shape, values: seededValues(36, s) }));
    const cmp = await compareBackends((a, b, c) => fuseModalities([a, b, c], [[true, false, true], [false, true, false], [true, true, true]]), inputs, { grads: true });
    // compareBackends throws naming the first mismatching value or gradient.
    expect(cmp.cpu.length).toBe(3 * 4 * 3 * 2);
    expect(cmp.gradErrors.length).toBe(3);
  });
});
