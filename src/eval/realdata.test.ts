/**
 * Evaluation on ivadomed's own test data (real spinal-cord and lesion labels of sub-unf01):
 * self-agreement, one-voxel shifts with a chosen anisotropic spacing, and the lesion table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNifti } from '../data/nifti';
import { hasIvadomedTestData, testDataPath } from '../data/testdata';
import type { Volume } from '../data/volume';
import { evaluate3D } from './evaluation3d';
import { EvaluationTable } from './table';
import { applyPostprocessing } from '../infer/postprocess';

const label = (name: string) => readNifti(readFileSync(testDataPath('derivatives/labels/sub-unf01/anat', name)));

/** Shift a 3-D mask by one voxel along `axis` (voxels leaving the grid are dropped). */
function shift(v: Volume, axis: 0 | 1 | 2): Float32Array {
  const [nx, ny, nz] = v.shape;
  const out = new Float32Array(v.data.length);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const c = [i, j, k];
    c[axis]++;
    if (c[0] < nx && c[1] < ny && c[2] < nz) out[c[0] + nx * (c[1] + ny * c[2])] = v.data[i + nx * (j + ny * k)];
  }
  return out;
}

describe.skipIf(!hasIvadomedTestData)('evaluation on ivadomed-data-testing sub-unf01', () => {
  it('a label against itself: Dice 1, RVD 0, HD 0, NSD 1, all objects detected', () => {
    const seg = label('sub-unf01_T2w_seg-manual.nii.gz');
    const { row, painted } = evaluate3D(seg, seg);
    let count = 0;
    for (const x of seg.data) count += x;
    expect(count).toBe(1227);
    const voxelVolume = Math.fround(Math.fround(Math.fround(seg.spacing[0]) * Math.fround(seg.spacing[1])) * Math.fround(seg.spacing[2]));
    expect(row.vol_gt_class0).toBe(1227 * voxelVolume);
    expect(row.dice_class0).toBe(1);
    expect(row.rvd_class0).toBe(0);
    expect(row.hd_class0).toBe(0);
    expect(row.nsd_class0).toBe(1);
    expect(row.n_pred_class0).toBe(row.n_gt_class0);
    expect(row.ltpr_class0).toBe(1);
    expect(row.lfdr_class0).toBe(0);
    expect(Array.from(painted!).every((x, i) => x === seg.data[i])).toBe(true); // all TP -> 1
  });
  it('one-voxel shifts give HD equal to the spacing of the shifted axis (0.5 mm in x, 3 mm in z)', () => {
    const seg = label('sub-unf01_T2w_seg-manual.nii.gz');
    const aniso: Volume = { ...seg, spacing: [0.5, 0.7, 3] };
    const rx = evaluate3D({ ...aniso, data: shift(aniso, 0) }, aniso).row;
    const rz = evaluate3D({ ...aniso, data: shift(aniso, 2) }, aniso).row;
    expect(rx.hd_class0).toBeCloseTo(0.5, 12);
    expect(rz.hd_class0).toBeCloseTo(3, 12);
    // Dice of a mask with its shift = overlap count / size; count the overlap directly.
    const sx = shift(aniso, 0);
    let overlap = 0, size = 0;
    for (let v = 0; v < sx.length; v++) { overlap += sx[v] * aniso.data[v]; size += aniso.data[v]; }
    let sizeShifted = 0;
    for (const x of sx) sizeShifted += x;
    expect(rx.dice_class0).toBeCloseTo((2 * overlap) / (size + sizeShifted), 12);
    expect(rx.nsd_class0).toBeGreaterThan(0);
    expect(rx.nsd_class0).toBeLessThanOrEqual(1);
  });
  it('lesion table with size bins and CSV, and keep_largest leaves one cord object', () => {
    const lesion = label('sub-unf01_T2w_lesion-manual.nii.gz');
    const { row } = evaluate3D(lesion, lesion, { target_size: { unit: 'vox', thr: [20, 100] } });
    expect(row.n_gt_class0).toBeGreaterThan(0);
    const t = new EvaluationTable();
    t.add('sub-unf01_T2w', row);
    const csv = t.toCSV();
    expect(csv.startsWith('image_id,vol_pred_class0,vol_gt_class0,rvd_class0,avd_class0,dice_class0,')).toBe(true);
    expect(csv.split('\n')[1].startsWith('sub-unf01_T2w,141.0,141.0,0.0,0.0,1.0,')).toBe(true);
    const seg = label('sub-unf01_T2w_seg-manual.nii.gz');
    const kept = applyPostprocessing(seg, { keep_largest: {}, fill_holes: {} });
    expect(evaluate3D(kept, kept, { geometric: false }).row.n_pred_class0).toBe(1);
  });
});
