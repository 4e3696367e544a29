import { describe, expect, it } from 'vitest';
import { identityAffine, type Volume } from '../data/volume';
import { evaluate3D, pyFloatRepr, sizeBins } from './evaluation3d';
import { EvaluationTable } from './table';

const D = [8, 8, 2];
const at = (i: number, j: number, k: number) => i + D[0] * (j + D[1] * k);
function make(vox: Array<[number, number, number]>): Float32Array {
  const a = new Float32Array(D[0] * D[1] * D[2]);
  for (const [i, j, k] of vox) a[at(i, j, k)] = 1;
  return a;
}
const spacing: [number, number, number] = [1, 1, 2];
const vol = (data: Float32Array): Volume => ({ data, shape: [...D], spacing, affine: identityAffine(spacing) });

// GT: A = 2x2 block at (0..1, 0..1, 0) [4], B = (5..7, 5, 0) [3], C = (3, 7, 1) [1].
const gt = make([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [5, 5, 0], [6, 5, 0], [7, 5, 0], [3, 7, 1]]);
// Pred: P1 = A + (2,0,0),(2,1,0) [6]; P2 = (5,5,0),(5,6,0) [2]; P3 = (7,0,1) [1].
const pred = make([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [2, 0, 0], [2, 1, 0], [5, 5, 0], [5, 6, 0], [7, 0, 1]]);

describe('evaluate3D (ivadomed evaluation_3Dmetrics)', () => {
  const { row, painted } = evaluate3D(vol(pred), { data: gt, shape: [...D] }, { target_size: { unit: 'vox', thr: [3] } });
  it('volumes, RVD/AVD, soft-count metrics and mse on a hand-worked phantom', () => {
    expect(row.vol_pred_class0).toBe(18); // 9 voxels x 2 mm3
    expect(row.vol_gt_class0).toBe(16);
    expect(row.rvd_class0).toBe(-0.125);
    expect(row.avd_class0).toBe(0.125);
    expect(row.dice_class0).toBeCloseTo(10 / 17, 12);
    expect(row.recall_class0).toBeCloseTo(5 / 8, 12);
    expect(row.precision_class0).toBeCloseTo(5 / 9, 12);
    expect(row.specificity_class0).toBeCloseTo(116 / 120, 12);
    expect(row.mse_class0).toBeCloseTo(7 / 64, 12);
  });
  it('object counts and lesion TPR/FDR with the default 3-voxel overlap', () => {
    expect(row.n_pred_class0).toBe(3);
    expect(row.n_gt_class0).toBe(3);
    expect(row.ltpr_class0).toBeCloseTo(1 / 3, 12);
    expect(row.lfdr_class0).toBeCloseTo(2 / 3, 12);
  });
  it('size bins: columns, values and order as ivadomed', () => {
    expect(row['ltpr_0-3vox_class0']).toBe(0);
    expect(row['n_0-3vox']).toBe(2);
    expect(row['ltpr_4-INFvox_class0']).toBe(1);
    expect(row['n_4-INFvox']).toBe(1);
    expect(row['lfdr_0-3vox_class0']).toBe(1);
    expect(row['lfdr_4-INFvox_class0']).toBe(0);
    expect(Object.keys(row)).toEqual([
      'vol_pred_class0', 'vol_gt_class0', 'rvd_class0', 'avd_class0', 'dice_class0', 'recall_class0',
      'precision_class0', 'specificity_class0', 'n_pred_class0', 'n_gt_class0', 'ltpr_class0', 'lfdr_class0',
      'mse_class0', 'ltpr_0-3vox_class0', 'n_0-3vox', 'ltpr_4-INFvox_class0', 'n_4-INFvox',
      'lfdr_0-3vox_class0', 'lfdr_4-INFvox_class0', 'hd_class0', 'hd95_class0', 'assd_class0', 'nsd_class0',
    ]);
  });
  it('paints TP objects 1, FP objects 2, missed GT objects 3', () => {
    expect(painted![at(0, 0, 0)]).toBe(1);
    expect(painted![at(2, 1, 0)]).toBe(1);
    expect(painted![at(5, 5, 0)]).toBe(2);
    expect(painted![at(5, 6, 0)]).toBe(2);
    expect(painted![at(7, 0, 1)]).toBe(2);
    expect(painted![at(6, 5, 0)]).toBe(3);
    expect(painted![at(3, 7, 1)]).toBe(3);
    expect(Array.from(painted!).filter((x) => x !== 0).length).toBe(9 + 3);
  });
  it('overlap in mm3 and as a ratio of the GT object', () => {
    // 5 mm3 / 2 mm3 = 2.5 -> numpy round -> 2 voxels: B (overlap 1) still missed.
    const mm = evaluate3D(vol(pred), { data: gt, shape: [...D] }, { overlap: { unit: 'mm3', thr: 5 } }).row;
    expect(mm.ltpr_class0).toBeCloseTo(1 / 3, 12);
    // ratio 0.5: A needs round(2) = 2 -> TP; B round(1.5) = 2 -> FN; C round(0.5) = 0 -> TP (0 >= 0).
    const r = evaluate3D(vol(pred), { data: gt, shape: [...D] }, { overlap: { unit: 'ratio', thr: 0.5 } }).row;
    expect(r.ltpr_class0).toBeCloseTo(2 / 3, 12);
    // Pred: P1 TP (4 >= 2), P2 FP (1 < round(1.5) = 2), P3 FP -> LFDR = 2 / (2 + 2).
    expect(r.lfdr_class0).toBeCloseTo(0.5, 12);
  });
  it('object_detection_metrics false: LTPR/LFDR NaN, no painted map', () => {
    const r = evaluate3D(vol(pred), { data: gt, shape: [...D] }, { object_detection_metrics: false });
    expect(r.row.ltpr_class0).toBeNaN();
    expect(r.painted).toBeNull();
  });
  it('empty prediction, empty ground truth, both empty', () => {
    const empty = new Float32Array(gt.length);
    const both = evaluate3D(vol(empty), { data: empty, shape: [...D] }).row;
    expect(both.dice_class0).toBeNaN();
    expect(both.rvd_class0).toBeNaN();
    expect(both.recall_class0).toBeNaN();
    expect(both.precision_class0).toBeNaN();
    expect(both.specificity_class0).toBe(1);
    expect(both.ltpr_class0).toBeNaN();
    expect(both.lfdr_class0).toBeNaN();
    expect(both.hd_class0).toBeNaN();
    expect(both.nsd_class0).toBeNaN();
    const noPred = evaluate3D(vol(empty), { data: gt, shape: [...D] }).row;
    expect(noPred.dice_class0).toBe(0);
    expect(noPred.rvd_class0).toBe(1);
    expect(noPred.recall_class0).toBe(0);
    expect(noPred.precision_class0).toBeNaN();
    expect(noPred.ltpr_class0).toBe(0);
    expect(noPred.lfdr_class0).toBeNaN();
    expect(noPred.hd_class0).toBe(Infinity);
    expect(noPred.hd95_class0).toBe(Infinity);
    expect(noPred.nsd_class0).toBe(0);
    const noGt = evaluate3D(vol(pred), { data: empty, shape: [...D] }).row;
    expect(noGt.dice_class0).toBe(0);
    expect(noGt.rvd_class0).toBeNaN();
    expect(noGt.recall_class0).toBeNaN();
    expect(noGt.precision_class0).toBe(0);
    expect(noGt.n_gt_class0).toBe(0);
    expect(noGt.ltpr_class0).toBeNaN();
    expect(noGt.lfdr_class0).toBe(1); // every predicted object is a false positive
    expect(noGt.assd_class0).toBe(Infinity);
  });
  it('geometric metrics use the spacing (pred shifted by one slice along z: 2 mm)', () => {
    const g = make([[3, 3, 0]]), p = make([[3, 3, 1]]);
    const r = evaluate3D(vol(p), { data: g, shape: [...D] }, { nsd_tolerance_mm: 1.5 }).row;
    expect(r.hd_class0).toBe(2);
    expect(r.hd95_class0).toBe(2);
    expect(r.assd_class0).toBe(2);
    expect(r.nsd_class0).toBe(0);
  });
  it('multi-class: one block of columns per class; shape mismatches are explained', () => {
    const two = new Float32Array(gt.length * 2);
    two.set(gt, 0); two.set(pred, gt.length);
    const r = evaluate3D({ ...vol(two), shape: [...D, 2] }, { data: two, shape: [...D, 2] }, { geometric: false }).row;
    expect(r.dice_class0).toBe(1);
    expect(r.dice_class1).toBe(1);
    expect(Object.keys(r).indexOf('vol_pred_class1')).toBe(13);
    expect(() => evaluate3D(vol(pred), { data: two, shape: [...D, 2] })).toThrow(/1 class\(es\), ground truth 2/);
    expect(() => evaluate3D(vol(pred), { data: new Float32Array(10), shape: [10, 1, 1] })).toThrow(/spatial shape/);
  });
});

describe('size bins and number formatting', () => {
  it('bins in voxels and mm3 with ivadomed suffixes', () => {
    expect(sizeBins({ unit: 'vox', thr: [20, 100] }, 1).map((b) => b.suffix)).toEqual(['_0-20vox', '_21-100vox', '_101-INFvox']);
    // mm3 with 0.5 mm3 voxels: [0, 40], [42, 200], [202, inf) in voxels, written as Python floats.
    const b = sizeBins({ unit: 'mm3', thr: [20, 100] }, 0.5);
    expect(b.map((x) => x.suffix)).toEqual(['_0.0-40.0mm3', '_42.0-200.0mm3', '_202.0-INFmm3']);
    expect(() => sizeBins({ unit: 'cm3' as 'vox', thr: [1] }, 1)).toThrow(/target_size.unit/);
  });
  it('pyFloatRepr writes floats as Python does', () => {
    expect(pyFloatRepr(12)).toBe('12.0');
    expect(pyFloatRepr(0.1)).toBe('0.1');
    expect(pyFloatRepr(1e-5)).toBe('1e-05');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(-2.5e-7)).toBe('-2.5e-07');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(123456789012345.6)).toBe('123456789012345.6');
    expect(pyFloatRepr(10 / 17)).toBe('0.5882352941176471');
    expect(pyFloatRepr(Infinity)).toBe('inf');
  });
});

describe('EvaluationTable', () => {
  it('writes evaluation_3Dmetrics.csv: image_id index, union of columns, NaN empty, counts as ints', () => {
    const t = new EvaluationTable();
    t.add('sub-01_T2w', { vol_pred_class0: 18, dice_class0: 10 / 17, n_pred_class0: 3, rvd_class0: NaN });
    t.add('sub-02_T2w', { vol_pred_class0: 0.5, dice_class0: 1, n_pred_class0: 0, rvd_class0: -0.125, 'n_0-20vox': 2 });
    expect(t.toCSV()).toBe(
      'image_id,vol_pred_class0,dice_class0,n_pred_class0,rvd_class0,n_0-20vox\n' +
      'sub-01_T2w,18.0,0.5882352941176471,3,,\n' +
      'sub-02_T2w,0.5,1.0,0,-0.125,2\n',
    );
    expect(t.means().rvd_class0).toBe(-0.125);
    expect(() => t.add('sub-01_T2w', {})).toThrow(/already/);
  });
});

describe('evaluateImages', () => {
  it('builds the table and the painted maps of several images', async () => {
    const { evaluateImages } = await import('./table');
    const { table, painted } = evaluateImages([
      { imageId: 'a', prediction: vol(pred), groundTruth: { data: gt, shape: [...D] } },
      { imageId: 'b', prediction: vol(gt), groundTruth: { data: gt, shape: [...D] } },
    ], { geometric: false });
    expect(table.rows.map((r) => r.imageId)).toEqual(['a', 'b']);
    expect(table.rows[1].values.dice_class0).toBe(1);
    expect(painted.get('b')![at(6, 5, 0)]).toBe(1);
  });
});
