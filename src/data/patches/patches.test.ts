import { describe, expect, it } from 'vitest';
import { DataRng } from '../rng';
import type { NdArray } from '../transforms/ndarray';
import { volumeToHWD, hwdToVolumeData, sliceOf } from '../dataset/hwd';
import { identityAffine, type Volume } from '../volume';
import { checkIvadomed3DPatches, extractPatch, patchGrid, patchStarts, reconstructFromPatches, stackSlices } from './index';

function random(shape: number[], seed: number): NdArray {
  const rng = new DataRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => rng.uniform(-5, 5)), shape };
}

describe('patch grids', () => {
  it('snaps the last patch to the border (ivadomed range rule)', () => {
    expect(patchStarts(10, 4, 4)).toEqual([0, 4, 6]);
    expect(patchStarts(8, 4, 4)).toEqual([0, 4]);
    expect(patchStarts(10, 4, 3)).toEqual([0, 3, 6]);
    expect(patchStarts(11, 4, 3)).toEqual([0, 3, 6, 7]);
    expect(patchStarts(3, 4, 2)).toEqual([0]);
    expect(() => patchStarts(10, 4, 5)).toThrow(/0 < stride <= length/);
  });

  it('enumerates 2D and 3D grids with the first axis slowest', () => {
    const g = patchGrid([6, 5], [4, 4], [2, 4]);
    expect(g.map((p) => p.start)).toEqual([[0, 0], [0, 1], [2, 0], [2, 1]]);
    expect(patchGrid([32, 32, 16], [16, 16, 16], [16, 16, 16]).length).toBe(4);
    expect(() => patchGrid([6, 5], [4], [2])).toThrow(/one value per image axis/);
  });

  it('reconstructs 2D and 3D images exactly from overlapping patches', () => {
    for (const [shape, len, str] of [[[37, 29], [16, 12], [8, 5]], [[20, 18, 9], [8, 8, 4], [5, 3, 2]]] as const) {
      const img = random([...shape], 3);
      const grid = patchGrid(shape, len, str);
      const back = reconstructFromPatches(shape, grid.map((index) => ({ index, data: extractPatch(img, index) })));
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    }
  });

  it('pads images smaller than a patch and crops them back', () => {
    const img = random([5, 3], 1);
    const [p] = patchGrid([5, 3], [8, 8], [8, 8]);
    const patch = extractPatch(img, p);
    expect(patch.shape).toEqual([8, 8]);
    expect(patch.data[0 * 8 + 2]).toBe(img.data[2]);
    expect(patch.data[0 * 8 + 3]).toBe(0);
    expect(Array.from(reconstructFromPatches([5, 3], [{ index: p, data: patch }]).data)).toEqual(Array.from(img.data));
  });

  it('offers ivadomed\'s strict 3D sub-volume check with its message', () => {
    expect(() => checkIvadomed3DPatches([48, 48, 16], [32, 32, 16], [16, 16, 16])).not.toThrow();
    expect(() => checkIvadomed3DPatches([50, 48, 16], [32, 32, 16], [16, 16, 16])).toThrow(/multiple of length plus 2 \* padding and a multiple of 16: axis 0 has size 50/);
  });
});

describe('slice-wise reconstruction (2D models)', () => {
  it('puts slices back at their index, zero where filtered, and back into RAS order for every slice axis', () => {
    const vol: Volume = { data: Float32Array.from({ length: 4 * 3 * 5 }, (_, i) => i), shape: [4, 3, 5], spacing: [1, 1, 1], affine: identityAffine() };
    for (const axis of ['axial', 'sagittal', 'coronal'] as const) {
      const hwd = volumeToHWD(vol, axis);
      const D = hwd.shape[2];
      const kept = Array.from({ length: D }, (_, d) => d).filter((d) => d !== 1);
      const stacked = stackSlices(kept.map((d) => ({ sliceIndex: d, data: sliceOf(hwd, d) })), hwd.shape as [number, number, number]);
      const ras = hwdToVolumeData(stacked, axis, vol.shape);
      const again = volumeToHWD({ ...vol, data: ras }, axis);
      for (let p = 0; p < hwd.data.length; p++) expect(again.data[p]).toBe(p % D === 1 ? 0 : hwd.data[p]);
      const full = hwdToVolumeData(hwd, axis, vol.shape);
      expect(Array.from(full)).toEqual(Array.from(vol.data));
    }
  });

  it('axial (H, W, D) = (x, y, z): voxel (x, y, z) of the volume is hwd[x, y, z]', () => {
    const vol: Volume = { data: Float32Array.from({ length: 24 }, (_, i) => i), shape: [2, 3, 4], spacing: [1, 1, 1], affine: identityAffine() };
    const a = volumeToHWD(vol, 'axial');
    expect(a.shape).toEqual([2, 3, 4]);
    // x=1, y=2, z=3 -> NIfTI index 1 + 2*2 + 3*6 = 23 ; C order (1*3 + 2)*4 + 3 = 23
    expect(a.data[(1 * 3 + 2) * 4 + 3]).toBe(23);
    const s = volumeToHWD(vol, 'sagittal');
    expect(s.shape).toEqual([4, 3, 2]);
    expect(s.data[(3 * 3 + 2) * 2 + 1]).toBe(23);
  });
});
