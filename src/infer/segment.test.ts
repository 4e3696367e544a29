/**
 * Prediction plumbing with identity-like models: reconstruction from overlapping windows / patches /
 * slices returns the input on the image's native grid; batches follow the memory budget; the WebGPU
 * path gives the CPU result.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { Compose, DataRng, SegmentationDataset, type DatasetEntry, type DatasetMode, type NdArray, type Volume, type Affine } from '../data/index';
import { affine as affineOp, setBackend, slice, type Tensor } from '../engine/index';
import { Module } from '../nn/module';
import type { BuiltModel } from '../nn/models/index';
import { BatchPredictor, itemsByEntry, predictEntry, slidingWindowVolume } from './segment';

class Affine1 extends Module {
  constructor(readonly a: number, readonly b: number) { super(); }
  forward(x: Tensor): Tensor { return affineOp(x, this.a, this.b); }
}

/** A "model" computing a·x + b voxel-wise (a = 1, b = 0: identity), in the BuiltModel shape. */
function pointwiseModel(a = 1, b = 0, is2d = true): BuiltModel {
  const m = new Affine1(a, b);
  return { name: 'Pointwise', module: m, task: 'segmentation', conditioning: 'none', is2d, inChannel: 1, outputs: 1, forward: (x) => m.forward(x) };
}

function ramp(shape: number[], f: (i: number) => number): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => f(i)), shape };
}

const S = [10, 8, 6];
const lps: Affine = [-1, 0, 0, 9, 0, -1, 0, 7, 0, 0, 2, 0, 0, 0, 0, 1];
function imageVolume(): Volume {
  const data = new Float32Array(S[0] * S[1] * S[2]);
  for (let z = 0; z < S[2]; z++) for (let y = 0; y < S[1]; y++) for (let x = 0; x < S[0]; x++) data[x + S[0] * (y + S[1] * z)] = 1 + x + 2 * y + 3 * z;
  return { data, shape: S.slice(), spacing: [1, 1, 2], affine: lps };
}
const image = imageVolume();
const entry: DatasetEntry = {
  id: 'a', filenames: ['a'], subject: 'sub-a', contrasts: ['T2w'],
  images: [{ path: 'a', load: async () => ({ ...image, data: image.data.slice() }) }],
  targets: [[null]], roi: null, metadata: {},
};

async function predictWhole(mode: DatasetMode, blend: 'constant' | 'gaussian', model = pointwiseModel(), transformation: Record<string, unknown> = {}): Promise<Volume> {
  const compose = Compose.fromConfig(transformation, 'testing', { requiresUndo: true });
  const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'], slice_axis: 'axial', slice_filter_params: { filter_empty_input: true } }, { datasetType: 'testing', mode, transforms: compose });
  await ds.prepare();
  const items = itemsByEntry(ds).get(0)!;
  const [v] = await predictEntry(model, ds, items, compose, image, { rng: new DataRng(3), blend, maxBatch: 3 });
  return v;
}

describe('slidingWindowVolume', () => {
  it('identity model over overlapping windows returns the input (2 channels, constant and Gaussian, image smaller than the roi on one axis)', async () => {
    setBackend('cpu');
    const shape = [9, 7, 3];
    const c0 = ramp(shape, (i) => Math.sin(i) + 2), c1 = ramp(shape, (i) => i * 0.5);
    const model: BuiltModel = { ...pointwiseModel(), inChannel: 2, outputs: 2 };
    for (const blend of ['constant', 'gaussian'] as const) {
      const out = await slidingWindowVolume(model, [c0, c1], { roi: [4, 4, 4], overlap: 0.5, blend, maxBatch: 4 });
      expect(out.length).toBe(2);
      expect(out[0].shape).toEqual(shape);
      for (let i = 0; i < c0.data.length; i++) {
        expect(Math.abs(out[0].data[i] - c0.data[i])).toBeLessThan(1e-6 * (1 + Math.abs(c0.data[i])));
        expect(Math.abs(out[1].data[i] - c1.data[i])).toBeLessThan(1e-6 * (1 + Math.abs(c1.data[i])));
      }
    }
  });

  it('Gaussian blending weights window centres: windows predicting their own index blend to the hand-worked value', async () => {
    setBackend('cpu');
    // 1D-like case: H = 6, roi 4 along H, overlap 0.5 -> windows at 0 and 2 (MONAI: interval 2).
    // Window k predicts the constant k (its batch position + offset), so voxel h gets
    // Σ_k w_k(h)·k / Σ_k w_k(h) with w = exp(-x²/(2σ²)), σ = 0.125·4, x = i − 1.5.
    let calls = 0;
    const m = new Affine1(0, 0);
    const model: BuiltModel = {
      ...pointwiseModel(), module: m,
      forward: (x) => { const n = x.shape[0]; const k = calls; calls += n; return affineOp(x, 0, k); },
    };
    const input = ramp([6, 1, 1], () => 1);
    const out = await slidingWindowVolume(model, [input], { roi: [4, 1, 1], overlap: 0.5, blend: 'gaussian', maxBatch: 1, memoryBudgetBytes: 1 });
    const g = (i: number) => Math.max(Math.exp(-((i - 1.5) ** 2) / (2 * 0.5 * 0.5)) / Math.exp(-(0.5 ** 2) / (2 * 0.25)), 1e-3);
    // voxel 2: window 0 at i=2 (weight g(2)), window 1 at i=0 (weight g(0)) -> (0·g(2) + 1·g(0)) / (g(2) + g(0))
    expect(out[0].data[2]).toBeCloseTo(g(0) / (g(2) + g(0)), 5);
    expect(out[0].data[0]).toBeCloseTo(0, 6);
    expect(out[0].data[5]).toBeCloseTo(1, 6);
  });

  it('batches follow the memory budget: one item first (measured), then budget / bytes-per-item, at most maxBatch', async () => {
    setBackend('cpu');
    const model = pointwiseModel();
    const input = ramp([16, 16, 16], (i) => i);
    const tiny = new BatchPredictor(model, { memoryBudgetBytes: 1, maxBatch: 8 });
    await slidingWindowVolume(model, [input], { roi: [8, 8, 8], overlap: 0.5, predictor: tiny });
    expect(tiny.forwards).toBe(27); // 3 x 3 x 3 windows, one per forward
    const roomy = new BatchPredictor(model, { memoryBudgetBytes: 1 << 30, maxBatch: 8 });
    await slidingWindowVolume(model, [input], { roi: [8, 8, 8], overlap: 0.5, predictor: roomy });
    expect(roomy.bytesPerItem).toBeGreaterThan(0);
    expect(roomy.forwards).toBe(1 + Math.ceil(26 / 8));
    // a budget of 2.5 items -> batches of 2
    const two = new BatchPredictor(model, { memoryBudgetBytes: roomy.bytesPerItem! * 2.5, maxBatch: 8 });
    await slidingWindowVolume(model, [input], { roi: [8, 8, 8], overlap: 0.5, predictor: two });
    expect(two.forwards).toBe(1 + 13);
  });

  it('refuses models that change the spatial size, with the shapes in the message', async () => {
    setBackend('cpu');
    const m = pointwiseModel();
    const bad: BuiltModel = { ...m, forward: (x) => slice(x, [null, null, [0, 2], [0, 2], [0, 2]]) };
    await expect(new BatchPredictor(bad).predict([new Float32Array(27)], [1, 3, 3, 3])).rejects.toThrow(/\[1, 1, 2, 2, 2\].*\[1, 1, 3, 3, 3\]/);
  });
});

describe('predictEntry (dataset items -> native grid)', () => {
  it('slices, 2D patches and 3D patches (constant and Gaussian) of an identity model give back the image with its affine and shape', async () => {
    setBackend('cpu');
    const cases: Array<[DatasetMode, 'constant' | 'gaussian']> = [
      [{ kind: 'slices' }, 'constant'],
      [{ kind: 'patches2d', length: [4, 4], stride: [3, 3] }, 'constant'],
      [{ kind: 'patches3d', length: [4, 4, 4], stride: [2, 3, 2] }, 'constant'],
      [{ kind: 'patches3d', length: [4, 4, 4], stride: [2, 3, 2] }, 'gaussian'],
      [{ kind: 'patches3d', length: [16, 4, 8], stride: [16, 2, 8] }, 'gaussian'], // larger than the image along H and D: padded
    ];
    for (const [mode, blend] of cases) {
      const v = await predictWhole(mode, blend);
      expect(v.shape.slice(0, 3)).toEqual(S);
      expect(v.affine).toEqual(lps);
      for (let i = 0; i < image.data.length; i++) expect(v.data[i], `${mode.kind} ${blend} voxel ${i}`).toBeCloseTo(image.data[i], 4);
    }
  });

  it('undoes the preprocessing (CenterCrop to a larger size pads, then crops back)', async () => {
    setBackend('cpu');
    const v = await predictWhole({ kind: 'slices' }, 'constant', pointwiseModel(2, 1), { CenterCrop: { size: [16, 16] } });
    for (let i = 0; i < image.data.length; i++) expect(v.data[i]).toBeCloseTo(2 * image.data[i] + 1, 4);
  });

  it('WebGPU gives the CPU result', async () => {
    const acquired = await testDevice();
    if (!acquired) return;
    setBackend('webgpu', { device: acquired.device });
    try {
      const v = await predictWhole({ kind: 'patches3d', length: [4, 4, 4], stride: [2, 3, 2] }, 'gaussian', pointwiseModel(0.5, 0.25));
      for (let i = 0; i < image.data.length; i++) expect(v.data[i]).toBeCloseTo(0.5 * image.data[i] + 0.25, 4);
    } finally {
      setBackend('cpu');
    }
  });
});
