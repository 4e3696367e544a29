/**
 * CPU reference for N-d convolution (2 or 3 spatial dimensions), forward and both gradients.
 * PyTorch semantics: cross-correlation, symmetric zero padding, stride and dilation per axis.
 * Layout: x [n, cIn, ...inSize] contiguous (NCHW / NCDHW), w [cOut, cIn, ...kernel], y [n, cOut, ...outSize].
 *
 * These loops are the reference the WebGPU kernels and finite-difference checks are measured
 * against, so they are written for obviousness, not speed: 2D is run as 3D with depth 1, and the
 * two gradients are literal adjoints of the forward loop (the same index arithmetic, scattering
 * instead of gathering). Sums are accumulated in JS numbers (double precision).
 */
import type { FloatArray } from './matmul';

export interface ConvGeometry {
  n: number;
  cIn: number;
  cOut: number;
  /** Spatial input size: [H, W] or [D, H, W]. */
  inSize: number[];
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/** The geometry lifted to exactly three spatial axes (2D gets a leading depth axis of 1). */
export interface Geometry3 {
  n: number;
  cIn: number;
  cOut: number;
  inSize: [number, number, number];
  kernel: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  dilation: [number, number, number];
  outSize: [number, number, number];
}

function outputExtent(input: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((input + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Validates a geometry and returns it with three spatial axes; errors name the bad field. */
export function toGeometry3(g: ConvGeometry): Geometry3 {
  const dims = g.inSize.length;
  if (dims !== 2 && dims !== 3) throw new Error(`conv: inSize must have 2 or 3 spatial dims, got [${g.inSize.join(', ')}]`);
  for (const key of ['n', 'cIn', 'cOut'] as const) {
    if (!Number.isInteger(g[key]) || g[key] < 1) throw new Error(`conv: ${key} must be a positive integer, got ${g[key]}`);
  }
  const fields = ['inSize', 'kernel', 'stride', 'padding', 'dilation'] as const;
  for (const key of fields) {
    const v = g[key];
    if (!Array.isArray(v) || v.length !== dims) {
      throw new Error(`conv: ${key} must have ${dims} entries (one per spatial dim of inSize), got [${v}]`);
    }
    const min = key === 'padding' ? 0 : 1;
    if (v.some((e) => !Number.isInteger(e) || e < min)) {
      throw new Error(`conv: ${key} entries must be integers >= ${min}, got [${v.join(', ')}]`);
    }
  }
  const lift = (v: number[], fill: number) => (dims === 2 ? [fill, v[0], v[1]] : [v[0], v[1], v[2]]) as [number, number, number];
  const inSize = lift(g.inSize, 1);
  const kernel = lift(g.kernel, 1);
  const stride = lift(g.stride, 1);
  const padding = lift(g.padding, 0);
  const dilation = lift(g.dilation, 1);
  const outSize = [0, 1, 2].map((a) => outputExtent(inSize[a], kernel[a], stride[a], padding[a], dilation[a])) as [number, number, number];
  if (outSize.some((o) => o < 1)) {
    throw new Error(
      `conv: kernel [${g.kernel.join(', ')}] with dilation [${g.dilation.join(', ')}] does not fit input ` +
        `[${g.inSize.join(', ')}] padded by [${g.padding.join(', ')}] (output would be [${(dims === 2 ? outSize.slice(1) : outSize).join(', ')}])`,
    );
  }
  return { n: g.n, cIn: g.cIn, cOut: g.cOut, inSize, kernel, stride, padding, dilation, outSize };
}

/** Spatial output size, same number of dims as g.inSize. */
export function convOutputSize(g: ConvGeometry): number[] {
  const out = toGeometry3(g).outSize;
  return g.inSize.length === 2 ? [out[1], out[2]] : [...out];
}

function prod(v: readonly number[]): number {
  return v.reduce((a, b) => a * b, 1);
}

function checkLength(name: string, arr: FloatArray, expected: number, shape: string): void {
  if (arr.length !== expected) throw new Error(`conv: ${name} has ${arr.length} elements, expected ${expected} for shape ${shape}`);
}

/**
 * Visits every (output position, weight tap) pair whose input tap lies inside the (unpadded) input,
 * calling visit(xIndex, wIndex, yIndex). All three passes are this one loop, so they are adjoint.
 */
function forEachTap(g: Geometry3, visit: (xi: number, wi: number, yi: number) => void): void {
  const [iD, iH, iW] = g.inSize;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.stride;
  const [pD, pH, pW] = g.padding;
  const [dD, dH, dW] = g.dilation;
  const [oD, oH, oW] = g.outSize;
  const inVol = iD * iH * iW;
  const kVol = kD * kH * kW;
  for (let b = 0; b < g.n; b++)
    for (let co = 0; co < g.cOut; co++)
      for (let od = 0; od < oD; od++)
        for (let oh = 0; oh < oH; oh++)
          for (let ow = 0; ow < oW; ow++) {
            const yi = ((b * g.cOut + co) * oD + od) * oH * oW + oh * oW + ow;
            for (let ci = 0; ci < g.cIn; ci++)
              for (let kd = 0; kd < kD; kd++) {
                const id = od * sD - pD + kd * dD;
                if (id < 0 || id >= iD) continue;
                for (let kh = 0; kh < kH; kh++) {
                  const ih = oh * sH - pH + kh * dH;
                  if (ih < 0 || ih >= iH) continue;
                  for (let kw = 0; kw < kW; kw++) {
                    const iw = ow * sW - pW + kw * dW;
                    if (iw < 0 || iw >= iW) continue;
                    const xi = (b * g.cIn + ci) * inVol + (id * iH + ih) * iW + iw;
                    const wi = (co * g.cIn + ci) * kVol + (kd * kH + kh) * kW + kw;
                    visit(xi, wi, yi);
                  }
                }
              }
          }
}

function shapes(g: Geometry3, dims: number) {
  const sp = (v: number[]) => (dims === 2 ? v.slice(1) : v).join(', ');
  return {
    x: `[${g.n}, ${g.cIn}, ${sp(g.inSize)}]`,
    w: `[${g.cOut}, ${g.cIn}, ${sp(g.kernel)}]`,
    y: `[${g.n}, ${g.cOut}, ${sp(g.outSize)}]`,
  };
}

function newLike<T extends FloatArray>(like: T, length: number): T {
  return new (like.constructor as { new (len: number): T })(length);
}

/** y = conv(x, w) + bias (bias [cOut] or null). */
export function convForwardCpu<T extends FloatArray>(x: T, w: FloatArray, bias: FloatArray | null, g: ConvGeometry): T {
  const g3 = toGeometry3(g);
  const s = shapes(g3, g.inSize.length);
  checkLength('x', x, g3.n * g3.cIn * prod(g3.inSize), s.x);
  checkLength('w', w, g3.cOut * g3.cIn * prod(g3.kernel), s.w);
  if (bias) checkLength('bias', bias, g3.cOut, `[${g3.cOut}]`);
  const outVol = prod(g3.outSize);
  // Accumulate in a Float64Array so f32 inputs are summed in double precision.
  const acc = new Float64Array(g3.n * g3.cOut * outVol);
  forEachTap(g3, (xi, wi, yi) => {
    acc[yi] += x[xi] * w[wi];
  });
  const y = newLike(x, acc.length);
  for (let i = 0; i < acc.length; i++) y[i] = acc[i] + (bias ? bias[Math.floor(i / outVol) % g3.cOut] : 0);
  return y;
}

/** dx = d<conv(x, w), dy>/dx: the transposed convolution of dy with w. */
export function convGradInputCpu<T extends FloatArray>(dy: T, w: FloatArray, g: ConvGeometry): T {
  const g3 = toGeometry3(g);
  const s = shapes(g3, g.inSize.length);
  checkLength('dy', dy, g3.n * g3.cOut * prod(g3.outSize), s.y);
  checkLength('w', w, g3.cOut * g3.cIn * prod(g3.kernel), s.w);
  const acc = new Float64Array(g3.n * g3.cIn * prod(g3.inSize));
  forEachTap(g3, (xi, wi, yi) => {
    acc[xi] += dy[yi] * w[wi];
  });
  const dx = newLike(dy, acc.length);
  dx.set(acc);
  return dx;
}

/** dw = d<conv(x, w), dy>/dw: a correlation of x with dy summed over batch and space. */
export function convGradWeightCpu<T extends FloatArray>(x: T, dy: FloatArray, g: ConvGeometry): T {
  const g3 = toGeometry3(g);
  const s = shapes(g3, g.inSize.length);
  checkLength('x', x, g3.n * g3.cIn * prod(g3.inSize), s.x);
  checkLength('dy', dy, g3.n * g3.cOut * prod(g3.outSize), s.y);
  const acc = new Float64Array(g3.cOut * g3.cIn * prod(g3.kernel));
  forEachTap(g3, (xi, wi, yi) => {
    acc[wi] += x[xi] * dy[yi];
  });
  const dw = newLike(x, acc.length);
  dw.set(acc);
  return dw;
}
