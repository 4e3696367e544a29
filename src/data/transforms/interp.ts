/**
 * Interpolation and filtering kernels shared by the geometric transforms, written to match the
 * scipy.ndimage calls ivadomed makes: zoom (orders 0, 1, 2; corners aligned, grid_mode=False),
 * affine_transform (order 1, constant 0 outside), map_coordinates (order 1, mode 'reflect') and
 * gaussian_filter (truncate 4, modes 'reflect' and 'constant'). All work on 3D C-order arrays
 * [n0, n1, n2]; 2D arrays come in with n2 = 1.
 */

type Shape3 = [number, number, number];

// ---- zoom ---------------------------------------------------------------------------------------

/** Mirror index (scipy 'mirror': d c b | a b c d | c b a), used by the spline prefilter and evaluation. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** Quadratic B-spline coefficients of a 1D signal (in place), mirror boundary (Unser's recursive filter). */
function splineFilter2(c: Float64Array): void {
  const n = c.length;
  if (n === 1) return;
  const z = Math.sqrt(8) - 3;
  const lambda = (1 - z) * (1 - 1 / z);
  for (let i = 0; i < n; i++) c[i] *= lambda;
  // causal initialisation: sum over the mirrored signal, truncated where z^k is negligible
  const horizon = Math.min(n, Math.ceil(Math.log(1e-12) / Math.log(Math.abs(z))));
  let sum = c[0];
  let zk = z;
  if (horizon < n) {
    for (let k = 1; k < horizon; k++) { sum += zk * c[k]; zk *= z; }
  } else {
    // exact mirror-symmetric initialisation for short signals
    const zn = Math.pow(z, n - 1);
    let z2n = zn * zn / z;
    sum = c[0] + zn * c[n - 1];
    for (let k = 1; k < n - 1; k++) { sum += (zk + z2n) * c[k]; zk *= z; z2n /= z; }
    sum /= 1 - zn * zn;
  }
  c[0] = sum;
  for (let k = 1; k < n; k++) c[k] += z * c[k - 1];
  c[n - 1] = (z / (z * z - 1)) * (c[n - 1] + z * c[n - 2]);
  for (let k = n - 2; k >= 0; k--) c[k] = z * (c[k + 1] - c[k]);
}

/** Resamples one line of length n to m samples, corners aligned: x_in = x_out * (n - 1) / (m - 1). */
function resampleLine(src: Float64Array, m: number, order: 0 | 1 | 2, out: Float64Array): void {
  const n = src.length;
  const step = m > 1 ? (n - 1) / (m - 1) : 0;
  if (order === 2) splineFilter2(src);
  for (let o = 0; o < m; o++) {
    const x = o * step;
    if (order === 0) {
      out[o] = src[Math.min(n - 1, Math.round(x))];
    } else if (order === 1) {
      const i0 = Math.floor(x);
      const t = x - i0;
      const i1 = Math.min(i0 + 1, n - 1);
      out[o] = t === 0 ? src[i0] : src[i0] * (1 - t) + src[i1] * t;
    } else {
      const i = Math.round(x);
      const t = x - i;
      const wm = 0.5 * (0.5 - t) * (0.5 - t);
      const w0 = 0.75 - t * t;
      const wp = 0.5 * (0.5 + t) * (0.5 + t);
      out[o] = wm * src[mirror(i - 1, n)] + w0 * src[mirror(i, n)] + wp * src[mirror(i + 1, n)];
    }
  }
}

/** Resamples one axis of a 3D array to `m` samples. */
function zoomAxis(data: Float64Array, shape: Shape3, axis: number, m: number, order: 0 | 1 | 2): { data: Float64Array; shape: Shape3 } {
  const n = shape[axis];
  const outShape: Shape3 = [shape[0], shape[1], shape[2]];
  outShape[axis] = m;
  if (n === m) return { data, shape: outShape };
  const out = new Float64Array(outShape[0] * outShape[1] * outShape[2]);
  const inStrides = [shape[1] * shape[2], shape[2], 1];
  const outStrides = [outShape[1] * outShape[2], outShape[2], 1];
  const others = [0, 1, 2].filter((a) => a !== axis);
  const line = new Float64Array(n);
  const res = new Float64Array(m);
  for (let a = 0; a < shape[others[0]]; a++) {
    for (let b = 0; b < shape[others[1]]; b++) {
      const inBase = a * inStrides[others[0]] + b * inStrides[others[1]];
      const outBase = a * outStrides[others[0]] + b * outStrides[others[1]];
      for (let i = 0; i < n; i++) line[i] = data[inBase + i * inStrides[axis]];
      resampleLine(line, m, order, res);
      for (let o = 0; o < m; o++) out[outBase + o * outStrides[axis]] = res[o];
    }
  }
  return { data: out, shape: outShape };
}

/**
 * scipy.ndimage.zoom to an explicit output shape, computed axis by axis (the interpolation is
 * separable). Order 2 is a quadratic B-spline with a mirror-boundary prefilter, as scipy's zoom;
 * orders 1 and 2 match SciPy 1.17 to float32 precision (interp.test.ts).
 */
export function zoom3(data: Float32Array, shape: Shape3, outShape: Shape3, order: 0 | 1 | 2): Float32Array {
  let cur: { data: Float64Array; shape: Shape3 } = { data: Float64Array.from(data), shape: [shape[0], shape[1], shape[2]] };
  for (let axis = 0; axis < 3; axis++) cur = zoomAxis(cur.data, cur.shape, axis, outShape[axis], order);
  return Float32Array.from(cur.data);
}

// ---- affine (order 1, constant 0) ---------------------------------------------------------------

/**
 * scipy.ndimage.affine_transform(x, matrix, offset, order=1, mode='constant', cval=0):
 * out(o) = in(matrix · o + offset), where points outside [0, n-1] on any axis give 0 (scipy's
 * 'constant' mode does not interpolate across the edge).
 */
export function affineLinear3(data: Float32Array, shape: Shape3, matrix: number[][], offset: number[]): Float32Array {
  const [n0, n1, n2] = shape;
  const out = new Float32Array(n0 * n1 * n2);
  const eps = 1e-6;
  let p = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      for (let k = 0; k < n2; k++, p++) {
        const x = matrix[0][0] * i + matrix[0][1] * j + matrix[0][2] * k + offset[0];
        const y = matrix[1][0] * i + matrix[1][1] * j + matrix[1][2] * k + offset[1];
        const z = matrix[2][0] * i + matrix[2][1] * j + matrix[2][2] * k + offset[2];
        if (x < -eps || y < -eps || z < -eps || x > n0 - 1 + eps || y > n1 - 1 + eps || z > n2 - 1 + eps) continue;
        out[p] = trilinear(data, shape, x, y, z, clampIndex);
      }
    }
  }
  return out;
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** scipy 'reflect' (half-sample symmetric: d c b a | a b c d | d c b a) for an integer index. */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

function trilinear(data: Float32Array, shape: Shape3, x: number, y: number, z: number, wrap: (i: number, n: number) => number): number {
  const [n0, n1, n2] = shape;
  const x0 = Math.floor(x), y0 = Math.floor(y), z0 = Math.floor(z);
  const tx = x - x0, ty = y - y0, tz = z - z0;
  const xs = [wrap(x0, n0), wrap(x0 + 1, n0)];
  const ys = [wrap(y0, n1), wrap(y0 + 1, n1)];
  const zs = [wrap(z0, n2), wrap(z0 + 1, n2)];
  const wx = [1 - tx, tx], wy = [1 - ty, ty], wz = [1 - tz, tz];
  let v = 0;
  for (let a = 0; a < 2; a++) {
    if (wx[a] === 0) continue;
    for (let b = 0; b < 2; b++) {
      if (wy[b] === 0) continue;
      for (let c = 0; c < 2; c++) {
        if (wz[c] === 0) continue;
        v += wx[a] * wy[b] * wz[c] * data[(xs[a] * n1 + ys[b]) * n2 + zs[c]];
      }
    }
  }
  return v;
}

/** scipy.ndimage.map_coordinates(x, grid + d, order=1, mode='reflect') for a dense displacement. */
export function warpLinearReflect3(data: Float32Array, shape: Shape3, dx: Float32Array, dy: Float32Array, dz: Float32Array | null): Float32Array {
  const [n0, n1, n2] = shape;
  const out = new Float32Array(n0 * n1 * n2);
  let p = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      for (let k = 0; k < n2; k++, p++) {
        const x = reflectCoord(i + dx[p], n0);
        const y = reflectCoord(j + dy[p], n1);
        const z = dz ? reflectCoord(k + dz[p], n2) : k;
        out[p] = trilinear(data, shape, x, y, z, reflectIndex);
      }
    }
  }
  return out;
}

/** A continuous coordinate folded into [-0.5, n - 0.5) by half-sample reflection. */
function reflectCoord(x: number, n: number): number {
  const period = 2 * n;
  let t = (x + 0.5) % period;
  if (t < 0) t += period;
  t -= 0.5;
  return t < n - 0.5 ? t : period - 1 - t;
}

// ---- gaussian filter ----------------------------------------------------------------------------

export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-0.5 * (i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * scipy.ndimage.gaussian_filter over every axis of a 3D array (including a singleton depth, as
 * ivadomed's two_dim_compatible arrays get filtered): mode 'reflect' or 'constant' (cval 0).
 */
export function gaussianFilter3(data: Float32Array, shape: Shape3, sigma: number, mode: 'reflect' | 'constant'): Float32Array {
  if (!(sigma > 0)) return data.slice();
  const kernel = gaussianKernel(sigma);
  const r = (kernel.length - 1) / 2;
  let cur = Float64Array.from(data);
  const strides = [shape[1] * shape[2], shape[2], 1];
  for (let axis = 0; axis < 3; axis++) {
    const n = shape[axis];
    const next = new Float64Array(cur.length);
    const others = [0, 1, 2].filter((a) => a !== axis);
    const line = new Float64Array(n);
    for (let a = 0; a < shape[others[0]]; a++) {
      for (let b = 0; b < shape[others[1]]; b++) {
        const base = a * strides[others[0]] + b * strides[others[1]];
        for (let i = 0; i < n; i++) line[i] = cur[base + i * strides[axis]];
        for (let i = 0; i < n; i++) {
          let v = 0;
          if (i - r >= 0 && i + r < n) {
            // interior: no boundary handling
            for (let t = 0, s = i - r; t < kernel.length; t++, s++) v += kernel[t] * line[s];
          } else {
            for (let t = -r; t <= r; t++) {
              const s = i + t;
              if (s < 0 || s >= n) {
                if (mode === 'constant') continue;
                v += kernel[t + r] * line[reflectIndex(s, n)];
              } else {
                v += kernel[t + r] * line[s];
              }
            }
          }
          next[base + i * strides[axis]] = v;
        }
      }
    }
    cur = next;
  }
  return Float32Array.from(cur);
}
