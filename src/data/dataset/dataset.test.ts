import { describe, expect, it } from 'vitest';
import { indexBids } from '../bids/index';
import { extractSlice } from '../orientation';
import { reconstructFromPatches, stackSlices } from '../patches/patches';
import { DataRng } from '../rng';
import { newSubjectFileSplit } from '../split/split';
import { generateSyntheticDataset } from '../synthetic/index';
import { Compose } from '../transforms/compose';
import type { NdArray } from '../transforms/ndarray';
import { identityAffine, type Volume } from '../volume';
import { ByteLruCache, SegmentationDataset, dropoutInput, entriesFromBids, entriesIn, hwdToVolumeData, splitRows, volumeToHWD, type DatasetEntry, type LoaderParams } from './index';

const NX = 8, NY = 6, NZ = 5;

function vol(f: (x: number, y: number, z: number) => number, shape = [NX, NY, NZ]): Volume {
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[2]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[0]; x++) data[x + shape[0] * (y + shape[1] * z)] = f(x, y, z);
  return { data, shape, spacing: [1, 1, 2], affine: identityAffine([1, 1, 2]) };
}

function ref(path: string, v: Volume, counter?: { n: number }): { path: string; load(): Promise<Volume> } {
  return { path, load: async () => { if (counter) counter.n++; return { ...v, data: v.data.slice() }; } };
}

/** Image: x + 10 y + 100 z (no constant slice); label: a 3x2 box on slices z = 1..3. */
const image = vol((x, y, z) => x + 10 * y + 100 * z + 1);
const label = vol((x, y, z) => (z >= 1 && z <= 3 && x >= 2 && x < 5 && y >= 1 && y < 3 ? 1 : 0));

function entry(id: string, extra: Partial<DatasetEntry> = {}, counter?: { n: number }): DatasetEntry {
  return {
    id, filenames: [id], subject: `sub-${id}`, contrasts: ['T2w'],
    images: [ref(`${id}_T2w.nii.gz`, image, counter)], targets: [[ref(`${id}_seg.nii.gz`, label)]], roi: null,
    metadata: { EchoTime: 0.1 }, ...extra,
  };
}

const base: LoaderParams = { target_suffix: ['_seg-manual'], slice_filter_params: { filter_empty_mask: false, filter_empty_input: true } };

function make(entries: DatasetEntry[], params: Partial<LoaderParams>, transformation: Record<string, unknown> = {}, mode: ConstructorParameters<typeof SegmentationDataset>[2]['mode'] = { kind: 'slices' }, datasetType: 'training' | 'validation' | 'testing' = 'training', cacheBytes?: number): SegmentationDataset {
  return new SegmentationDataset(entries, { ...base, ...params }, { datasetType, mode, transforms: Compose.fromConfig(transformation, datasetType, { requiresUndo: datasetType === 'testing' }), cacheBytes });
}

describe('SegmentationDataset: 2D slices', () => {
  it('yields axial slices matching the data layer\'s extractSlice, with metadata', async () => {
    const ds = make([entry('a')], {});
    await ds.prepare();
    expect(ds.length).toBe(NZ);
    const it2 = await ds.getItem(2, new DataRng(1));
    expect(it2.input[0].shape).toEqual([NX, NY]);
    expect(Array.from(it2.input[0].data)).toEqual(Array.from(extractSlice(image, 'axial', 2)));
    expect(it2.meta).toMatchObject({ subject: 'sub-a', sliceIndex: 2, shapeHWD: [NX, NY, NZ], sliceAxis: 2, zooms: [1, 1, 2], metadata: { EchoTime: 0.1 } });
    expect(it2.gt[0].data.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('filters empty masks, absent classes and constant inputs as ivadomed', async () => {
    const ds = make([entry('a')], { slice_filter_params: { filter_empty_mask: true } });
    await ds.prepare();
    expect(ds.length).toBe(3);
    expect(ds.filtered.slices).toBe(2);
    const lesion = vol((x, y, z) => (z === 2 && x === 3 && y === 2 ? 1 : 0));
    const two = make([entry('b', { targets: [[ref('seg', label)], [ref('lesion', lesion)]] })], { target_suffix: ['_seg', '_lesion'], slice_filter_params: { filter_absent_class: true } });
    await two.prepare();
    expect(two.length).toBe(1);
    const flat = vol((x, y, z) => (z === 4 ? 7 : x + y + 1));
    const c = make([entry('c', { images: [ref('c', flat)] })], { slice_filter_params: { filter_empty_input: true } });
    await c.prepare();
    expect(c.length).toBe(NZ - 1);
  });

  it('takes sagittal and coronal slices with (H, W) = (z, y) and (z, x)', async () => {
    const s = make([entry('a')], { slice_axis: 'sagittal' });
    await s.prepare();
    expect(s.length).toBe(NX);
    expect((await s.getItem(0, new DataRng(1))).input[0].shape).toEqual([NZ, NY]);
    const c = make([entry('a')], { slice_axis: 'coronal' });
    await c.prepare();
    expect(c.length).toBe(NY);
    const item = await c.getItem(1, new DataRng(1));
    expect(item.input[0].shape).toEqual([NZ, NX]);
    expect(Array.from(item.input[0].data)).toEqual(Array.from(extractSlice(image, 'coronal', 1)));
  });

  it('applies preprocessing once and augmentation per item; records undo; labels binarised', async () => {
    const ds = make([entry('a')], { slice_filter_params: { filter_empty_mask: true } }, {
      Resample: { hspace: 0.5, wspace: 0.5 }, CenterCrop: { size: [12, 10] }, RandomAffine: { degrees: 10 }, NormalizeInstance: { applied_to: ['im'] },
    });
    await ds.prepare();
    const item = await ds.getItem(0, new DataRng(3));
    expect(item.input[0].shape).toEqual([12, 10]);
    expect(item.meta.applied.map((a) => a.name)).toEqual(['Resample', 'CenterCrop', 'RandomAffine', 'NormalizeInstance']);
    expect(item.meta.zooms.slice(0, 2)).toEqual([0.5, 0.5]);
    expect(item.gt[0].data.every((v) => v === 0 || v === 1)).toBe(true);
    const again = await ds.getItem(0, new DataRng(3));
    expect(Array.from(again.input[0].data)).toEqual(Array.from(item.input[0].data));
  });

  it('keeps soft labels with soft_gt (DilateGT)', async () => {
    const ds = make([entry('a')], { soft_gt: true, slice_filter_params: { filter_empty_mask: true } }, { DilateGT: { dilation_factor: 0.5 } });
    await ds.prepare();
    const item = await ds.getItem(0, new DataRng(1));
    expect(item.gt[0].data.some((v) => v > 0 && v < 1)).toBe(true);
    const hard = make([entry('a')], { slice_filter_params: { filter_empty_mask: true } }, { DilateGT: { dilation_factor: 0.5 } });
    await hard.prepare();
    expect((await hard.getItem(0, new DataRng(1))).gt[0].data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('crops around the ROI and drops slices whose ROI is too small', async () => {
    const roi = vol((x, y, z) => (z >= 1 && z <= 3 && x >= 2 && x < 6 && y >= 1 && y < 4 ? (z === 3 ? (x === 2 && y === 1 ? 1 : 0) : 1) : 0));
    const ds = make([entry('a', { roi: ref('roi', roi) })], { roi_params: { suffix: '_seg-manual', slice_filter_roi: 2 } }, { ROICrop: { size: [4, 4] } });
    await ds.prepare();
    expect(ds.length).toBe(2); // z = 1, 2 (z = 3 has one ROI voxel, the others none)
    expect(ds.filtered.roi).toBe(3);
    const item = await ds.getItem(0, new DataRng(1));
    expect(item.input[0].shape).toEqual([4, 4]);
    // ROI centre of mass (3.5, 2) -> round half even (4, 2); start (2, 0)
    expect(item.meta.applied[0].params.start).toEqual([2, 0, 0]);
  });

  it('names the file when a label does not match its image', async () => {
    const bad = vol(() => 1, [NX, NY + 1, NZ]);
    const ds = make([entry('a', { targets: [[ref('sub-a_seg.nii.gz', bad)]] })], {});
    await expect(ds.prepare()).rejects.toThrow(/sub-a_seg.nii.gz: shape \[8, 7, 5\] differs from its image a_T2w.nii.gz \[8, 6, 5\]/);
  });
});

describe('SegmentationDataset: patches', () => {
  it('cuts 2D patches per slice, filters empty patches in training only', async () => {
    const train = make([entry('a')], { patch_filter_params: { filter_empty_mask: true } }, {}, { kind: 'patches2d', length: [4, 4], stride: [4, 4] });
    await train.prepare();
    const test = make([entry('a')], { patch_filter_params: { filter_empty_mask: true } }, {}, { kind: 'patches2d', length: [4, 4], stride: [4, 4] }, 'testing');
    await test.prepare();
    // 8x6 slice, 4x4 patches, stride 4: starts [0,4] x [0,2] = 4 patches per slice, 5 slices
    expect(test.length).toBe(20);
    expect(train.length).toBeLessThan(20);
    expect(train.filtered.patches).toBe(20 - train.length);
    const p = await test.getItem(5, new DataRng(1));
    expect(p.input[0].shape).toEqual([4, 4]);
    expect(p.meta.patch).toEqual({ start: [0, 2], size: [4, 4] });
  });

  it('3D sub-volumes reconstruct the whole volume exactly', async () => {
    const ds = make([entry('a')], {}, {}, { kind: 'patches3d', length: [4, 4, 4], stride: [3, 3, 2] }, 'testing');
    await ds.prepare();
    const parts = [];
    for (let i = 0; i < ds.length; i++) {
      const item = await ds.getItem(i, new DataRng(1));
      parts.push({ index: item.meta.patch!, data: item.input[0] });
    }
    const back = reconstructFromPatches([NX, NY, NZ], parts);
    expect(Array.from(back.data)).toEqual(Array.from(volumeToHWD(image, 'axial').data));
    const strict = make([entry('a')], {}, {}, { kind: 'patches3d', length: [16, 16, 16], stride: [16, 16, 16], strict: true }, 'testing');
    await expect(strict.prepare()).rejects.toThrow(/multiple of 16/);
  });
});

describe('SegmentationDataset: raters, dropout, cache', () => {
  it('draws one rater per item for training and refuses several raters elsewhere', async () => {
    const other = vol(() => 0);
    const e = entry('a', { targets: [[ref('r1', label), ref('r2', other)]] });
    const ds = make([e], { target_suffix: [['_r1', '_r2']] });
    await ds.prepare();
    const raters = new Set<number>();
    for (let s = 0; s < 20; s++) raters.add((await ds.getItem(2, new DataRng(s))).meta.rater as number);
    expect(raters).toEqual(new Set([0, 1]));
    expect(() => make([e], { target_suffix: [['_r1', '_r2']] }, {}, { kind: 'slices' }, 'validation')).toThrow(/only supported for training/);
  });

  it('input dropout zeros up to C − 1 channels and always keeps one', () => {
    const ch = (v: number): NdArray => ({ data: new Float32Array(4).fill(v), shape: [2, 2] });
    const seen = new Set<number>();
    for (let s = 0; s < 50; s++) {
      const { input, dropped } = dropoutInput([ch(1), ch(2), ch(3)], new DataRng(s));
      expect(input.filter((a) => a.data.some((v) => v !== 0)).length).toBeGreaterThanOrEqual(1);
      seen.add(dropped.length);
    }
    expect(seen).toEqual(new Set([0, 1, 2]));
    const withEmpty = dropoutInput([ch(0), ch(2)], new DataRng(1));
    expect(withEmpty.input[1].data[0]).toBe(2);
  });

  it('keeps only the current volumes decoded (LRU by bytes)', async () => {
    const counter = { n: 0 };
    const entries = ['a', 'b', 'c'].map((id) => entry(id, {}, counter));
    const oneEntryBytes = NX * NY * NZ * 4 * 2;
    const ds = make(entries, {}, {}, { kind: 'slices' }, 'training', oneEntryBytes + 16);
    await ds.prepare();
    expect(counter.n).toBe(3);
    expect(ds.cacheStats.entries).toBe(1);
    await ds.getItem(0, new DataRng(1)); // entry a: evicted -> decoded again
    await ds.getItem(1, new DataRng(1)); // still a: cached
    expect(counter.n).toBe(4);
    expect(ds.cacheStats.bytes).toBeLessThanOrEqual(oneEntryBytes + 16);
  });

  it('ByteLruCache shares concurrent loads and evicts the oldest', async () => {
    const c = new ByteLruCache<number[]>(10, (v) => v.length);
    let loads = 0;
    const load = (n: number) => async () => { loads++; return new Array(n).fill(0); };
    await Promise.all([c.get('a', load(4)), c.get('a', load(4))]);
    expect(loads).toBe(1);
    await c.get('b', load(4));
    await c.get('a', load(4)); // refresh a
    await c.get('c', load(4)); // evicts b
    expect(c.has('b')).toBe(false);
    expect(c.has('a')).toBe(true);
  });
});

describe('dataset from a synthetic BIDS folder', () => {
  it('indexes, splits, builds single and multichannel datasets, and maps predictions back', async () => {
    const source = await generateSyntheticDataset({ subjects: 4, seed: 3, shape: [24, 20, 6] });
    const index = await indexBids(source);
    const params: LoaderParams = {
      target_suffix: ['_seg-manual'],
      contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'] },
      slice_filter_params: { filter_empty_mask: true, filter_empty_input: true },
    };
    const { entries, problems } = entriesFromBids(source, index, params, 'training');
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(entries.length).toBe(8);
    const split = newSubjectFileSplit(splitRows(entries), { train_fraction: 0.5, test_fraction: 0.25, random_seed: 6 });
    expect(split.train.length + split.valid.length + split.test.length).toBe(8);
    const train = entriesIn(entries, split.train);
    const ds = new SegmentationDataset(train, params, { datasetType: 'training', mode: { kind: 'slices' }, transforms: Compose.fromConfig({ CenterCrop: { size: [16, 16] }, RandomAffine: { degrees: 5 } }, 'training') });
    await ds.prepare();
    expect(ds.length).toBeGreaterThan(0);
    const item = await ds.getItem(0, new DataRng(1));
    expect(item.input[0].shape).toEqual([16, 16]);

    const multi = entriesFromBids(source, index, { ...params, multichannel: true }, 'training');
    expect(multi.entries.length).toBe(4);
    expect(multi.entries[0].contrasts).toEqual(['T1w', 'T2w']);
    const mds = new SegmentationDataset(multi.entries, { ...params, multichannel: true }, { datasetType: 'training', mode: { kind: 'slices' }, transforms: Compose.fromConfig({}, 'training') });
    await mds.prepare();
    expect((await mds.getItem(0, new DataRng(1))).input.length).toBe(2);

    // testing: Resample + CenterCrop, then undo each slice and stack back into the RAS volume
    const testParams = { ...params, slice_filter_params: { filter_empty_mask: false, filter_empty_input: false } };
    const tds = new SegmentationDataset(entries.slice(0, 1), testParams, { datasetType: 'testing', mode: { kind: 'slices' }, transforms: Compose.fromConfig({ Resample: { hspace: 1.2, wspace: 1.2 }, CenterCrop: { size: [16, 16] } }, 'testing', { requiresUndo: true }) });
    await tds.prepare();
    const undone = [];
    for (let i = 0; i < tds.length; i++) {
      const it = await tds.getItem(i, new DataRng(1));
      undone.push({ sliceIndex: it.meta.sliceIndex!, data: tds.options.transforms.undo(it.gt[0], it.meta.applied) });
    }
    const first = await tds.getItem(0, new DataRng(1));
    const hwd = stackSlices(undone, first.meta.shapeHWD);
    const labelFile = entries[0].targets[0][0]!;
    const { reorientToRAS } = await import('../orientation');
    const truth = reorientToRAS(await labelFile.load()).volume;
    const rebuilt = hwdToVolumeData(hwd, 'axial', truth.shape);
    let inter = 0, a = 0, b = 0;
    for (let i = 0; i < truth.data.length; i++) {
      const x = rebuilt[i] >= 0.5 ? 1 : 0, y = truth.data[i] >= 0.5 ? 1 : 0;
      inter += x * y; a += x; b += y;
    }
    expect(b).toBeGreaterThan(0);
    expect((2 * inter) / (a + b)).toBeGreaterThan(0.8);
  });
});
