/**
 * ivadomed's test_orientation and test_sampler scenarios on ivadomed-data-testing (sub-unf01).
 */
import { describe, expect, it } from 'vitest';
import { indexBids } from '../bids/index';
import { reorientFromRAS, reorientToRAS } from '../orientation';
import { stackSlices } from '../patches/patches';
import { DataRng } from '../rng';
import { balancedIndices, gtLabel } from '../sampler/sampler';
import { createNodeSource } from '../sources/node';
import { Compose } from '../transforms/compose';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../testdata';
import { SegmentationDataset, entriesFromBids, hwdToVolumeData, volumeToHWD, type LoaderParams } from './index';

function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] >= 0.5 ? 1 : 0, y = b[i] >= 0.5 ? 1 : 0;
    inter += x * y; sa += x; sb += y;
  }
  return (2 * inter) / (sa + sb);
}

async function unf01(contrast: string, target: string) {
  const source = createNodeSource(IVADOMED_TEST_DATA);
  const index = await indexBids(source);
  const params: LoaderParams = {
    target_suffix: [target],
    contrast_params: { training_validation: [contrast], testing: [contrast] },
    slice_filter_params: { filter_empty_mask: false, filter_empty_input: false },
  };
  const { entries } = entriesFromBids(source, index, params, 'testing');
  const entry = entries.filter((e) => e.id === `sub-unf01_${contrast}.nii.gz`);
  expect(entry.length).toBe(1);
  return { entry, params };
}

describe.skipIf(!hasIvadomedTestData)('ivadomed-data-testing: sub-unf01', () => {
  it('load -> Resample 1x1.5x3 + CenterCrop + Normalize -> undo gives Dice >= 0.8 for 2D and 3D, every slice axis', async () => {
    const { entry, params } = await unf01('T1w', '_seg-manual');
    const native = await entry[0].targets[0][0]!.load();
    const { volume: ras } = reorientToRAS(native);
    for (const axis of ['sagittal', 'coronal', 'axial'] as const) {
      const p = { ...params, slice_axis: axis };
      const truthHWD = volumeToHWD(ras, axis);
      // 2D
      const t2 = Compose.fromConfig({ Resample: { hspace: 1, wspace: 1.5, dspace: 3 }, CenterCrop: { size: [176, 128] }, NormalizeInstance: { applied_to: ['im'] } }, 'testing', { requiresUndo: true });
      const ds2 = new SegmentationDataset(entry, p, { datasetType: 'testing', mode: { kind: 'slices' }, transforms: t2 });
      await ds2.prepare();
      const slices = [];
      let shapeHWD: [number, number, number] = [0, 0, 0];
      for (let i = 0; i < ds2.length; i++) {
        const item = await ds2.getItem(i, new DataRng(1));
        expect(item.input[0].shape).toEqual([176, 128]);
        shapeHWD = item.meta.shapeHWD;
        slices.push({ sliceIndex: item.meta.sliceIndex!, data: t2.undo(item.gt[0], item.meta.applied) });
      }
      const back2 = stackSlices(slices, shapeHWD);
      expect(dice(back2.data, truthHWD.data), `2D ${axis} (HWD)`).toBeGreaterThanOrEqual(0.8);
      // back to RAS and to the file's own orientation
      const rasData = hwdToVolumeData(back2, axis, ras.shape);
      expect(dice(rasData, ras.data), `2D ${axis} (RAS)`).toBeGreaterThanOrEqual(0.8);
      const nat = reorientFromRAS({ ...ras, data: rasData }, reorientToRAS(native).transform);
      expect(dice(nat.data, native.data), `2D ${axis} (native)`).toBeGreaterThanOrEqual(0.8);
      // 3D: one sub-volume the size of the crop
      const t3 = Compose.fromConfig({ Resample: { hspace: 1, wspace: 1.5, dspace: 3 }, CenterCrop: { size: [176, 128, 160] }, NormalizeInstance: { applied_to: ['im'] } }, 'testing', { requiresUndo: true });
      const ds3 = new SegmentationDataset(entry, p, { datasetType: 'testing', mode: { kind: 'patches3d', length: [176, 128, 160], stride: [176, 128, 160] }, transforms: t3 });
      await ds3.prepare();
      expect(ds3.length).toBe(1);
      const item = await ds3.getItem(0, new DataRng(1));
      expect(item.gt[0].shape).toEqual([176, 128, 160]);
      const back3 = t3.undo(item.gt[0], item.meta.applied);
      expect(back3.shape).toEqual(truthHWD.shape);
      expect(dice(back3.data, truthHWD.data), `3D ${axis}`).toBeGreaterThanOrEqual(0.8);
    }
  }, 120_000);

  it('BalancedSampler evens out lesion / no-lesion slices of sub-unf01_T2w (ivadomed test_sampler)', async () => {
    const { entry, params } = await unf01('T2w', '_lesion-manual');
    const ds = new SegmentationDataset(entry, params, { datasetType: 'testing', mode: { kind: 'slices' }, transforms: Compose.fromConfig({}, 'testing') });
    await ds.prepare();
    const labels: number[] = [];
    for (let i = 0; i < ds.length; i++) labels.push(gtLabel((await ds.getItem(i, new DataRng(1))).gt));
    const pos = labels.filter((l) => l === 1).length / labels.length;
    const before = Math.abs(1 - 2 * pos) * 100;
    expect(before).toBeGreaterThan(20);
    const drawn = balancedIndices(labels, new DataRng(6), 2000);
    const posAfter = drawn.filter((i) => labels[i] === 1).length / drawn.length;
    const after = Math.abs(1 - 2 * posAfter) * 100;
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThan(10);
  }, 60_000);
});

describe.skipIf(!hasIvadomedTestData)('ivadomed-data-testing: microscopy PNG', () => {
  it('2D patches of SEM images (axon + myelin), patch filter in training only (ivadomed test_patch_filter)', async () => {
    const source = createNodeSource(`${IVADOMED_TEST_DATA}/microscopy_png`);
    const index = await indexBids(source);
    const params: LoaderParams = {
      target_suffix: ['_seg-axon-manual', '_seg-myelin-manual'],
      contrast_params: { training_validation: ['SEM'], testing: ['SEM'] },
      extensions: ['.png'],
      slice_filter_params: { filter_empty_mask: false, filter_empty_input: true },
      patch_filter_params: { filter_empty_mask: true, filter_empty_input: true },
    };
    const { entries } = entriesFromBids(source, index, params, 'training');
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const one = entries.slice(0, 2);
    const make = (datasetType: 'training' | 'testing') => new SegmentationDataset(one, params, {
      datasetType, mode: { kind: 'patches2d', length: [32, 32], stride: [32, 32] },
      transforms: Compose.fromConfig({ NormalizeInstance: { applied_to: ['im'] } }, datasetType),
    });
    const train = make('training');
    const test = make('testing');
    await train.prepare();
    await test.prepare();
    expect(test.length).toBeGreaterThan(train.length);
    expect(train.filtered.patches).toBe(test.length - train.length);
    for (let i = 0; i < train.length; i += Math.max(1, Math.floor(train.length / 10))) {
      const item = await train.getItem(i, new DataRng(i));
      expect(item.input[0].shape).toEqual([32, 32]);
      expect(item.gt.length).toBe(2);
      expect(item.gt[0].data.some((v) => v === 1) || item.gt[1].data.some((v) => v === 1)).toBe(true);
    }
  }, 60_000);
});
