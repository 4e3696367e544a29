/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", 2012): the squared distance is separable, so one lower-envelope-of-parabolas pass per
 * axis gives the exact result in O(n). Anisotropic voxels are handled by placing the samples of each
 * axis at i * spacing (mm), which is what scipy's distance_transform_edt(sampling=spacing) computes.
 */
import { checkDims, type Dims3 } from './components';

/**
 * 1-D squared distance transform of f along a line: d[p] = min_q ((p - q) * s)^2 + f[q].
 * f values are +Infinity where there is no feature. Scratch arrays are passed in to avoid
 * per-line allocation.
 */
function edt1d(
  f: Float64Array, d: Float64Array, n: number, s: number,
  v: Int32Array, z: Float64Array,
): void {
  // Find the first finite sample; a line without features stays at +Infinity.
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    const pq = q * s;
    if (k < 0) {
      k = 0; v[0] = q; z[0] = -Infinity; z[1] = Infinity;
      continue;
    }
    const fq = f[q] + pq * pq;
    let sIntersect: number;
    for (;;) {
      const r = v[k], pr = r * s;
      sIntersect = (fq - (f[r] + pr * pr)) / (2 * pq - 2 * pr);
      if (sIntersect <= z[k]) {
        k--;
        if (k < 0) break;
      } else break;
    }
    if (k < 0) {
      k = 0; v[0] = q; z[0] = -Infinity; z[1] = Infinity;
    } else {
      k++; v[k] = q; z[k] = sIntersect; z[k + 1] = Infinity;
    }
  }
  if (k < 0) {
    for (let p = 0; p < n; p++) d[p] = Infinity;
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    const pp = p * s;
    while (z[j + 1] < pp) j++;
    const dq = (p - v[j]) * s;
    d[p] = dq * dq + f[v[j]];
  }
}

/**
 * Squared Euclidean distance (mm^2) from every voxel to the nearest voxel where `isFeature` is true.
 * Returns +Infinity everywhere when there is no feature voxel.
 * `onlyAt` (optional): the caller reads the result only where onlyAt != 0; the y and z passes then
 * skip the lines that cannot reach such voxels, whose values are left incomplete.
 */
export function squaredDistanceToFeatures(
  isFeature: ArrayLike<number>, dims: Dims3, spacing: readonly [number, number, number] = [1, 1, 1],
  onlyAt?: ArrayLike<number>,
): Float64Array {
  const n = checkDims(dims, isFeature.length, 'squaredDistanceToFeatures');
  for (const s of spacing) {
    if (!(s > 0) || !Number.isFinite(s)) throw new Error(`squaredDistanceToFeatures: spacing must be positive finite mm, got [${spacing.join(', ')}]`);
  }
  const [nx, ny, nz] = dims;
  const g = new Float64Array(n);
  for (let v = 0; v < n; v++) g[v] = isFeature[v] ? 0 : Infinity;
  const maxLen = Math.max(nx, ny, nz);
  const f = new Float64Array(maxLen), d = new Float64Array(maxLen), z = new Float64Array(maxLen + 1);
  const vIdx = new Int32Array(maxLen);
  // Axis x (stride 1).
  {
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++) {
        const base = nx * (j + ny * k);
        for (let i = 0; i < nx; i++) f[i] = g[base + i];
        edt1d(f, d, nx, spacing[0], vIdx, z);
        for (let i = 0; i < nx; i++) g[base + i] = d[i];
      }
  }
  // With onlyAt, the z pass needs only the (x, y) columns holding a query voxel, and the y pass only
  // the x positions of those columns.
  const nxy = nx * ny;
  let needed: Uint8Array | null = null, neededX: Uint8Array | null = null;
  if (onlyAt && nz > 1) {
    if (onlyAt.length !== n) throw new Error(`squaredDistanceToFeatures: onlyAt has ${onlyAt.length} values, expected ${n}`);
    needed = new Uint8Array(nxy);
    neededX = new Uint8Array(nx);
    for (let v = 0; v < n; v++) if (onlyAt[v]) { const c = v % nxy; needed[c] = 1; neededX[c % nx] = 1; }
  }
  // Axis y (stride nx).
  if (ny > 1) {
    for (let k = 0; k < nz; k++)
      for (let i = 0; i < nx; i++) {
        if (neededX && !neededX[i]) continue;
        const base = i + nx * ny * k;
        for (let j = 0; j < ny; j++) f[j] = g[base + nx * j];
        edt1d(f, d, ny, spacing[1], vIdx, z);
        for (let j = 0; j < ny; j++) g[base + nx * j] = d[j];
      }
  }
  // Axis z (stride nx*ny).
  if (nz > 1) {
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const base = i + nx * j;
        if (needed && !needed[base]) continue;
        for (let k = 0; k < nz; k++) f[k] = g[base + nxy * k];
        edt1d(f, d, nz, spacing[2], vIdx, z);
        for (let k = 0; k < nz; k++) g[base + nxy * k] = d[k];
      }
  }
  return g;
}

/**
 * scipy.ndimage.distance_transform_edt(input, sampling=spacing): distance (mm) from each non-zero
 * voxel to the nearest zero voxel (0 on zero voxels).
 */
export function distanceTransformEdt(
  input: ArrayLike<number>, dims: Dims3, spacing: readonly [number, number, number] = [1, 1, 1],
): Float64Array {
  const n = checkDims(dims, input.length, 'distanceTransformEdt');
  const zeros = new Uint8Array(n);
  for (let v = 0; v < n; v++) zeros[v] = input[v] === 0 ? 1 : 0;
  const sq = squaredDistanceToFeatures(zeros, dims, spacing);
  for (let v = 0; v < n; v++) sq[v] = Math.sqrt(sq[v]);
  return sq;
}
