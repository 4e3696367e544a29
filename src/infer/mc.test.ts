/**
 * Monte Carlo uncertainty: MC dropout switches only Dropout modules to training; with p = 0 every
 * pass is the same prediction (zero epistemic entropy, IoU 1, CV 0); with p > 0 passes differ; TTA
 * draws fresh undoable transforms per pass and undoes them.
 */
import { describe, expect, it } from 'vitest';
import { DataRng, SegmentationDataset, type DatasetEntry, type Volume } from '../data/index';
import { manualSeed, setBackend, tensor, noGrad, scope } from '../engine/index';
import { BatchNorm, Dropout } from '../nn/index';
import { createModel, type BuiltModel } from '../nn/models/index';
import type { IvadomedConfig } from '../config/index';
import { inferenceCompose, monteCarloSamples, passRng, setMcDropout, uncertaintySettings } from './mc';
import { itemsByEntry, predictEntry } from './segment';
import { computeUncertainty } from './uncertainty';

function tinyUnet(dropout: number): BuiltModel {
  manualSeed(4);
  return createModel({ name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 2, dropout_rate: dropout, is_2d: true });
}

const input = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7) + (i % 8 > 3 ? 1 : -1));

async function samplesOf(model: BuiltModel, n: number): Promise<Float32Array[]> {
  return monteCarloSamples(n, 1, async () => {
    const y = noGrad(() => scope(() => model.forward(tensor(input, [1, 1, 8, 8]))));
    const d = Float32Array.from(await y.data());
    y.dispose();
    return d;
  });
}

describe('MC dropout', () => {
  it('eval everywhere except the Dropout modules', () => {
    setBackend('cpu');
    const model = tinyUnet(0.3);
    const active = setMcDropout(model.module, true);
    const mods = model.module.namedModules().map(([, m]) => m);
    const drops = mods.filter((m) => m instanceof Dropout);
    expect(drops.length).toBeGreaterThan(0);
    expect(active).toBe(drops.length);
    expect(drops.every((m) => m.training)).toBe(true);
    expect(mods.filter((m) => m instanceof BatchNorm).every((m) => !m.training)).toBe(true);
    expect(setMcDropout(model.module, false)).toBe(0);
    expect(mods.every((m) => !m.training)).toBe(true);
    model.module.dispose();
  });

  it('p = 0: identical passes, zero epistemic entropy (mutual information), IoU 1, CV 0; unc-vox = entropy of the one prediction', async () => {
    setBackend('cpu');
    const model = tinyUnet(0);
    expect(setMcDropout(model.module, true)).toBe(0);
    const samples = await samplesOf(model, 3);
    expect(Array.from(samples[1])).toEqual(Array.from(samples[0]));
    const u = computeUncertainty(samples, [8, 8, 1]);
    expect(Math.max(...u.mutualInformation)).toBeLessThan(1e-12);
    const p0 = samples[0].map((v) => (v <= 0.01 ? 0 : v)); // ivadomed zeroes values <= 0.01 first
    p0.forEach((p, i) => {
      const h = p === 0 || p === 1 ? 0 : Math.max(0, -(p * Math.log(p + 1e-5) + (1 - p) * Math.log(1 - p + 1e-5)));
      expect(u.uncVox[i]).toBeCloseTo(h, 5);
    });
    for (let i = 0; i < 64; i++) {
      if (u.hard[i] && u.uncIou[i]) { expect(u.uncIou[i]).toBe(1); expect(u.uncCv[i]).toBe(0); }
    }
    model.module.dispose();
  });

  it('p = 0.5: passes differ and the mutual information is positive somewhere', async () => {
    setBackend('cpu');
    const model = tinyUnet(0.5);
    setMcDropout(model.module, true);
    const samples = await samplesOf(model, 4);
    expect(Array.from(samples[1])).not.toEqual(Array.from(samples[0]));
    const u = computeUncertainty(samples, [8, 8, 1]);
    expect(Math.max(...u.mutualInformation)).toBeGreaterThan(1e-4);
    model.module.dispose();
  });
});

describe('aleatoric (test-time augmentation)', () => {
  it('training transforms with undo only; fresh flips per pass, undone on the prediction', async () => {
    setBackend('cpu');
    const config = { transformation: {
      RandomReverse: { applied_to: ['im', 'gt'], dataset_type: ['training'] },
      ElasticTransform: { alpha_range: [28, 30], sigma_range: [3.5, 4.5], p: 0.5, applied_to: ['im', 'gt'], dataset_type: ['training'] },
      NormalizeInstance: { applied_to: ['im'] },
    } } as unknown as IvadomedConfig;
    const testing = inferenceCompose(config, false);
    expect(testing.transforms.map((t) => t.name)).toEqual(['NormalizeInstance']);
    const tta = inferenceCompose(config, true);
    expect(tta.transforms.map((t) => t.name)).toEqual(['RandomReverse', 'NormalizeInstance']);
    expect(tta.dropped).toEqual(['ElasticTransform']);

    const S = [6, 5, 4];
    const data = Float32Array.from({ length: 120 }, (_, i) => (i * 37) % 11);
    const image: Volume = { data, shape: S, spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
    const entry: DatasetEntry = { id: 'a', filenames: ['a'], subject: 's', contrasts: ['T2w'], images: [{ path: 'a', load: async () => ({ ...image, data: data.slice() }) }], targets: [[null]], roi: null, metadata: {} };
    const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'] }, { datasetType: 'testing', mode: { kind: 'patches3d', length: [6, 5, 4], stride: [6, 5, 4] }, transforms: tta });
    await ds.prepare();
    const flips = await monteCarloSamples(6, 2, async (_i, rng) => JSON.stringify((await ds.getItem(0, rng)).meta.applied.find((a) => a.name === 'RandomReverse')!.params));
    expect(new Set(flips).size).toBeGreaterThan(1);
    // "Model" = the input's position-dependent value: each pass's flips must be undone exactly.
    const identity = { name: 'Id', module: createModel({ name: 'Unet', in_channel: 1, out_channel: 1, depth: 1, n_filters: 1, is_2d: false }).module, task: 'segmentation', conditioning: 'none', is2d: false, inChannel: 1, outputs: 1, forward: (x) => x } as BuiltModel;
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const std = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
    for (let pass = 0; pass < 3; pass++) {
      const [v] = await predictEntry(identity, ds, itemsByEntry(ds).get(0)!, tta, image, { rng: passRng(9, pass) });
      for (let i = 0; i < data.length; i++) expect(v.data[i]).toBeCloseTo((data[i] - mean) / std, 4);
    }
    identity.module.dispose();
  });

  it('uncertainty settings: enabled only with n_it > 0 and epistemic or aleatoric', () => {
    const s = (u: unknown) => uncertaintySettings({ uncertainty: u } as unknown as IvadomedConfig).enabled;
    expect(s({ epistemic: true, aleatoric: false, n_it: 0 })).toBe(false);
    expect(s({ epistemic: false, aleatoric: false, n_it: 5 })).toBe(false);
    expect(s({ epistemic: false, aleatoric: true, n_it: 2 })).toBe(true);
    expect(passRng(1, 0).random()).not.toBe(passRng(1, 1).random());
    expect(new DataRng(1)).toBeDefined();
  });
});
