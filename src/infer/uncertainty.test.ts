import { describe, expect, it } from 'vitest';
import { computeUncertainty, voxelwiseUncertainty } from './uncertainty';

const f = (a: number[]) => Float32Array.from(a);
const H = (p: number) => Math.max(0, -(p * Math.log(p + 1e-5) + (1 - p) * Math.log(1 - p + 1e-5)));

describe('uncertainty from Monte Carlo samples', () => {
  it('identical binary samples (dropout p = 0): zero entropy, IoU 1, CV 0, avgUnc 0', () => {
    const s = f([0, 1, 1, 1, 0, 0, 1, 1]);
    const u = computeUncertainty([s, s, s], [8, 1, 1]);
    expect(Array.from(u.soft)).toEqual(Array.from(s));
    expect(Array.from(u.hard)).toEqual(Array.from(s));
    expect(Array.from(u.uncVox).every((x) => x === 0)).toBe(true);
    // objects {1,2,3} and {6,7}
    expect(Array.from(u.uncIou)).toEqual([0, 1, 1, 1, 0, 0, 1, 1]);
    expect(Array.from(u.uncCv).every((x) => x === 0)).toBe(true);
    expect(Array.from(u.uncAvgUnc).every((x) => x === 0)).toBe(true);
    expect(Array.from(u.mutualInformation).every((x) => x === 0)).toBe(true);
  });
  it('identical soft samples: predictive entropy is not zero (ivadomed formula) but mutual information is', () => {
    const s = f([0.5, 0.25]);
    const u = voxelwiseUncertainty([s, s], 2);
    expect(u.uncVox[0]).toBeCloseTo(H(0.5), 6);
    expect(u.uncVox[0]).toBeCloseTo(0.6931272, 6); // -ln(0.50001)
    expect(u.uncVox[1]).toBeCloseTo(H(0.25), 6);
    expect(u.mutualInformation[0]).toBe(0);
    expect(u.mutualInformation[1]).toBe(0);
  });
  it('hand-computed phantom: entropy, IoU, CV and avgUnc', () => {
    // s0 = 1 1 1 0 0 0, s1 = 0 1 1 1 0 0 -> soft .5 1 1 .5 0 0, hard (>= 1/2) 1 1 1 1 0 0 (one object).
    const u = computeUncertainty([f([1, 1, 1, 0, 0, 0]), f([0, 1, 1, 1, 0, 0])], [6, 1, 1]);
    expect(Array.from(u.soft)).toEqual([0.5, 1, 1, 0.5, 0, 0]);
    expect(Array.from(u.hard)).toEqual([1, 1, 1, 1, 0, 0]);
    const h = -Math.log(0.5 + 1e-5);
    expect(u.uncVox[0]).toBeCloseTo(h, 6);
    expect(u.uncVox[1]).toBe(0); // -ln(1+eps) < 0 clipped
    expect(u.uncVox[4]).toBe(0);
    // M_0 = {0,1,2}, M_1 = {1,2,3}: IoU 2/4; volumes 3,3 -> CV 0; avgUnc = 2h/4.
    for (let v = 0; v < 4; v++) {
      expect(u.uncIou[v]).toBeCloseTo(0.5, 7);
      expect(u.uncCv[v]).toBe(0);
      expect(u.uncAvgUnc[v]).toBeCloseTo(h / 2, 6);
    }
    expect(u.uncIou[4]).toBe(0);
    // Mutual information at voxel 0: H(0.5) - mean(H(1), H(0)) = H(0.5).
    expect(u.mutualInformation[0]).toBeCloseTo(h, 6);
  });
  it('coefficient of variation uses the population std of the matched component volumes', () => {
    // s0 = 1 1 1 0, s1 = 1 0 0 0 -> soft 1 .5 .5 0 -> hard 1 1 1 0; M = {0,1,2}, {0}.
    const u = computeUncertainty([f([1, 1, 1, 0]), f([1, 0, 0, 0])], [4, 1, 1]);
    expect(u.uncIou[0]).toBeCloseTo(1 / 3, 7);
    expect(u.uncCv[0]).toBeCloseTo(0.5, 7); // mean 2, std 1
  });
  it('matches each sample component with the largest overlap and takes the whole component', () => {
    // Line of 10. hard object = voxels 2..6 from the mean of three samples (thr 1/3).
    // Sample 0: components {0,1,2} (overlap 1) and {4..9} (overlap 3) -> picks {4..9} (6 voxels).
    const s0 = f([1, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
    const s1 = f([0, 0, 1, 1, 1, 1, 1, 0, 0, 0]); // {2..6}
    const s2 = f([0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    const u = computeUncertainty([s0, s1, s2], [10, 1, 1]);
    // hard = mean >= 1/3 -> voxels 0..9 all set (s0 covers 0,1,2,4..9 and s1 covers 3): one object 0..9.
    expect(Array.from(u.hard)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // Object 0..9 overlaps s0's {0,1,2} by 3 and {4..9} by 6 -> M_0 = {4..9}; M_1 = M_2 = {2..6}.
    // ∩ = {4,5,6} = 3, ∪ = {2..9} = 8; volumes 6,5,5 -> mean 16/3, std sqrt(((2/3)^2 + 2(1/3)^2)/3).
    expect(u.uncIou[0]).toBeCloseTo(3 / 8, 7);
    const mean = 16 / 3, sd = Math.sqrt(((6 - mean) ** 2 + 2 * (5 - mean) ** 2) / 3);
    expect(u.uncCv[0]).toBeCloseTo(sd / mean, 6);
  });
  it('skips single-voxel objects and handles several classes (class axis slowest)', () => {
    // class 0: single voxel; class 1: two-voxel object.
    const s = f([1, 0, 0, 0, 0, 0, 1, 1]);
    const u = computeUncertainty([s, s], [4, 1, 1, 2]);
    expect(Array.from(u.uncIou)).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
  });
  it('rejects samples of the wrong size', () => {
    expect(() => computeUncertainty([f([1, 0]), f([1])], [2, 1, 1])).toThrow(/sample 1 has 1 values/);
    expect(() => computeUncertainty([], [2, 1, 1])).toThrow(/at least one/);
  });
});
