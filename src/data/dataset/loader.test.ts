import { describe, expect, it } from 'vitest';
import { DataRng } from '../rng';
import { Compose } from '../transforms/compose';
import { identityAffine, type Volume } from '../volume';
import { SegmentationDataset, balanceLabels, epochBatches, type DatasetEntry } from './index';

function vol(f: (x: number, y: number, z: number) => number): Volume {
  const s = [6, 5, 10];
  const data = new Float32Array(300);
  for (let z = 0; z < 10; z++) for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) data[x + 6 * (y + 5 * z)] = f(x, y, z);
  return { data, shape: s, spacing: [1, 1, 1], affine: identityAffine() };
}

const img = vol((x, y, z) => x + y + z + 1);
const seg = vol((x, y, z) => (z < 2 && x === 2 && y === 2 ? 1 : 0)); // 2 of 10 slices positive
const entry: DatasetEntry = {
  id: 'a', filenames: ['a'], subject: 'sub-a', contrasts: ['T2w'],
  images: [{ path: 'a', load: async () => img }], targets: [[{ path: 's', load: async () => seg }]], roi: null, metadata: { site: 'x' },
};

describe('epochBatches', () => {
  it('stacks [N, C, H, W] batches, last one short', async () => {
    const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'] }, { datasetType: 'training', mode: { kind: 'slices' }, transforms: Compose.fromConfig({}, 'training') });
    await ds.prepare();
    const batches = [];
    for await (const b of epochBatches(ds, { batchSize: 4, shuffle: true }, new DataRng(1))) batches.push(b);
    expect(batches.map((b) => b.input.shape)).toEqual([[4, 1, 6, 5], [4, 1, 6, 5], [2, 1, 6, 5]]);
    expect(batches[0].gt?.shape).toEqual([4, 1, 6, 5]);
    expect(batches.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('balances on "gt" and on a metadata column', async () => {
    const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'] }, { datasetType: 'training', mode: { kind: 'slices' }, transforms: Compose.fromConfig({}, 'training') });
    await ds.prepare();
    const labels = await balanceLabels(ds, 'gt');
    expect(labels).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    let pos = 0, n = 0;
    const rng = new DataRng(2);
    for (let e = 0; e < 40; e++) {
      for await (const b of epochBatches(ds, { batchSize: 5, balanceSamples: { applied: true, type: 'gt' } }, rng, labels)) {
        for (const i of b.indices) { pos += labels[i] as number; n++; }
      }
    }
    expect(pos / n).toBeGreaterThan(0.4);
    expect(pos / n).toBeLessThan(0.6);
    expect(await balanceLabels(ds, 'site')).toEqual(new Array(10).fill('x'));
    await expect(ds.balanceLabel(0, 'Manufacturer')).rejects.toThrow(/balance_samples.type "Manufacturer" is neither "gt" nor a metadata column/);
  });
});
