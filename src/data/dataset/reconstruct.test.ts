import { describe, expect, it } from 'vitest';
import { DataRng } from '../rng';
import { Compose } from '../transforms/compose';
import type { Affine, Volume } from '../volume';
import { SegmentationDataset, VolumeAssembler, type DatasetEntry, type DatasetMode } from './index';

// an LPS-oriented image (flipped x and y) so that the native round trip is exercised
const S = [10, 8, 6];
const affine: Affine = [-1, 0, 0, 9, 0, -1, 0, 7, 0, 0, 1, 0, 0, 0, 0, 1];
function vol(f: (x: number, y: number, z: number) => number): Volume {
  const data = new Float32Array(S[0] * S[1] * S[2]);
  for (let z = 0; z < S[2]; z++) for (let y = 0; y < S[1]; y++) for (let x = 0; x < S[0]; x++) data[x + S[0] * (y + S[1] * z)] = f(x, y, z);
  return { data, shape: S.slice(), spacing: [1, 1, 1], affine };
}
const image = vol((x, y, z) => 1 + x + 2 * y + 3 * z);
const label = vol((x, y, z) => (x >= 2 && x < 7 && y >= 3 && y < 6 && z > 0 ? 1 : 0));
const entry: DatasetEntry = {
  id: 'a', filenames: ['a'], subject: 'sub-a', contrasts: ['T2w'],
  images: [{ path: 'a', load: async () => ({ ...image, data: image.data.slice() }) }],
  targets: [[{ path: 's', load: async () => ({ ...label, data: label.data.slice() }) }]], roi: null, metadata: {},
};

async function roundTrip(mode: DatasetMode, transformation: Record<string, unknown>, axis: 'axial' | 'sagittal' | 'coronal'): Promise<Float32Array> {
  const compose = Compose.fromConfig(transformation, 'testing', { requiresUndo: true });
  const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'], slice_axis: axis, slice_filter_params: { filter_empty_mask: true } }, { datasetType: 'testing', mode, transforms: compose });
  await ds.prepare();
  const asm = new VolumeAssembler(compose);
  // the "prediction" is the transformed label itself
  for (let i = 0; i < ds.length; i++) {
    const item = await ds.getItem(i, new DataRng(1));
    asm.add(item, item.gt);
  }
  const [native] = asm.assembleNative(image);
  expect(native.shape).toEqual(S);
  expect(native.affine).toEqual(affine);
  return native.data;
}

describe('VolumeAssembler', () => {
  it('slices with CenterCrop (pad) give back the label exactly, on every slice axis, in native orientation', async () => {
    for (const axis of ['axial', 'sagittal', 'coronal'] as const) {
      const out = await roundTrip({ kind: 'slices' }, { CenterCrop: { size: [16, 16] } }, axis);
      expect(Array.from(out)).toEqual(Array.from(label.data));
    }
  });

  it('2D patches and 3D sub-volumes are averaged back exactly', async () => {
    expect(Array.from(await roundTrip({ kind: 'patches2d', length: [4, 4], stride: [3, 3] }, {}, 'axial'))).toEqual(Array.from(label.data));
    expect(Array.from(await roundTrip({ kind: 'patches3d', length: [4, 4, 4], stride: [2, 3, 2] }, { NormalizeInstance: { applied_to: ['im'] } }, 'coronal'))).toEqual(Array.from(label.data));
  });

  it('refuses items of another entry', () => {
    const asm = new VolumeAssembler(Compose.fromConfig({}, 'testing'));
    const meta = { entry: 0, applied: [], preprocessingCount: 0, sliceIndex: 0 } as unknown as import('./types').ItemMetadata;
    asm.add({ input: [], gt: [], roi: [], meta }, []);
    expect(() => asm.add({ input: [], gt: [], roi: [], meta: { ...meta, entry: 1 } }, [])).toThrow(/use one assembler per entry/);
  });
});
