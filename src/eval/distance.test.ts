import { describe, expect, it } from 'vitest';
import { distanceTransformEdt, squaredDistanceToFeatures } from './distance';
import type { Dims3 } from './components';

/** Brute-force reference: min over features of the anisotropic Euclidean distance. */
function bruteForce(feat: Uint8Array, dims: Dims3, sp: [number, number, number]): Float64Array {
  const [nx, ny, nz] = dims;
  const pts: number[][] = [];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (feat[i + nx * (j + ny * k)]) pts.push([i, j, k]);
  const out = new Float64Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    let best = Infinity;
    for (const [a, b, c] of pts) best = Math.min(best, ((i - a) * sp[0]) ** 2 + ((j - b) * sp[1]) ** 2 + ((k - c) * sp[2]) ** 2);
    out[i + nx * (j + ny * k)] = best;
  }
  return out;
}

describe('exact Euclidean distance transform', () => {
  it('matches brute force on random sparse features with anisotropic spacing', () => {
    const dims: Dims3 = [9, 7, 6];
    const sp: [number, number, number] = [0.5, 1.25, 3];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const feat = new Uint8Array(9 * 7 * 6);
    for (let v = 0; v < feat.length; v++) feat[v] = rnd() < 0.04 ? 1 : 0;
    feat[17] = 1;
    const got = squaredDistanceToFeatures(feat, dims, sp);
    const want = bruteForce(feat, dims, sp);
    for (let v = 0; v < got.length; v++) expect(got[v]).toBeCloseTo(want[v], 9);
  });
  it('onlyAt gives the exact values where requested', () => {
    const dims: Dims3 = [6, 5, 7];
    const sp: [number, number, number] = [1, 0.5, 2];
    const feat = new Uint8Array(210), at = new Uint8Array(210);
    feat[3] = 1; feat[150] = 1;
    const picks = [0, 209, 77, 31, 100, 151, 6 + 30 * 3];
    for (const v of picks) at[v] = 1;
    const full = squaredDistanceToFeatures(feat, dims, sp);
    const part = squaredDistanceToFeatures(feat, dims, sp, at);
    for (const v of picks) expect(part[v]).toBe(full[v]);
  });
  it('is +Infinity everywhere without features', () => {
    const got = squaredDistanceToFeatures(new Uint8Array(8), [2, 2, 2]);
    expect(Array.from(got).every((x) => x === Infinity)).toBe(true);
  });
  it('distanceTransformEdt gives distance to the nearest zero with spacing (scipy sampling)', () => {
    // A 1-D line along z of 5 ones between zeros at both ends, spacing 2 mm along z.
    const dims: Dims3 = [1, 1, 7];
    const input = new Uint8Array([0, 1, 1, 1, 1, 1, 0]);
    const d = distanceTransformEdt(input, dims, [1, 1, 2]);
    expect(Array.from(d)).toEqual([0, 2, 4, 6, 4, 2, 0]);
  });
  it('rejects non-positive spacing', () => {
    expect(() => squaredDistanceToFeatures(new Uint8Array(1), [1, 1, 1], [1, 0, 1])).toThrow(/spacing/);
  });
});
