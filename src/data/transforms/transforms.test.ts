import { describe, expect, it } from 'vitest';
import { DataRng } from '../rng';
import {
  AdditiveGaussianNoise, CenterCrop, Clahe, Compose, DilateGT, ElasticTransform, HistogramClipping, NormalizeInstance,
  RandomAffine, RandomBiasField, RandomBlur, RandomGamma, RandomReverse, RandomShiftIntensity, Resample, ROICrop,
  BoundingBoxCrop, applyTransform, createTransform, meanStd, ndarray, percentile, pipelinesFromConfig,
  type NdArray, type TransformSample,
} from './index';

function sample(input: NdArray[], gt: NdArray[] = [], roi: NdArray[] = [], zooms = [1, 1, 1]): TransformSample {
  return { input, gt, roi, meta: { zooms, applied: [] } };
}

/** A binary ball (disk in 2D) of radius r at centre c. */
function ball(shape: number[], c: number[], r: number): NdArray {
  const dims = shape.length === 2 ? [...shape, 1] : shape;
  const cc = c.length === 2 ? [...c, 0] : c;
  const out = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let i = 0, p = 0; i < dims[0]; i++) for (let j = 0; j < dims[1]; j++) for (let k = 0; k < dims[2]; k++, p++) {
    const d2 = (i - cc[0]) ** 2 + (j - cc[1]) ** 2 + (k - cc[2]) ** 2;
    out[p] = d2 <= r * r ? 1 : 0;
  }
  return { data: out, shape: shape.slice() };
}

function dice(a: NdArray, b: NdArray, thr = 0.5): number {
  let inter = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] >= thr ? 1 : 0, y = b.data[i] >= thr ? 1 : 0;
    inter += x * y; sa += x; sb += y;
  }
  return (2 * inter) / (sa + sb);
}

const checker4 = ndarray(Array.from({ length: 16 }, (_, p) => (Math.floor(p / 4) + (p % 4)) % 2), [4, 4]);

describe('Resample', () => {
  it('halves a 4x4 checkerboard to its four corners (corners aligned, as scipy zoom)', () => {
    const t = new Resample({ hspace: 2, wspace: 2 });
    const out = applyTransform(t, sample([checker4], [checker4]), new DataRng(1));
    expect(out.input[0].shape).toEqual([2, 2]);
    expect(Array.from(out.gt[0].data)).toEqual([0, 1, 1, 0]);
    // the quadratic spline interpolates: samples at knots are exact
    expect(Array.from(out.input[0].data).map((v) => +v.toFixed(5))).toEqual([0, 1, 1, 0]);
    expect(out.meta.zooms).toEqual([2, 2, 1]);
  });

  it('upsamples 2x2 to 3x3 with midpoints averaged (labels linear, images spline)', () => {
    const a = ndarray([0, 1, 2, 3], [2, 2]);
    const out = applyTransform(new Resample({ hspace: 2 / 3, wspace: 2 / 3 }), sample([a], [a]), new DataRng(1));
    expect(out.gt[0].shape).toEqual([3, 3]);
    expect(Array.from(out.gt[0].data)).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
    expect(Array.from(out.input[0].data).map((v) => +v.toFixed(5))).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  });

  it('leaves depth alone for 2D and resamples it for 3D', () => {
    const v = ball([10, 10, 6], [5, 5, 3], 3);
    const out = applyTransform(new Resample({ hspace: 2, wspace: 1, dspace: 0.5 }), sample([v], [], [], [1, 1, 1]), new DataRng(1));
    expect(out.input[0].shape).toEqual([5, 10, 12]);
    expect(out.meta.zooms).toEqual([2, 1, 0.5]);
  });

  it('do -> undo keeps label Dice > 0.8 in 2D and 3D and restores the shape', () => {
    const g2 = ball([40, 36], [20, 17], 9);
    const c2 = new Compose([new Resample({ hspace: 1.6, wspace: 0.7 })], 'testing');
    const s2 = c2.apply(sample([g2], [g2], [], [0.8, 0.9, 1]), new DataRng(3));
    const u2 = c2.undo(s2.gt[0], s2.meta.applied);
    expect(u2.shape).toEqual([40, 36]);
    expect(dice(u2, g2)).toBeGreaterThan(0.8);
    const g3 = ball([24, 20, 12], [12, 10, 6], 5);
    const c3 = new Compose([new Resample({ hspace: 1.5, wspace: 0.75, dspace: 2 })], 'testing');
    const s3 = c3.apply(sample([g3], [g3], [], [1, 1, 1.2]), new DataRng(3));
    const u3 = c3.undo(s3.gt[0], s3.meta.applied);
    expect(u3.shape).toEqual([24, 20, 12]);
    expect(dice(u3, g3)).toBeGreaterThan(0.8);
  });

  it('rejects missing zooms and bad spacing', () => {
    expect(() => new Resample({ hspace: 0 })).toThrow(/hspace, wspace and dspace must be > 0/);
    const s = sample([checker4]);
    s.meta.zooms = [];
    expect(() => applyTransform(new Resample({}), s, new DataRng(1))).toThrow(/metadata.zooms/);
  });
});

describe('CenterCrop / ROICrop / BoundingBoxCrop', () => {
  const grid = (h: number, w: number): NdArray => ndarray(Array.from({ length: h * w }, (_, p) => p), [h, w]);

  it('uses Python rounding for the offsets (half to even)', () => {
    // (5 - 2) / 2 = 1.5 -> 2 ; (7 - 2) / 2 = 2.5 -> 2
    const a = applyTransform(new CenterCrop({ size: [2, 2] }), sample([grid(5, 5)]), new DataRng(1));
    expect(Array.from(a.input[0].data)).toEqual([12, 13, 17, 18]);
    const b = applyTransform(new CenterCrop({ size: [2, 2] }), sample([grid(7, 7)]), new DataRng(1));
    expect(Array.from(b.input[0].data)).toEqual([16, 17, 23, 24]);
  });

  it('pads with zeros when the crop is larger, and undo restores the window exactly', () => {
    const a = applyTransform(new CenterCrop({ size: [4, 2] }), sample([grid(2, 3)]), new DataRng(1));
    // rows: start round(-1) = -1 -> [pad, 0, 1, pad]; cols: start round(0.5) = 0 -> [0, 1]
    expect(Array.from(a.input[0].data)).toEqual([0, 0, 0, 1, 3, 4, 0, 0]);
    const c = new Compose([new CenterCrop({ size: [3, 3] })], 'testing');
    const g = grid(6, 5);
    const s = c.apply(sample([g], [g]), new DataRng(1));
    const u = c.undo(s.gt[0], s.meta.applied);
    expect(u.shape).toEqual([6, 5]);
    const start = [2, 1]; // round(1.5) = 2, round(1) = 1
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) {
      const inside = i >= start[0] && i < start[0] + 3 && j >= start[1] && j < start[1] + 3;
      expect(u.data[i * 5 + j]).toBe(inside ? g.data[i * 5 + j] : 0);
    }
  });

  it('crops 3D with a 3-value size and keeps shared parameters for image and label', () => {
    const v = ball([10, 9, 8], [5, 4, 4], 3);
    const s = applyTransform(new CenterCrop({ size: [4, 4, 4] }), sample([v], [v]), new DataRng(1));
    expect(s.input[0].shape).toEqual([4, 4, 4]);
    expect(Array.from(s.input[0].data)).toEqual(Array.from(s.gt[0].data));
    expect(s.meta.applied[0].params.start).toEqual([3, 2, 2]); // round(3), round(2.5)=2, round(2)
  });

  it('ROICrop centres the window on the ROI centre of mass', () => {
    const roi = ball([20, 20], [14, 6], 2);
    const img = grid(20, 20);
    const s = applyTransform(new ROICrop({ size: [4, 4] }), sample([img], [roi], [roi]), new DataRng(1));
    expect(s.meta.applied[0].params.start).toEqual([12, 4, 0]);
    expect(s.input[0].data[0]).toBe(12 * 20 + 4);
    expect(() => applyTransform(new ROICrop({ size: [4, 4] }), sample([img]), new DataRng(1))).toThrow(/roi_params.suffix/);
  });

  it('BoundingBoxCrop crops to metadata.boundingBox and undoes', () => {
    const img = grid(6, 6);
    const s = sample([img], [img]);
    s.meta.boundingBox = [1, 4, 2, 5];
    const c = new Compose([new BoundingBoxCrop()], 'testing');
    const out = c.apply(s, new DataRng(1));
    expect(out.input[0].shape).toEqual([3, 3]);
    expect(out.input[0].data[0]).toBe(8);
    expect(c.undo(out.gt[0], out.meta.applied).data[8]).toBe(8);
  });

  it('rejects a bad size', () => {
    expect(() => createTransform('CenterCrop', { size: [0, 3] })).toThrow(/CenterCrop.size must be 2 or 3 positive integers/);
  });
});

describe('NormalizeInstance', () => {
  it('gives mean 0 and (population) std 1 per channel; a constant image only loses its mean', () => {
    const rng = new DataRng(5);
    const a = ndarray(Array.from({ length: 400 }, () => rng.uniform(10, 50)), [20, 20]);
    const b = ndarray(Array.from({ length: 400 }, () => rng.uniform(-3, 1)), [20, 20]);
    const s = applyTransform(new NormalizeInstance(), sample([a, b]), rng);
    for (const ch of s.input) {
      const { mean, std } = meanStd(ch.data);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(std).toBeCloseTo(1, 5);
    }
    const c = applyTransform(new NormalizeInstance(), sample([ndarray(new Array(9).fill(7), [3, 3])]), rng);
    expect(Array.from(c.input[0].data)).toEqual(new Array(9).fill(0));
  });
});

describe('RandomAffine', () => {
  it('do -> undo keeps label Dice > 0.85 for five parameter sets (2D and 3D)', () => {
    const sets = [
      { degrees: 10, translate: [0.1, 0.1], scale: [0.1, 0.1] },
      { degrees: 30 },
      { degrees: [-5, 5], translate: [0.2, 0.05, 0.1], scale: [0.2, 0.2, 0.1] },
      { translate: [0.3, 0.3] },
      { degrees: 45, scale: [0.05, 0.3] },
    ];
    let moved = 1;
    for (const [i, p] of sets.entries()) {
      const t = new RandomAffine(p);
      for (const shape of [[48, 48], [32, 32, 20]]) {
        // two off-centre blobs, so that rotations and shifts really move the label
        const a = ball(shape, shape.map((n) => n * 0.35), 6);
        const b = ball(shape, shape.map((n, k) => n * (k === 0 ? 0.65 : 0.45)), 5);
        const g: NdArray = { data: a.data.map((v, k) => Math.max(v, b.data[k])), shape: a.shape };
        const comp = new Compose([t], 'testing');
        const s = comp.apply(sample([g], [g]), new DataRng(100 + i));
        const u = comp.undo(s.gt[0], s.meta.applied);
        moved = Math.min(moved, dice(s.gt[0], g));
        expect(dice(u, g), `set ${i} shape ${shape}`).toBeGreaterThan(0.85);
      }
    }
    // the forward transform did change the label (else undo would be trivially exact)
    expect(moved).toBeLessThan(0.5);
  });

  it('moves image and label identically (the label stays the thresholded image)', () => {
    const g = ball([30, 30], [12, 18], 6);
    const s = applyTransform(new RandomAffine({ degrees: 20, translate: [0.1, 0.1] }), sample([g], [g]), new DataRng(9));
    expect(Array.from(s.gt[0].data)).toEqual(Array.from(s.input[0].data));
  });

  it('translation of a 2D image by a whole number of pixels moves it exactly', () => {
    const g = ball([20, 20], [10, 10], 3);
    const s = applyTransform(new RandomAffine({ translate: [0.2, 0] }), sample([g]), new DataRng(4));
    const t = (s.meta.applied[0].params.translation as number[])[0];
    expect(Number.isInteger(t)).toBe(true);
    // out(o) = in(o + t): the disk centre moves from 10 to 10 - t
    const c = 10 - t;
    if (c >= 0 && c < 20) expect(s.input[0].data[c * 20 + 10]).toBe(1);
  });

  it('rejects translate outside [0, 1]', () => {
    expect(() => new RandomAffine({ translate: [1.5, 0] })).toThrow(/translate must be 2 or 3 numbers in \[0, 1\]/);
  });
});

describe('RandomReverse', () => {
  it('flips the same axes of image and label, and undo restores', () => {
    const img = ndarray(Array.from({ length: 24 }, (_, p) => p), [2, 3, 4]);
    const comp = new Compose([new RandomReverse()], 'testing');
    let sawFlip = false;
    for (let seed = 0; seed < 8; seed++) {
      const s = comp.apply(sample([img], [img]), new DataRng(seed));
      expect(Array.from(s.gt[0].data)).toEqual(Array.from(s.input[0].data));
      const flips = s.meta.applied[0].params.flips as boolean[];
      if (flips[0]) { sawFlip = true; expect(s.input[0].data[0]).toBeGreaterThanOrEqual(12); }
      expect(Array.from(comp.undo(s.gt[0], s.meta.applied).data)).toEqual(Array.from(img.data));
    }
    expect(sawFlip).toBe(true);
  });
});

describe('ElasticTransform', () => {
  it('deforms image and label with ONE displacement field', () => {
    const g = ball([40, 40], [20, 20], 10);
    const s = applyTransform(new ElasticTransform({ alpha_range: [30, 30], sigma_range: [3, 3], p: 1 }), sample([g], [g]), new DataRng(2));
    expect(Array.from(s.gt[0].data)).toEqual(Array.from(s.input[0].data));
    let changed = 0;
    for (let i = 0; i < g.data.length; i++) if (Math.abs(s.input[0].data[i] - g.data[i]) > 1e-3) changed++;
    expect(changed).toBeGreaterThan(10);
    expect(s.meta.applied[0].params).toMatchObject({ applied: true, alpha: 30, sigma: 3 });
    expect(s.meta.applied[0].params._field).toBeUndefined();
  });

  it('works in 3D and does nothing when p = 0', () => {
    const g = ball([12, 12, 8], [6, 6, 4], 3);
    const s = applyTransform(new ElasticTransform({ alpha_range: [5, 5], sigma_range: [2, 2], p: 1 }), sample([g], [g]), new DataRng(2));
    expect(s.input[0].shape).toEqual([12, 12, 8]);
    expect(Array.from(s.gt[0].data)).toEqual(Array.from(s.input[0].data));
    const n = applyTransform(new ElasticTransform({ alpha_range: [5, 5], sigma_range: [2, 2], p: 0 }), sample([g]), new DataRng(2));
    expect(n.input[0]).toBe(g);
  });
});

describe('intensity transforms', () => {
  it('AdditiveGaussianNoise adds N(mean, std)', () => {
    const z = ndarray(new Float32Array(20000), [100, 200]);
    const s = applyTransform(new AdditiveGaussianNoise({ mean: 1, std: 0.5 }), sample([z]), new DataRng(7));
    const { mean, std } = meanStd(s.input[0].data);
    expect(mean).toBeCloseTo(1, 1);
    expect(std).toBeCloseTo(0.5, 1);
  });

  it('HistogramClipping clips to numpy percentiles (linear interpolation)', () => {
    const a = ndarray(Array.from({ length: 11 }, (_, i) => i), [11, 1]);
    expect(percentile(a.data, 5)).toBeCloseTo(0.5, 6);
    const s = applyTransform(new HistogramClipping({ min_percentile: 5, max_percentile: 95 }), sample([a]), new DataRng(1));
    expect(s.input[0].data[0]).toBeCloseTo(0.5, 6);
    expect(s.input[0].data[10]).toBeCloseTo(9.5, 6);
    expect(s.input[0].data[5]).toBe(5);
  });

  it('RandomGamma with p = 1 computes sign(x)|x|^γ', () => {
    const a = ndarray([-2, -0.5, 0, 0.5, 3], [5, 1]);
    const s = applyTransform(new RandomGamma({ log_gamma_range: [Math.log(2), Math.log(2)], p: 1 }), sample([a]), new DataRng(1));
    expect(Array.from(s.input[0].data).map((v) => +v.toFixed(5))).toEqual([-4, -0.25, 0, 0.25, 9]);
  });

  it('RandomShiftIntensity adds the offset and undo removes it', () => {
    const a = ndarray([1, 2, 3, 4], [2, 2]);
    const comp = new Compose([new RandomShiftIntensity({ shift_range: [2, 2], prob: 1, applied_to: ['im', 'gt'] })], 'testing');
    const s = comp.apply(sample([a], [a]), new DataRng(1));
    expect(Array.from(s.input[0].data)).toEqual([3, 4, 5, 6]);
    expect(Array.from(comp.undo(s.gt[0], s.meta.applied).data)).toEqual([1, 2, 3, 4]);
  });

  it('RandomBiasField of order 0 multiplies by exp(c); field is smooth and positive for order 2', () => {
    const a = ndarray(new Array(16).fill(2), [4, 4]);
    const s = applyTransform(new RandomBiasField({ coefficients: [0.5, 0.5], order: 0, p: 1 }), sample([a]), new DataRng(1));
    for (const v of s.input[0].data) expect(v).toBeCloseTo(2 * Math.exp(0.5), 5);
    const t = applyTransform(new RandomBiasField({ coefficients: 0.3, order: 2, p: 1 }), sample([a]), new DataRng(1));
    for (const v of t.input[0].data) { expect(Number.isFinite(v)).toBe(true); expect(v).toBeGreaterThan(0); }
  });

  it('RandomBlur keeps a constant image and the sum of an impulse', () => {
    const c = ndarray(new Array(64).fill(3), [8, 8]);
    const s = applyTransform(new RandomBlur({ sigma_range: [1, 1], p: 1 }), sample([c]), new DataRng(1));
    for (const v of s.input[0].data) expect(v).toBeCloseTo(3, 5);
    const imp = ndarray(new Float32Array(21 * 21), [21, 21]);
    imp.data[10 * 21 + 10] = 1;
    const b = applyTransform(new RandomBlur({ sigma_range: [1.5, 1.5], p: 1 }), sample([imp]), new DataRng(1));
    expect(b.input[0].data.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(b.input[0].data[10 * 21 + 10]).toBeLessThan(0.1);
  });

  it('Clahe with one tile and no clipping is histogram equalisation', () => {
    const a = ndarray(Array.from({ length: 16 }, (_, i) => i), [4, 4]);
    const s = applyTransform(new Clahe({ kernel_size: [4, 4], clip_limit: 3 }), sample([a]), new DataRng(1));
    expect(Array.from(s.input[0].data).map((v) => +v.toFixed(5))).toEqual(Array.from({ length: 16 }, (_, i) => +((i + 1) / 16).toFixed(5)));
    const big = ndarray(Array.from({ length: 32 * 32 }, (_, p) => Math.sin(p / 50) * 100), [32, 32]);
    const t = applyTransform(new Clahe({}), sample([big]), new DataRng(1));
    expect(t.input[0].shape).toEqual([32, 32]);
    for (const v of t.input[0].data) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
    expect(() => applyTransform(new Clahe({ kernel_size: [8, 8] }), sample([ball([8, 8, 8], [4, 4, 4], 2)]), new DataRng(1))).toThrow(/kernel_size has 2 values but the array has 3/);
  });
});

describe('DilateGT', () => {
  it('grows a single voxel by one ring of value 1/2 (nb_it = round(1 * sqrt(1)) = 1)', () => {
    const g = ndarray(new Float32Array(25), [5, 5]);
    g.data[12] = 1;
    const s = applyTransform(new DilateGT({ dilation_factor: 1 }), sample([], [g]), new DataRng(1));
    const d = s.gt[0].data;
    expect(d[12]).toBe(1);
    for (const p of [7, 11, 13, 17]) expect(d[p]).toBe(0.5);
    expect(d[6]).toBe(0);
    expect(d.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('keeps the number of objects and adds positive voxels; labels only by default', () => {
    const g = ndarray(new Float32Array(400), [20, 20]);
    for (const [i, j] of [[3, 3], [3, 4], [4, 3], [4, 4], [15, 15]]) g.data[i * 20 + j] = 1;
    const t = new DilateGT({ dilation_factor: 0.8 });
    expect([...t.appliedTo]).toEqual(['gt']);
    const s = applyTransform(t, sample([g], [g]), new DataRng(1));
    expect(s.input[0]).toBe(g);
    const pos = (a: NdArray): number => a.data.filter((v) => v > 0).length;
    expect(pos(s.gt[0])).toBeGreaterThan(pos(g));
    // square of 4: nb_it = round(0.8 * 2) = 2 -> ring values 2/3 and 1/3
    expect(s.gt[0].data[2 * 20 + 3]).toBeCloseTo(2 / 3, 6);
    expect(s.gt[0].data[1 * 20 + 3]).toBeCloseTo(1 / 3, 6);
  });
});

describe('Compose and config pipelines', () => {
  const cfg = {
    NumpyToTensor: {},
    RandomAffine: { degrees: 5, dataset_type: ['training'] },
    Resample: { hspace: 0.5, wspace: 0.5 },
    CenterCrop: { size: [6, 6] },
    ElasticTransform: { alpha_range: [1, 2], sigma_range: [3, 4], p: 0.5, applied_to: ['im', 'gt'] },
    NormalizeInstance: { applied_to: ['im'] },
  };

  it('splits by dataset_type, runs preprocessing first, drops non-undoable for testing', () => {
    const p = pipelinesFromConfig(cfg, { requiresUndo: true });
    expect(p.training.transforms.map((t) => t.name)).toEqual(['Resample', 'CenterCrop', 'RandomAffine', 'ElasticTransform', 'NormalizeInstance']);
    expect(p.validation.transforms.map((t) => t.name)).toEqual(['Resample', 'CenterCrop', 'ElasticTransform', 'NormalizeInstance']);
    expect(p.testing.transforms.map((t) => t.name)).toEqual(['Resample', 'CenterCrop', 'NormalizeInstance']);
    expect(p.testing.dropped).toEqual(['ElasticTransform']);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const p = pipelinesFromConfig({ RandomAffine: { degrees: 20, translate: [0.1, 0.1] }, AdditiveGaussianNoise: { std: 0.1, applied_to: ['im'] } });
    const g = ball([16, 16], [8, 8], 4);
    const a = p.training.apply(sample([g], [g]), new DataRng(42));
    const b = p.training.apply(sample([g], [g]), new DataRng(42));
    const c = p.training.apply(sample([g], [g]), new DataRng(43));
    expect(Array.from(a.input[0].data)).toEqual(Array.from(b.input[0].data));
    expect(Array.from(a.input[0].data)).not.toEqual(Array.from(c.input[0].data));
  });

  it('undoes a full testing pipeline back to the native grid', () => {
    const p = pipelinesFromConfig({ Resample: { hspace: 2, wspace: 2 }, CenterCrop: { size: [16, 16] }, NormalizeInstance: { applied_to: ['im'] } }, { requiresUndo: true });
    const g = ball([40, 30], [20, 15], 8);
    const s = p.testing.apply(sample([g], [g], [], [1, 1, 1]), new DataRng(1));
    expect(s.gt[0].shape).toEqual([16, 16]);
    const u = p.testing.undo(s.gt[0], s.meta.applied);
    expect(u.shape).toEqual([40, 30]);
    expect(dice(u, g)).toBeGreaterThan(0.8);
  });

  it('reports unknown transforms and bad applied_to by name', () => {
    expect(() => createTransform('RandomFoo', {})).toThrow(/transformation.RandomFoo: unknown transform/);
    expect(() => createTransform('NormalizeInstance', { applied_to: ['img'] })).toThrow(/applied_to contains "img"/);
    expect(() => createTransform('RandomGamma', { log_gamma_range: [1] })).toThrow(/RandomGamma.log_gamma_range must be a list of two numbers/);
  });
});
