import { describe, expect, it } from 'vitest';
import { fillHoles, fillHolesPerSlice, labelComponents, type Dims3 } from './components';

/** Build a mask from a list of (i,j,k) voxels. */
function mask(dims: Dims3, voxels: Array<[number, number, number]>): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const [i, j, k] of voxels) m[i + dims[0] * (j + dims[1] * k)] = 1;
  return m;
}
const at = (dims: Dims3, i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

describe('labelComponents', () => {
  const dims: Dims3 = [4, 4, 4];
  // Two voxels touching by a face, by an edge, and by a corner only.
  const face = mask(dims, [[0, 0, 0], [1, 0, 0]]);
  const edge = mask(dims, [[0, 0, 0], [1, 1, 0]]);
  const corner = mask(dims, [[0, 0, 0], [1, 1, 1]]);

  it('6-connectivity joins faces only', () => {
    expect(labelComponents(face, dims, 6).count).toBe(1);
    expect(labelComponents(edge, dims, 6).count).toBe(2);
    expect(labelComponents(corner, dims, 6).count).toBe(2);
  });
  it('18-connectivity joins faces and edges, not corners', () => {
    expect(labelComponents(edge, dims, 18).count).toBe(1);
    expect(labelComponents(corner, dims, 18).count).toBe(2);
  });
  it('26-connectivity joins corners', () => {
    expect(labelComponents(corner, dims, 26).count).toBe(1);
  });
  it('numbers labels like scipy (first appearance in C order, z fastest) and reports sizes', () => {
    // Object A at x=3 (late in C order), object B at x=0,z=3 (early in C order, late in x-fastest order).
    const m = mask(dims, [[3, 0, 0], [3, 1, 0], [0, 0, 3]]);
    const { labels, count, sizes } = labelComponents(m, dims, 18);
    expect(count).toBe(2);
    expect(labels[at(dims, 0, 0, 3)]).toBe(1);
    expect(labels[at(dims, 3, 0, 0)]).toBe(2);
    expect(labels[at(dims, 3, 1, 0)]).toBe(2);
    expect(Array.from(sizes)).toEqual([0, 1, 2]);
  });
  it('handles a U shape that needs merging of provisional labels', () => {
    const d: Dims3 = [3, 3, 1];
    const m = mask(d, [[0, 0, 0], [2, 0, 0], [0, 1, 0], [2, 1, 0], [0, 2, 0], [1, 2, 0], [2, 2, 0]]);
    const r = labelComponents(m, d, 6);
    expect(r.count).toBe(1);
    expect(r.sizes[1]).toBe(7);
  });
  it('rejects mismatched dims with a clear message', () => {
    expect(() => labelComponents(new Uint8Array(5), [2, 2, 2])).toThrow(/8/);
  });
});

describe('fillHoles', () => {
  it('fills an enclosed cavity in 3-D (26-connected background, as ones((3,3,3)))', () => {
    const d: Dims3 = [5, 5, 5];
    const m = new Uint8Array(125);
    for (let k = 1; k <= 3; k++) for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) m[at(d, i, j, k)] = 1;
    m[at(d, 2, 2, 2)] = 0;
    const f = fillHoles(m, d);
    expect(f[at(d, 2, 2, 2)]).toBe(1);
    expect(f.reduce((a, b) => a + b, 0)).toBe(27);
  });
  it('does not fill a 2-D ring in a single-slice 3-D image (border along z), but the per-slice fill does', () => {
    const d: Dims3 = [5, 5, 1];
    const m = new Uint8Array(25);
    for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) m[at(d, i, j, 0)] = 1;
    m[at(d, 2, 2, 0)] = 0;
    expect(fillHoles(m, d)[at(d, 2, 2, 0)]).toBe(0);
    expect(fillHolesPerSlice(m, d)[at(d, 2, 2, 0)]).toBe(1);
  });
  it('a hole connected to the outside by a diagonal only is not a hole with 26-connectivity, but is with 6', () => {
    const d: Dims3 = [5, 5, 5];
    const m = new Uint8Array(125).fill(0);
    for (let k = 1; k <= 3; k++) for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) m[at(d, i, j, k)] = 1;
    m[at(d, 2, 2, 2)] = 0;
    m[at(d, 3, 3, 3)] = 0; // opens a diagonal channel from the centre to the outside corner
    expect(fillHoles(m, d, 26)[at(d, 2, 2, 2)]).toBe(0);
    expect(fillHoles(m, d, 6)[at(d, 2, 2, 2)]).toBe(1);
  });
});
