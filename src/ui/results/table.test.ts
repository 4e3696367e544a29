/** The evaluation table's view logic and the derivatives layout of the outputs. */
import { describe, expect, it } from 'vitest';
import type { InferResult } from '../../worker/client';
import { columnMeans, columnsForClass, formatCell, sortRows, tableClasses } from './table';
import { canWriteInto, derivativePathOf, subjectOverlays } from './outputs';
import { createMemorySource } from '../../data/sources';

const columns = ['image_id', 'vol_pred_class0', 'dice_class0', 'dice_class1', 'n_0-20vox'];
const rows = [
  { image_id: 'sub-02_T2w', vol_pred_class0: '18.0', dice_class0: '0.5', dice_class1: '', 'n_0-20vox': '2' },
  { image_id: 'sub-01_T2w', vol_pred_class0: '9.5', dice_class0: '0.95', dice_class1: '0.1', 'n_0-20vox': '' },
  { image_id: 'sub-10_T2w', vol_pred_class0: '100', dice_class0: '0.7', dice_class1: '0.3', 'n_0-20vox': '1' },
];

describe('evaluation table', () => {
  it('finds the classes and the columns of one class', () => {
    expect(tableClasses(columns)).toEqual([0, 1]);
    expect(columnsForClass(columns, 1)).toEqual(['image_id', 'dice_class1', 'n_0-20vox']);
    expect(columnsForClass(columns, null)).toEqual(columns);
  });

  it('sorts numbers as numbers (100 after 18), text as text, empty cells last either way', () => {
    expect(sortRows(rows, 'vol_pred_class0', 'asc').map((r) => r.vol_pred_class0)).toEqual(['9.5', '18.0', '100']);
    expect(sortRows(rows, 'dice_class0', 'desc').map((r) => r.image_id)).toEqual(['sub-01_T2w', 'sub-10_T2w', 'sub-02_T2w']);
    expect(sortRows(rows, 'dice_class1', 'asc').map((r) => r.dice_class1)).toEqual(['0.1', '0.3', '']);
    expect(sortRows(rows, 'dice_class1', 'desc').map((r) => r.dice_class1)).toEqual(['0.3', '0.1', '']);
    expect(sortRows(rows, 'image_id', 'asc').map((r) => r.image_id)).toEqual(['sub-01_T2w', 'sub-02_T2w', 'sub-10_T2w']);
    expect(rows[0].image_id).toBe('sub-02_T2w'); // not sorted in place
  });

  it('formats cells and averages columns, skipping empty cells', () => {
    expect(formatCell('0.588235294117647')).toBe('0.5882');
    expect(formatCell('18.0')).toBe('18');
    expect(formatCell('')).toBe('');
    const means = columnMeans({ columns, rows });
    expect(means.dice_class0).toBeCloseTo((0.5 + 0.95 + 0.7) / 3, 12);
    expect(means.dice_class1).toBeCloseTo(0.2, 12);
  });
});

describe('outputs', () => {
  const result = {
    kind: 'test', modelName: 'm', output: { kind: 'memory', path: 'results/m' }, files: [], table: null, metrics: null, backend: 'engine', runtime: '', seconds: 0,
    subjects: [{ id: 'sub-01_T2w', image: { path: 'sub-01/anat/sub-01_T2w.nii.gz' }, groundTruth: [], outputs: { pred: 'pred_masks/sub-01_T2w_pred.nii.gz', 'unc-vox': 'pred_masks/sub-01_T2w_unc-vox.nii.gz', soft: 'pred_masks/sub-01_T2w_soft.nii.gz' } }],
  } as unknown as InferResult;

  it('puts a subject\'s maps beside its image under derivatives/ivadomed-web/, the table under results_eval/', () => {
    expect(derivativePathOf(result, 'pred_masks/sub-01_T2w_pred.nii.gz')).toBe('derivatives/ivadomed-web/sub-01/anat/sub-01_T2w_pred.nii.gz');
    expect(derivativePathOf(result, 'pred_masks/sub-01_T2w_pred_00.nii.gz')).toBe('derivatives/ivadomed-web/sub-01/anat/sub-01_T2w_pred_00.nii.gz');
    expect(derivativePathOf(result, 'results_eval/evaluation_3Dmetrics.csv')).toBe('derivatives/ivadomed-web/results_eval/evaluation_3Dmetrics.csv');
  });

  it('orders the overlays: prediction (label), soft (probability), uncertainty', () => {
    expect(subjectOverlays(result.subjects[0])).toEqual([
      { role: 'pred', kind: 'label' }, { role: 'soft', kind: 'probability' }, { role: 'unc-vox', kind: 'uncertainty' },
    ]);
  });

  it('writes only into folder datasets (not the in-page sample)', () => {
    expect(canWriteInto(createMemorySource('synthetic-bids'))).toBe(false);
    expect(canWriteInto(null)).toBe(false);
    expect(canWriteInto({ name: 'x', writable: true, list: async () => [], read: async () => new ArrayBuffer(0), readRange: async () => new ArrayBuffer(0), write: async () => undefined })).toBe(true);
  });
});
