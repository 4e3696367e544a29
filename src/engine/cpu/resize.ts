/**
 * Source taps of a 1D resize, PyTorch semantics (aten/src/ATen/native/UpSample.h):
 *  - linear, align_corners=True:  src = scale * j, scale = (in - 1) / (out - 1)
 *  - linear, align_corners=False: src = max(0, scale * (j + 0.5) - 0.5), scale = in / out (or 1 / scale_factor)
 *    i0 = floor(src), i1 = min(i0 + 1, in - 1), weights (1 - (src - i0), src - i0)
 *  - nearest (legacy 'nearest'): i0 = min(floor(j * scale), in - 1)
 * kernels/resize.wgsl implements the same formulas.
 */
import type { Resize1dParams } from '../backend';

export function resizeSource(p: Resize1dParams, j: number): { i0: number; i1: number; w0: number; w1: number } {
  if (p.mode === 'nearest') {
    const i0 = Math.min(Math.floor(j * p.scale), p.inLen - 1);
    return { i0, i1: i0, w0: 1, w1: 0 };
  }
  const src = p.alignCorners ? p.scale * j : Math.max(0, p.scale * (j + 0.5) - 0.5);
  const i0 = Math.min(Math.floor(src), p.inLen - 1);
  const i1 = i0 < p.inLen - 1 ? i0 + 1 : i0;
  const w1 = src - i0;
  return { i0, i1, w0: 1 - w1, w1 };
}

/** PyTorch's area_pixel_compute_scale. */
export function resizeScale(inLen: number, outLen: number, mode: 'linear' | 'nearest', alignCorners: boolean, scaleFactor?: number): number {
  if (mode === 'linear' && alignCorners) return outLen > 1 ? (inLen - 1) / (outLen - 1) : 0;
  return scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : inLen / outLen;
}
