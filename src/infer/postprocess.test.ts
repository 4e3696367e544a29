import { describe, expect, it } from 'vitest';
import { identityAffine, type Volume } from '../data/volume';
import {
  applyPostprocessing, binarizeMaxpooling, keepLargestObject, maskPredictions, removeNoise, removeSmallObjects,
  thresholdPredictions,
} from './postprocess';

const at = (d: number[], i: number, j: number, k: number) => i + d[0] * (j + d[1] * k);
function vol(shape: number[], data: Float32Array, spacing: [number, number, number] = [1, 1, 1]): Volume {
  return { data, shape, spacing, affine: identityAffine(spacing) };
}
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

describe('postprocessing steps', () => {
  it('binarize_prediction: < thr -> 0 else 1; thr -1 keeps soft values', () => {
    expect(Array.from(thresholdPredictions(Float32Array.from([0.2, 0.5, 0.7]), 0.5))).toEqual([0, 1, 1]);
    const v = vol([3, 1, 1], Float32Array.from([0.2, 0.5, 0.7]));
    expect(Array.from(applyPostprocessing(v, { binarize_prediction: { thr: 0.6 } }).data)).toEqual([0, 0, 1]);
    expect(applyPostprocessing(v, { binarize_prediction: { thr: -1 } }).data).toEqual(v.data);
  });
  it('binarize_maxpooling: one-hot of the winning class, background = 1 - Σp wins ties', () => {
    // 3 voxels x 2 classes (class slowest). voxel0: p=(0.6,0.3) bg 0.1 -> class0; voxel1: (0.2,0.3) bg 0.5 -> none;
    // voxel2: (0.25, 0.5) bg 0.25 -> class1.
    const d = Float32Array.from([0.6, 0.2, 0.25, 0.3, 0.3, 0.5]);
    expect(Array.from(binarizeMaxpooling(d, 3, 2))).toEqual([1, 0, 0, 0, 0, 1]);
    // Tie between background (0.5) and a class (0.5): background wins.
    expect(Array.from(binarizeMaxpooling(Float32Array.from([0.5]), 1, 1))).toEqual([0]);
  });
  it('remove_noise zeroes values <= thr only', () => {
    expect(Array.from(removeNoise(Float32Array.from([0.125, 0.25, 0.375]), 0.25))).toEqual([0, 0, 0.375]);
    expect(Array.from(removeNoise(Float32Array.from([0.1]), -1))).toEqual([Math.fround(0.1)]);
  });
  it('keep_largest keeps the biggest 6-connected object; soft values are kept inside it', () => {
    const d = [6, 1, 1];
    expect(Array.from(keepLargestObject(Float32Array.from([1, 0, 1, 1, 0, 1]), [6, 1, 1]))).toEqual([0, 0, 1, 1, 0, 0]);
    const soft = Float32Array.from([0.9, 0, 0.4, 0.0005, 0.8, 0.7]);
    // Components of p >= 0.001: {0}, {2}, {4,5} -> keep {4,5}.
    expect(Array.from(keepLargestObject(soft, [6, 1, 1]))).toEqual([0, 0, 0, 0, Math.fround(0.8), Math.fround(0.7)]);
    // Diagonal neighbours are not connected (6-connectivity): two 1-voxel objects, first kept on a tie.
    const dd = [2, 2, 1];
    const diag = new Float32Array(4); diag[at(dd, 0, 0, 0)] = 1; diag[at(dd, 1, 1, 0)] = 1;
    expect(Array.from(keepLargestObject(diag, [2, 2, 1]))).toEqual([1, 0, 0, 0]);
    expect(d.length).toBe(3);
  });
  it('fill_holes binarises at 0.5 then fills 3-D cavities per class', () => {
    const d = [5, 5, 5];
    const data = new Float32Array(125 * 2);
    for (let k = 1; k <= 3; k++) for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) data[at(d, i, j, k)] = 0.8;
    data[at(d, 2, 2, 2)] = 0.1;
    data[125 + at(d, 0, 0, 0)] = 0.4; // class 1: below 0.5 -> removed by the binarisation
    const out = applyPostprocessing(vol([5, 5, 5, 2], data), { fill_holes: {} }).data;
    expect(out[at(d, 2, 2, 2)]).toBe(1);
    expect(sum(out.subarray(0, 125))).toBe(27);
    expect(sum(out.subarray(125))).toBe(0);
  });
  it('remove_small: 18-connected objects smaller than thr voxels, per class, in vox or mm3', () => {
    const d = [6, 6, 1];
    const c0 = new Float32Array(36);
    // object A: 3 voxels joined by an edge (18-connected): (0,0),(1,1),(2,2); object B: 1 voxel at (5,0).
    c0[at(d, 0, 0, 0)] = 1; c0[at(d, 1, 1, 0)] = 1; c0[at(d, 2, 2, 0)] = 1; c0[at(d, 5, 0, 0)] = 1;
    expect(sum(removeSmallObjects(c0, [6, 6, 1], 2))).toBe(3);
    expect(sum(removeSmallObjects(c0, [6, 6, 1], 4))).toBe(0);
    const data = new Float32Array(72);
    data.set(c0, 0); data.set(c0, 36);
    const v = vol([6, 6, 1, 2], data, [1, 1, 2]);
    const perClass = applyPostprocessing(v, { remove_small: { unit: 'vox', thr: [2, 4] } }).data;
    expect(sum(perClass.subarray(0, 36))).toBe(3);
    expect(sum(perClass.subarray(36))).toBe(0);
    // mm3: voxel volume 2 mm3; thr 5 mm3 -> round(2.5) = 2 (half to even) -> keeps A (3), drops B (1).
    const mm = applyPostprocessing(v, { remove_small: { unit: 'mm3', thr: 5 } }).data;
    expect(sum(mm.subarray(0, 36))).toBe(3);
    expect(() => applyPostprocessing(v, { remove_small: { unit: 'cm3', thr: 5 } })).toThrow(/vox" or "mm3/);
    expect(() => applyPostprocessing(v, { remove_small: { unit: 'vox', thr: [1, 2, 3] } })).toThrow(/list of 2 numbers/);
    const single = applyPostprocessing(v, { remove_small: { unit: 'vox', thr: [4] } }).data;
    expect(sum(single)).toBe(0);
  });
  it('uncertainty thresholding: keep > thr for _unc-iou and _soft, < thr otherwise; accepts threshold_uncertainty', () => {
    const v = vol([4, 1, 1], Float32Array.from([1, 1, 1, 1]));
    const maps = { '_unc-vox.nii.gz': Float32Array.from([0.1, 0.5, 0.2, 0.9]), '_unc-iou.nii.gz': Float32Array.from([0.1, 0.5, 0.2, 0.9]) };
    const vox = applyPostprocessing(v, { uncertainty: { thr: 0.3, suffix: '_unc-vox.nii.gz' } }, { uncertaintyMaps: maps });
    expect(Array.from(vox.data)).toEqual([1, 0, 1, 0]);
    const iou = applyPostprocessing(v, { threshold_uncertainty: { thr: 0.3, suffix: '_unc-iou.nii.gz' } }, { uncertaintyMaps: maps });
    expect(Array.from(iou.data)).toEqual([0, 1, 0, 1]);
    expect(() => applyPostprocessing(v, { uncertainty: { thr: 0.3, suffix: '_unc-cv.nii.gz' } }, { uncertaintyMaps: maps })).toThrow(/no uncertainty map "_unc-cv.nii.gz"/);
    // thr < 0 disables the step (no map needed).
    expect(Array.from(applyPostprocessing(v, { uncertainty: { thr: -1, suffix: '_unc-cv.nii.gz' } }).data)).toEqual([1, 1, 1, 1]);
  });
  it('mask_predictions requires a binary mask of the same shape', () => {
    expect(Array.from(maskPredictions(Float32Array.from([0.5, 0.7]), Float32Array.from([1, 0])))).toEqual([0.5, 0]);
    expect(() => maskPredictions(Float32Array.from([1]), Float32Array.from([0.5]))).toThrow(/binary/);
    expect(() => maskPredictions(Float32Array.from([1]), Float32Array.from([1, 0]))).toThrow(/same shape/);
  });
  it('applies steps in config order and rejects unknown steps', () => {
    const v = vol([4, 1, 1], Float32Array.from([0.3, 0.6, 0, 0.9]));
    // binarize at 0.5 then keep largest: [0,1,0,1] -> two objects of 1, keep the first.
    expect(Array.from(applyPostprocessing(v, { binarize_prediction: { thr: 0.5 }, keep_largest: {} }).data)).toEqual([0, 1, 0, 0]);
    // keep largest first (soft: components {0,1} and {3}) then binarize: [0,1,0,0].
    expect(Array.from(applyPostprocessing(v, { keep_largest: {}, binarize_prediction: { thr: 0.5 } }).data)).toEqual([0, 1, 0, 0]);
    // remove_noise 0.5 then keep_largest: [0,0.6,0,0.9] -> two objects of size 1 -> keep first.
    expect(Array.from(applyPostprocessing(v, { remove_noise: { thr: 0.5 }, keep_largest: {} }).data)).toEqual([0, Math.fround(0.6), 0, 0]);
    expect(() => applyPostprocessing(v, { keep_biggest: {} })).toThrow(/unknown step "keep_biggest"/);
    expect(() => applyPostprocessing(v, { binarize_prediction: { thr: '0.5' } })).toThrow(/binarize_prediction.thr must be a number/);
  });
});

describe('remove_small option of --segment', () => {
  it('parses "10vox" / "5mm3" lists', async () => {
    const { removeSmallFromSegmentOption } = await import('./postprocess');
    expect(removeSmallFromSegmentOption(['10vox'])).toEqual({ unit: 'vox', thr: [10] });
    expect(removeSmallFromSegmentOption(['5mm3', '20mm3'])).toEqual({ unit: 'mm3', thr: [5, 20] });
    expect(removeSmallFromSegmentOption(['10', '20', '10vox'])).toEqual({ unit: 'vox', thr: [10, 20, 10] });
    expect(() => removeSmallFromSegmentOption(['5mm3', '2vox'])).toThrow(/"5mm3" is not an integer size in vox/);
    expect(() => removeSmallFromSegmentOption(['10'])).toThrow(/must carry its unit/);
  });
});
