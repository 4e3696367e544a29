import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { axisCodes, extractSlice, hwdAxes, insertSlice, reorientFromRAS, reorientToRAS, sliceAxisIndex, sliceCount, toHWD } from './orientation';
import { readNifti } from './nifti/read';
import { writeNifti } from './nifti/write';
import { multiplyAffine } from './nifti/affine';
import { firstDifference, hasIvadomedTestData, testDataPath } from './testdata';
import type { Affine, Volume } from './volume';

function world(A: readonly number[], i: number, j: number, k: number): number[] {
  return [0, 1, 2].map((r) => A[4 * r] * i + A[4 * r + 1] * j + A[4 * r + 2] * k + A[4 * r + 3]);
}

function rotX(t: number): number[] {
  const c = Math.cos(t), s = Math.sin(t);
  return [1, 0, 0, 0, 0, c, -s, 0, 0, s, c, 0, 0, 0, 0, 1];
}

/** A volume whose voxel (i,j,k) value encodes its indices, on the given affine. */
function coded(shape: [number, number, number], affine: Affine, channels = 1): Volume {
  const [nx, ny, nz] = shape;
  const data = new Float32Array(nx * ny * nz * channels);
  for (let c = 0; c < channels; c++) for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    data[i + nx * (j + ny * (k + nz * c))] = 1000 * c + 100 * i + 10 * j + k;
  }
  const spacing = [0, 1, 2].map((j) => Math.hypot(affine[j], affine[4 + j], affine[8 + j])) as [number, number, number];
  return { data, shape: channels > 1 ? [...shape, channels] : [...shape], spacing, affine };
}

// Oblique, permuted and flipped grids: (voxel axis -> world) "PSL"-like, "LPI", ~20 degree tilt.
const AFFINES: [string, Affine, string][] = [
  ['RAS identity', [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 'RAS'],
  ['LPI (all flipped)', [-0.5, 0, 0, 10, 0, -0.6, 0, 20, 0, 0, -2, 30, 0, 0, 0, 1], 'LPI'],
  ['PSL, oblique', multiplyAffine(rotX(0.35), [0, 0, -1.5, 5, -0.7, 0, 0, 3, 0, 0.9, 0, -4, 0, 0, 0, 1]), 'PSL'],
  ['ASR tilted about x', multiplyAffine(rotX(-0.3), [0, 0, 2, -8, 0.8, 0, 0, 1, 0, 3, 0, 2, 0, 0, 0, 1]), 'ASR'],
];

describe('axis codes', () => {
  for (const [name, A, codes] of AFFINES) {
    it(`${name} -> ${codes}`, () => expect(axisCodes(A).join('')).toBe(codes));
  }
  it('a 45 degree tie is broken the nibabel way (first voxel axis claims first)', () => {
    const c = Math.SQRT1_2;
    expect(axisCodes([c, -c, 0, 0, c, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]).join('')).toBe('RAS');
  });
  it.skipIf(!hasIvadomedTestData)('matches the test data (sub-unf01 RAS, sub-unf02 T2star LAS)', () => {
    expect(axisCodes(readNifti(readFileSync(testDataPath('sub-unf01/anat/sub-unf01_T2w.nii.gz'))).affine).join('')).toBe('RAS');
    expect(axisCodes(readNifti(readFileSync(testDataPath('sub-unf02/anat/sub-unf02_T2star.nii.gz'))).affine).join('')).toBe('LAS');
  });
});

describe('reorientation to RAS and back', () => {
  for (const [name, A] of AFFINES) {
    it(`${name}: voxels keep their world position; the round trip is exact`, () => {
      const v = coded([4, 3, 5], A, 2);
      const { volume: r, transform } = reorientToRAS(v);
      expect(axisCodes(r.affine).join('')).toBe('RAS');
      // every voxel of the RAS volume has the value of the original voxel at the same world point
      const [nx, ny, nz] = r.shape;
      const Ainv = invertAffine(v.affine);
      for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
        const w = world(r.affine, i, j, k);
        const o = world(Ainv, w[0], w[1], w[2]).map((x) => Math.round(x));
        expect(r.data[i + nx * (j + ny * k)]).toBe(100 * o[0] + 10 * o[1] + o[2]);
        expect(r.data[i + nx * (j + ny * k) + nx * ny * nz]).toBe(1000 + 100 * o[0] + 10 * o[1] + o[2]);
      }
      // spacing follows the permutation
      const back = reorientFromRAS(r, transform);
      expect(back.shape).toEqual(v.shape);
      expect(back.affine).toEqual(v.affine);
      expect(back.spacing).toEqual(v.spacing);
      expect(axisCodes(back.affine)).toEqual(axisCodes(v.affine));
      expect(firstDifference(back.data, v.data)).toBe(-1);
    });
  }

  it('sets the source header aside on the RAS grid and restores it, so both grids write correctly', () => {
    const src = readNifti(writeNifti(coded([4, 3, 5], AFFINES[2][1])));
    const { volume: r, transform } = reorientToRAS(src);
    expect(r.header).toBeUndefined();
    const rasFile = readNifti(writeNifti(r));
    expect(rasFile.shape).toEqual([5, 4, 3]);
    rasFile.affine.forEach((x, i) => expect(x).toBeCloseTo(r.affine[i], 5));
    const back = reorientFromRAS(r, transform);
    expect(back.header).toBe(src.header);
    const nativeFile = readNifti(writeNifti(back));
    expect(nativeFile.affine).toEqual(src.affine);
    expect(firstDifference(nativeFile.data, src.data)).toBe(-1);
  });

  it('rejects a volume that is not on the RAS grid', () => {
    const { transform } = reorientToRAS(coded([4, 3, 5], AFFINES[2][1]));
    expect(() => reorientFromRAS(coded([4, 3, 5], AFFINES[0][1]), transform)).toThrow(/volume shape 4x3x5 is not the RAS grid 5x4x3/);
  });
});

describe('slice_axis (H, W, D) ordering', () => {
  it('maps names and indices like ivadomed', () => {
    expect(sliceAxisIndex('sagittal')).toBe(0);
    expect(sliceAxisIndex('coronal')).toBe(1);
    expect(sliceAxisIndex('axial')).toBe(2);
    expect(hwdAxes('axial')).toEqual([0, 1, 2]);
    expect(hwdAxes('sagittal')).toEqual([2, 1, 0]);
    expect(hwdAxes('coronal')).toEqual([2, 0, 1]);
    expect(toHWD([10, 20, 30], 1)).toEqual([30, 10, 20]);
    expect(() => sliceAxisIndex('oblique' as never)).toThrow(/slice_axis "oblique"/);
  });

  it('extracts numpy data[..., d] of the transposed array (worked out by hand)', () => {
    const v = coded([4, 3, 5], AFFINES[0][1]); // value = 100 i + 10 j + k
    // axial: H = x, W = y, slice k = 2: out[h*W + w] = v(h, w, 2)
    const ax = extractSlice(v, 'axial', 2);
    expect(ax.length).toBe(12);
    expect(ax[1 * 3 + 2]).toBe(100 * 1 + 10 * 2 + 2);
    // sagittal: transpose(2,1,0) -> (z, y, x); slice x = 3: out[z*3 + y] = v(3, y, z)
    const sag = extractSlice(v, 'sagittal', 3);
    expect(sag.length).toBe(15);
    expect(sag[4 * 3 + 1]).toBe(300 + 10 + 4);
    // coronal: transpose(2,0,1) -> (z, x, y); slice y = 1: out[z*4 + x] = v(x, 1, z)
    const cor = extractSlice(v, 'coronal', 1);
    expect(cor.length).toBe(20);
    expect(cor[2 * 4 + 3]).toBe(300 + 10 + 2);
    expect(sliceCount(v, 'sagittal')).toBe(4);
    expect(sliceCount(v, 'coronal')).toBe(3);
    expect(sliceCount(v, 'axial')).toBe(5);
  });

  for (const axis of ['sagittal', 'coronal', 'axial'] as const) {
    for (const [name, A] of AFFINES.slice(1)) {
      it(`${axis}, ${name}: RAS -> slices -> stacked -> native grid returns the data, affine and orientation`, () => {
        const v = coded([4, 3, 5], A, 2);
        const { volume: r, transform } = reorientToRAS(v);
        const rebuilt: Volume = { ...r, data: new Float32Array(r.data.length) };
        for (let c = 0; c < 2; c++) {
          for (let d = 0; d < sliceCount(r, axis); d++) insertSlice(rebuilt, axis, d, extractSlice(r, axis, d, c), c);
        }
        const back = reorientFromRAS(rebuilt, transform);
        expect(firstDifference(back.data, v.data)).toBe(-1);
        expect(back.affine).toEqual(v.affine);
        expect(axisCodes(back.affine)).toEqual(axisCodes(v.affine));
      });
    }
  }
});

function invertAffine(A: readonly number[]): number[] {
  const m = [[A[0], A[1], A[2]], [A[4], A[5], A[6]], [A[8], A[9], A[10]]];
  const d = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const inv = [
    [(m[1][1] * m[2][2] - m[1][2] * m[2][1]) / d, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / d, (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / d],
    [(m[1][2] * m[2][0] - m[1][0] * m[2][2]) / d, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / d, (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / d],
    [(m[1][0] * m[2][1] - m[1][1] * m[2][0]) / d, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / d, (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / d],
  ];
  const t = [A[3], A[7], A[11]];
  const out: number[] = [];
  for (let i = 0; i < 3; i++) out.push(inv[i][0], inv[i][1], inv[i][2], -(inv[i][0] * t[0] + inv[i][1] * t[1] + inv[i][2] * t[2]));
  return [...out, 0, 0, 0, 1];
}
