import { describe, expect, it } from 'vitest';
import { matmulCpu } from './matmul';

/** Explicit transpose of each [rows, cols] matrix of a batch. */
function transpose(a: Float64Array, batch: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[b * rows * cols + j * rows + i] = a[b * rows * cols + i * cols + j];
  return out;
}

describe('matmulCpu', () => {
  it('multiplies a 2x3 by a 3x2 matrix (worked by hand)', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([7, 8, 9, 10, 11, 12]);
    const out = matmulCpu(a, b, { batch: 1, m: 2, k: 3, n: 2 });
    expect(out).toBeInstanceOf(Float32Array);
    // [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
    expect([...out]).toEqual([58, 64, 139, 154]);
  });

  it('handles batches and both transposes', () => {
    const batch = 3, m = 4, k = 5, n = 2;
    const a = Float64Array.from({ length: batch * m * k }, (_, i) => Math.sin(i + 1));
    const b = Float64Array.from({ length: batch * k * n }, (_, i) => Math.cos(i * 0.7));
    const plain = matmulCpu(a, b, { batch, m, k, n });
    expect(plain).toBeInstanceOf(Float64Array);
    // Batch item 2, entry (3, 1) by hand from the definition.
    let e = 0;
    for (let t = 0; t < k; t++) e += a[2 * m * k + 3 * k + t] * b[2 * k * n + t * n + 1];
    expect(plain[2 * m * n + 3 * n + 1]).toBeCloseTo(e, 12);
    const aT = transpose(a, batch, m, k);
    const bT = transpose(b, batch, k, n);
    for (const [transA, transB] of [[true, false], [false, true], [true, true]]) {
      const out = matmulCpu(transA ? aT : a, transB ? bT : b, { batch, m, k, n, transA, transB });
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(plain[i], 12);
    }
  });

  it('rejects arrays shorter than the shape says', () => {
    expect(() => matmulCpu(new Float32Array(5), new Float32Array(6), { batch: 1, m: 2, k: 3, n: 2 })).toThrow(/a holds 5 elements, needs batch\*m\*k/);
    expect(() => matmulCpu(new Float32Array(6), new Float32Array(6), { batch: 1, m: 2, k: 3, n: 2.5 })).toThrow(/n must be a non-negative integer/);
  });
});
