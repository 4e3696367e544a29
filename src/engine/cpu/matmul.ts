/**
 * CPU reference for batched matrix multiplication (row-major). Simple and obviously correct:
 * it is what the WebGPU kernel and the autograd rules are checked against. Accumulates in
 * double precision (JS numbers) whatever the storage type.
 */

export type FloatArray = Float32Array | Float64Array;

export interface MatmulParams {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** a is stored [batch, k, m] (so the product uses a's transpose). */
  transA?: boolean;
  /** b is stored [batch, n, k]. */
  transB?: boolean;
}

/** Throws a clear error when the arrays do not hold the sizes the parameters promise. */
export function checkMatmulParams(aLength: number, bLength: number, p: MatmulParams): void {
  for (const key of ['batch', 'm', 'k', 'n'] as const) {
    const v = p[key];
    if (!Number.isInteger(v) || v < 0) throw new Error(`matmul: ${key} must be a non-negative integer, got ${v}`);
  }
  const { batch, m, k, n } = p;
  if (aLength < batch * m * k) {
    throw new Error(`matmul: a holds ${aLength} elements, needs batch*m*k = ${batch}*${m}*${k} = ${batch * m * k}`);
  }
  if (bLength < batch * k * n) {
    throw new Error(`matmul: b holds ${bLength} elements, needs batch*k*n = ${batch}*${k}*${n} = ${batch * k * n}`);
  }
}

/** out[b, i, j] = sum_t A[b, i, t] * B[b, t, j]; returns a new array of a's type, [batch, m, n]. */
export function matmulCpu<T extends FloatArray>(a: T, b: FloatArray, p: MatmulParams): T {
  checkMatmulParams(a.length, b.length, p);
  const { batch, m, k, n } = p;
  const out = new (a.constructor as { new (len: number): T })(batch * m * n);
  // Element strides of A[i, t] and B[t, j] within one batch item.
  const [aRow, aCol] = p.transA ? [1, m] : [k, 1];
  const [bRow, bCol] = p.transB ? [1, k] : [n, 1];
  for (let bi = 0; bi < batch; bi++) {
    const aBase = bi * m * k;
    const bBase = bi * k * n;
    const oBase = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += a[aBase + i * aRow + t * aCol] * b[bBase + t * bRow + j * bCol];
        out[oBase + i * n + j] = acc;
      }
    }
  }
  return out;
}
