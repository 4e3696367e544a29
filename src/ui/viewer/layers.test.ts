import { describe, expect, it } from 'vitest';
import { finiteRange, formatValue, guessKind, isNiftiName, labelLut, makeLayer, rangeStep } from './layers';

describe('viewer layers', () => {
  it('guesses the kind of an overlay from BIDS-style names', () => {
    expect(guessKind('sub-unf01_T1w_seg-manual.nii.gz')).toBe('label');
    expect(guessKind('sub-01_T2w_pred.nii.gz')).toBe('label');
    expect(guessKind('sub-01_T2w_lesion-manual.nii')).toBe('label');
    expect(guessKind('sub-01_T2w_pred_soft.nii.gz')).toBe('probability');
    expect(guessKind('sub-01_T2w_unc-vox.nii.gz')).toBe('uncertainty');
    expect(guessKind('sub-01_T2w_unc-cv.nii.gz')).toBe('uncertainty');
    expect(guessKind('sub-01_T2w_entropy.nii.gz')).toBe('uncertainty');
    expect(guessKind('sub-unf01_T2star.nii.gz')).toBe('image');
  });
  it('accepts .nii and .nii.gz only', () => {
    expect(isNiftiName('a.nii')).toBe(true);
    expect(isNiftiName('a.NII.GZ')).toBe(true);
    expect(isNiftiName('a.nii.zip')).toBe(false);
    expect(isNiftiName('a.png')).toBe(false);
  });
  it('builds a label table with a transparent background and one colour per value', () => {
    const lut = labelLut(3);
    expect(lut.I).toEqual([0, 1, 2, 3]);
    expect(lut.A).toEqual([0, 255, 255, 255]);
    expect(lut.labels).toEqual(['background', 'label 1', 'label 2', 'label 3']);
    expect(new Set(lut.R.slice(1).map((r, i) => `${r},${lut.G[i + 1]},${lut.B[i + 1]}`)).size).toBe(3);
    // A binary mask still gets two entries (NiiVue ignores one-colour tables).
    expect(labelLut(0).I).toEqual([0, 1]);
  });
  it('gives each kind its defaults', () => {
    const src = { type: 'bytes' as const, bytes: new ArrayBuffer(0), name: 'x_unc-vox.nii.gz' };
    const l = makeLayer(src, 'uncertainty');
    expect([l.name, l.colormap, l.opacity, l.colorbar, l.visible]).toEqual(['x_unc-vox.nii.gz', 'inferno', 0.7, true, true]);
    expect(makeLayer(src, 'label').colorbar).toBe(false);
  });
  it('formats voxel values and slider steps', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(194.5678)).toBe('194.6');
    expect(formatValue(0.000012345)).toBe('1.234e-5');
    expect(rangeStep(0, 1)).toBe(0.005);
    expect(rangeStep(-5.2, 569.8)).toBe(3);
    expect(rangeStep(1, 1)).toBe(0.01);
  });
  it('finds the finite value range of a volume (constant, with NaN, empty)', () => {
    expect(finiteRange(new Float32Array(8))).toEqual([0, 0]);
    expect(finiteRange(Float32Array.from([NaN, 3, -2, NaN, 5]))).toEqual([-2, 5]);
    expect(finiteRange(Float32Array.from([NaN]))).toEqual([0, 0]);
    expect(finiteRange([])).toEqual([0, 0]);
  });
});

describe('autoRange', () => {
  it('shows probabilities over [0, 1] and other maps over their robust range', async () => {
    const { autoRange } = await import('./layers');
    expect(autoRange('probability', [0.0013, 0.97])).toEqual([0, 1]);
    expect(autoRange('uncertainty', [0.01, 0.6])).toEqual([0.01, 0.6]);
    expect(autoRange('image', [25.3, 431.2])).toEqual([25.3, 431.2]);
  });
});
