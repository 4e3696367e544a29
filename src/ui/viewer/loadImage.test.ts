import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hasIvadomedTestData, testDataPath } from '../../data/testdata';
import { ImageLoadError, applyKindColouring, nvImageFromBytes, nvImageOnGrid, loadSource } from './loadImage';

describe('loading viewer layers (NiiVue NVImage, no WebGL needed)', () => {
  it.skipIf(!hasIvadomedTestData)('reads a .nii.gz and builds an overlay on its grid by cloning it', async () => {
    const bytes = readFileSync(testDataPath('sub-unf01/anat/sub-unf01_T1w.nii.gz'));
    const base = await nvImageFromBytes(new Uint8Array(bytes), 'sub-unf01_T1w.nii.gz');
    expect(base.hdr!.dims.slice(0, 4)).toEqual([3, 131, 141, 16]);
    const n = 131 * 141 * 16;
    const prob = new Float32Array(n);
    prob[5 + 131 * (7 + 141 * 3)] = 0.75;
    const overlay = nvImageOnGrid(base, prob, 'soft.nii.gz');
    expect(overlay.hdr!.dims.slice(0, 4)).toEqual([3, 131, 141, 16]);
    expect(overlay.hdr!.datatypeCode).toBe(16);
    expect(overlay.hdr!.affine).toEqual(base.hdr!.affine);
    expect(overlay.getValue(5, 7, 3)).toBeCloseTo(0.75, 6);
    expect(overlay.getValue(6, 7, 3)).toBe(0);
    expect(overlay.id).not.toBe(base.id);
    // The overlay owns its voxels: the caller's array can change without changing the layer.
    prob[5 + 131 * (7 + 141 * 3)] = 0;
    expect(overlay.getValue(5, 7, 3)).toBeCloseTo(0.75, 6);
    // Label colouring: a discrete table with a transparent background.
    applyKindColouring(overlay, 'label', 'label');
    expect(overlay.colormapLabel!.min).toBe(0);
    expect(overlay.colormapLabel!.max).toBe(1);
    expect(overlay.hdr!.intent_code).toBe(1002);
    applyKindColouring(overlay, 'probability', 'viridis');
    expect(overlay.colormapLabel).toBeNull();
    expect(overlay.colormap).toBe('viridis');
  });

  it('names the file it cannot read and refuses a grid overlay of the wrong size', async () => {
    await expect(nvImageFromBytes(new Uint8Array(100), 'tiny.nii')).rejects.toThrow(/Cannot open "tiny\.nii": it is 100 bytes long/);
    await expect(nvImageFromBytes(new Uint8Array(1000), 'photo.png')).rejects.toThrow(/Cannot open "photo\.png": the viewer reads NIfTI images/);
    await expect(loadSource({ type: 'grid', data: new Float32Array(3), name: 'p.nii' }, null)).rejects.toBeInstanceOf(ImageLoadError);
    if (hasIvadomedTestData) {
      const base = await nvImageFromBytes(new Uint8Array(readFileSync(testDataPath('sub-unf01/anat/sub-unf01_T1w.nii.gz'))), 'b.nii.gz');
      expect(() => nvImageOnGrid(base, new Float32Array(10), 'pred.nii.gz')).toThrow(/"pred\.nii\.gz": it has 10 voxels but the base image "b\.nii\.gz" has 295536 \(131×141×16\)/);
    }
  });

  it('turns an in-memory Volume into an image', async () => {
    const data = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i);
    const image = await loadSource({ type: 'volume', volume: { data, shape: [4, 3, 2], spacing: [1, 2, 3], affine: [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1] }, name: 'gen' }, null);
    expect(image.hdr!.dims.slice(1, 4)).toEqual([4, 3, 2]);
    expect(image.hdr!.pixDims.slice(1, 4)).toEqual([1, 2, 3]);
    expect(image.getValue(3, 2, 1)).toBe(23);
    expect(image.name).toBe('gen.nii');
  });
});
