import { describe, expect, it } from 'vitest';
import type { Dims3 } from './components';
import {
  averageSurfaceDistance, hausdorffDistance, percentile, surfaceDice, surfaceDistances, surfaceVoxels,
} from './surface';

const at = (d: Dims3, i: number, j: number, k: number) => i + d[0] * (j + d[1] * k);
function vox(d: Dims3, list: Array<[number, number, number]>): Uint8Array {
  const m = new Uint8Array(d[0] * d[1] * d[2]);
  for (const [i, j, k] of list) m[at(d, i, j, k)] = 1;
  return m;
}
function cube(d: Dims3, lo: number, hi: number): Uint8Array {
  const m = new Uint8Array(d[0] * d[1] * d[2]);
  for (let k = lo; k <= hi; k++) for (let j = lo; j <= hi; j++) for (let i = lo; i <= hi; i++) m[at(d, i, j, k)] = 1;
  return m;
}

describe('surface voxels', () => {
  it('a 3x3x3 cube has 26 surface voxels (only the centre is interior)', () => {
    const d: Dims3 = [5, 5, 5];
    const s = surfaceVoxels(cube(d, 1, 3), d);
    expect(s.reduce((a, b) => a + b, 0)).toBe(26);
    expect(s[at(d, 2, 2, 2)]).toBe(0);
  });
  it('voxels on the image border are surface voxels', () => {
    const d: Dims3 = [3, 3, 3];
    const s = surfaceVoxels(new Uint8Array(27).fill(1), d);
    expect(s.reduce((a, b) => a + b, 0)).toBe(26);
  });
});

describe('Hausdorff distance', () => {
  it('honours anisotropic spacing: two points 3 voxels apart along z with 2 mm spacing -> 6 mm', () => {
    const d: Dims3 = [4, 4, 8];
    const p = vox(d, [[1, 1, 1]]), g = vox(d, [[1, 1, 4]]);
    expect(hausdorffDistance(p, g, d, [0.5, 0.7, 2])).toBeCloseTo(6, 12);
    // Same separation along x with 0.5 mm spacing -> 1.5 mm.
    const p2 = vox(d, [[0, 1, 1]]), g2 = vox(d, [[3, 1, 1]]);
    expect(hausdorffDistance(p2, g2, d, [0.5, 0.7, 2])).toBeCloseTo(1.5, 12);
  });
  it('is symmetric max of directed distances; directed keeps pred->gt', () => {
    const d: Dims3 = [10, 1, 1];
    // pred {0}, gt {0, 7}: pred->gt = [0], gt->pred = [0, 7].
    const p = vox(d, [[0, 0, 0]]), g = vox(d, [[0, 0, 0], [7, 0, 0]]);
    expect(hausdorffDistance(p, g, d)).toBe(7);
    expect(hausdorffDistance(p, g, d, [1, 1, 1], { directed: true })).toBe(0);
  });
  it('HD95 on a hand-worked set uses linear interpolation of the 95th percentile', () => {
    // gt: single voxel at x=0. pred: voxels at x = 0..10 on a line (isolated voxels every 1 apart
    // would be one segment; use y spacing so each pred voxel is its own surface voxel).
    const d: Dims3 = [11, 1, 1];
    const p = vox(d, Array.from({ length: 11 }, (_, i) => [i, 0, 0] as [number, number, number]));
    const g = vox(d, [[0, 0, 0]]);
    // pred->gt distances 0..10 (all pred voxels are surface in a 1-voxel-thick image);
    // 95th percentile of 0..10: pos = 0.95*10 = 9.5 -> 9.5. gt->pred: [0] -> 0. HD95 = 9.5.
    expect(hausdorffDistance(p, g, d, [1, 1, 1], { percentile: 95 })).toBeCloseTo(9.5, 12);
    expect(hausdorffDistance(p, g, d)).toBe(10);
  });
  it('empty masks: both empty -> NaN, one empty -> Infinity (MONAI)', () => {
    const d: Dims3 = [4, 4, 4];
    const e = new Uint8Array(64), c = cube(d, 1, 2);
    expect(hausdorffDistance(e, e, d)).toBeNaN();
    expect(hausdorffDistance(c, e, d)).toBe(Infinity);
    expect(hausdorffDistance(e, c, d)).toBe(Infinity);
    expect(hausdorffDistance(e, c, d, [1, 1, 1], { percentile: 95 })).toBe(Infinity);
    expect(averageSurfaceDistance(e, e, d)).toBeNaN();
    expect(averageSurfaceDistance(e, c, d)).toBe(Infinity);
  });
  it('identical masks give 0', () => {
    const d: Dims3 = [6, 6, 6];
    const c = cube(d, 1, 4);
    expect(hausdorffDistance(c, c, d, [1, 2, 3])).toBe(0);
    expect(averageSurfaceDistance(c, c, d)).toBe(0);
  });
});

describe('average surface distance and surface Dice', () => {
  // 1-D phantom: pred {0..2}, gt {0..4} on an 8x1x1 line. In a 1-voxel-thick image every voxel is a
  // surface voxel. pred->gt: [0,0,0]; gt->pred: [0,0,0,1,2].
  const d: Dims3 = [8, 1, 1];
  const p = vox(d, [[0, 0, 0], [1, 0, 0], [2, 0, 0]]);
  const g = vox(d, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0]]);
  it('directed distances', () => {
    const s = surfaceDistances(p, g, d);
    expect(Array.from(s.predToGt)).toEqual([0, 0, 0]);
    expect(Array.from(s.gtToPred)).toEqual([0, 0, 0, 1, 2]);
  });
  it('ASSD = mean of both directions; ASD directed = mean pred->gt', () => {
    expect(averageSurfaceDistance(p, g, d)).toBeCloseTo(3 / 8, 12);
    expect(averageSurfaceDistance(p, g, d, [1, 1, 1], false)).toBe(0);
    expect(averageSurfaceDistance(p, g, d, [2, 1, 1])).toBeCloseTo(6 / 8, 12);
  });
  it('NSD counts surface voxels within tolerance (inclusive); NaN both empty, 0 one empty', () => {
    expect(surfaceDice(p, g, d, [1, 1, 1], 0)).toBeCloseTo(6 / 8, 12);
    expect(surfaceDice(p, g, d, [1, 1, 1], 1)).toBeCloseTo(7 / 8, 12);
    expect(surfaceDice(p, g, d, [1, 1, 1], 2)).toBe(1);
    expect(surfaceDice(p, g, d, [2, 1, 1], 2)).toBeCloseTo(7 / 8, 12);
    const e = new Uint8Array(8);
    expect(surfaceDice(e, e, d, [1, 1, 1], 1)).toBeNaN();
    expect(surfaceDice(p, e, d, [1, 1, 1], 1)).toBe(0);
    expect(surfaceDice(e, g, d, [1, 1, 1], 100)).toBe(0);
  });
});

describe('percentile', () => {
  it('linear interpolation as numpy/torch', () => {
    expect(percentile(Float64Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
    expect(percentile(Float64Array.from([1, 2, 3, 4, 5]), 95)).toBeCloseTo(4.8, 12);
    expect(percentile(new Float64Array(0), 95)).toBeNaN();
  });
});
