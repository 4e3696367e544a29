import { describe, expect, it } from 'vitest';
import { extractWindow, monaiInterval, monaiStarts, nnunetStarts, planWindows, roundHalfEven } from './window';
import { constantImportanceMap, gaussianImportanceMap, slidingWindowInference, WindowAccumulator } from './blend';

describe('window placement (MONAI semantics)', () => {
  it('hand-worked cases', () => {
    expect(monaiStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]);
    expect(monaiStarts(10, 4, 0.25)).toEqual([0, 3, 6]);
    expect(monaiStarts(10, 4, 0)).toEqual([0, 4, 6]); // last window flush with the border
    expect(monaiStarts(4, 4, 0.5)).toEqual([0]); // roi == size -> interval = roi
    expect(monaiStarts(5, 4, 0.9)).toEqual([0, 1]); // int(0.4) = 0 -> interval 1
    expect(monaiInterval(96, 64, 0.25)).toBe(48);
    expect(monaiStarts(100, 64, 0.25)).toEqual([0, 36]);
  });
  it('nnU-Net spreads windows evenly with round-half-even', () => {
    // size 10, tile 4, step 0.5 -> n = ceil(6/2)+1 = 4, step 2 -> 0,2,4,6.
    expect(nnunetStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]);
    // size 11, tile 4, step 0.5 -> n = ceil(7/2)+1 = 5, actual 1.75 -> 0, 1.75, 3.5, 5.25, 7 -> 0,2,4,5,7.
    expect(nnunetStarts(11, 4, 0.5)).toEqual([0, 2, 4, 5, 7]);
    expect(nnunetStarts(4, 4, 0.5)).toEqual([0]);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-0.5)).toBe(-0);
  });
  it('pads an image smaller than the roi symmetrically (diff//2 before)', () => {
    const p = planWindows([3, 10], [6, 4], { overlap: 0.5 });
    expect(p.padBefore).toEqual([1, 0]);
    expect(p.padAfter).toEqual([2, 0]);
    expect(p.paddedSize).toEqual([6, 10]);
    expect(p.starts).toEqual([[0], [0, 2, 4, 6]]);
    expect(p.windows).toEqual([[0, 0], [0, 2], [0, 4], [0, 6]]);
  });
  it('cartesian product lists the first dimension fastest', () => {
    const p = planWindows([6, 6], [4, 4], { overlap: 0.5 });
    expect(p.windows).toEqual([[0, 0], [2, 0], [0, 2], [2, 2]]);
  });
  it('rejects bad input with clear messages', () => {
    expect(() => planWindows([10], [4, 4])).toThrow(/spatial dims/);
    expect(() => planWindows([10], [4], { overlap: 1 })).toThrow(/overlap/);
    expect(() => planWindows([10], [0])).toThrow(/roi/);
  });
  it('extractWindow zero-fills the padding', () => {
    const p = planWindows([3], [5], {});
    // padBefore 1, padAfter 1: window = [0, a, b, c, 0].
    expect(Array.from(extractWindow(Float32Array.from([1, 2, 3]), 1, p, [0]))).toEqual([0, 1, 2, 3, 0]);
  });
});

describe('importance maps', () => {
  it('Gaussian values for roi 5, sigma_scale 0.125 (sigma 0.625)', () => {
    const m = gaussianImportanceMap([5]);
    const e1 = Math.exp(-1 / (2 * 0.625 ** 2)), e2 = Math.exp(-4 / (2 * 0.625 ** 2));
    expect(m[2]).toBe(1);
    expect(m[1]).toBeCloseTo(e1, 6); // 0.27804
    expect(m[3]).toBeCloseTo(e1, 6);
    expect(m[0]).toBeCloseTo(e2, 6); // 0.00598 (above the 1e-3 floor)
    expect(e1).toBeCloseTo(0.278037, 5);
  });
  it('is separable, normalised to max 1 for even sizes, and floored at 1e-3', () => {
    const m = gaussianImportanceMap([4, 6], 0.125);
    let max = 0, min = Infinity;
    for (const v of m) { max = Math.max(max, v); min = Math.min(min, v); }
    expect(max).toBeCloseTo(1, 6);
    expect(min).toBeGreaterThanOrEqual(1e-3 - 1e-9);
    // Corner of a wide map falls below 1e-3 and is clamped.
    const big = gaussianImportanceMap([32, 32, 32]);
    expect(big[0]).toBeCloseTo(1e-3, 9);
    // Symmetry.
    expect(m[0]).toBeCloseTo(m[3], 7);
  });
});

describe('reconstruction from overlapping windows of an identity model', () => {
  const dims = [7, 5, 4];
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(2 * n);
  for (let v = 0; v < image.length; v++) image[v] = Math.sin(v * 0.37) * 10 + v * 0.01;
  for (const mode of ['constant', 'gaussian'] as const) {
    for (const placement of ['monai', 'nnunet'] as const) {
      it(`${mode} blending, ${placement} placement, with padding along z`, async () => {
        const out = await slidingWindowInference(image, dims, 2, 2, [4, 3, 6], (w) => Float32Array.from(w), { overlap: 0.5, mode, placement });
        expect(out.length).toBe(image.length);
        for (let v = 0; v < image.length; v++) expect(out[v]).toBeCloseTo(image[v], 4);
      });
    }
  }
  it('averages overlapping windows with their weights', () => {
    // 1-D image of 6, roi 4, overlap 0.5: windows at 0 and 2; "model" returns the window start + 1
    // everywhere; voxels 2..3 are covered by both -> mean of 1 and 3 = 2 with constant weights.
    const plan = planWindows([6], [4], { overlap: 0.5 });
    const acc = new WindowAccumulator(plan, 1, constantImportanceMap([4]));
    for (const s of plan.windows) acc.add(s, new Float32Array(4).fill(s[0] + 1));
    expect(Array.from(acc.result())).toEqual([1, 1, 2, 2, 3, 3]);
  });
  it('complains about an uncovered voxel or a wrong-sized prediction', () => {
    const plan = planWindows([6], [4], { overlap: 0.5 });
    const acc = new WindowAccumulator(plan, 1, constantImportanceMap([4]));
    expect(() => acc.add([0], new Float32Array(3))).toThrow(/expected 1 channel/);
    acc.add([0], new Float32Array(4));
    expect(() => acc.result()).toThrow(/no window/);
  });
});
