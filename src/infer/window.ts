/**
 * Sliding-window geometry: where windows (patches of size `roi`) are placed over an image.
 *
 * Two placements are offered because the two reference frameworks differ:
 * - 'monai' (default; monai/inferers/utils.py + monai/data/utils.py dense_patch_slices):
 *   interval = int(roi * (1 - overlap)), at least 1 (= roi when roi == size); windows at
 *   0, interval, 2·interval, ... up to the first one reaching the border, which is shifted back to
 *   end exactly at the border (start -= max(start + roi - size, 0)).
 * - 'nnunet' (nnunetv2 compute_steps_for_sliding_window, tile_step_size = 1 - overlap):
 *   n = ceil((size - roi) / (roi · step)) + 1 windows spread evenly, start_i = round(i·(size-roi)/(n-1)).
 * An image smaller than the roi along a dimension is first padded to the roi, diff//2 before and
 * the rest after (both frameworks), and the output is cropped back.
 * Dimensions are listed fastest-first to match the caller's memory layout (x, y, z for a Volume).
 */

export type Placement = 'monai' | 'nnunet';

export interface WindowPlan {
  /** Image size per dimension. */
  imageSize: number[];
  /** Window size per dimension. */
  roi: number[];
  /** Padding added before / after per dimension so that every window fits (0 when size >= roi). */
  padBefore: number[];
  padAfter: number[];
  /** Padded size per dimension (max(size, roi)). */
  paddedSize: number[];
  /** Window starts per dimension, in padded coordinates. */
  starts: number[][];
  /** All windows (cartesian product of starts, first dimension fastest), in padded coordinates. */
  windows: number[][];
}

/** numpy.round: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkOverlap(overlap: number): void {
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`sliding window: overlap must be in [0, 1), got ${overlap}`);
}

/** MONAI scan interval for one dimension (size is the padded size, >= roi). */
export function monaiInterval(size: number, roi: number, overlap: number): number {
  checkOverlap(overlap);
  if (roi === size) return roi;
  const interval = Math.trunc(roi * (1 - overlap));
  return interval > 0 ? interval : 1;
}

/** MONAI window starts along one dimension of (padded) size >= roi. */
export function monaiStarts(size: number, roi: number, overlap: number): number[] {
  checkDim(size, roi);
  const interval = monaiInterval(size, roi, overlap);
  const num = Math.ceil(size / interval);
  let scan = 1;
  for (let d = 0; d < num; d++) {
    if (d * interval + roi >= size) { scan = d + 1; break; }
  }
  const starts: number[] = [];
  for (let idx = 0; idx < scan; idx++) {
    let s = idx * interval;
    s -= Math.max(s + roi - size, 0);
    starts.push(s);
  }
  return starts;
}

/** nnU-Net window starts along one dimension of (padded) size >= roi; stepFraction = 1 - overlap. */
export function nnunetStarts(size: number, roi: number, overlap: number): number[] {
  checkDim(size, roi);
  checkOverlap(overlap);
  const step = roi * (1 - overlap);
  const n = Math.ceil((size - roi) / step) + 1;
  const maxStart = size - roi;
  const actual = n > 1 ? maxStart / (n - 1) : 99999999999;
  return Array.from({ length: n }, (_, i) => roundHalfEven(actual * i));
}

function checkDim(size: number, roi: number): void {
  if (!Number.isInteger(size) || !Number.isInteger(roi) || roi < 1 || size < roi) {
    throw new Error(`sliding window: need integer sizes with 1 <= roi <= (padded) image size, got size ${size}, roi ${roi}`);
  }
}

/** Plan the windows covering an image of `imageSize` with windows of `roi` (same number of dims). */
export function planWindows(
  imageSize: readonly number[], roi: readonly number[],
  opts: { overlap?: number; placement?: Placement } = {},
): WindowPlan {
  const overlap = opts.overlap ?? 0.25;
  const placement = opts.placement ?? 'monai';
  if (imageSize.length !== roi.length || roi.length === 0) {
    throw new Error(`sliding window: image has ${imageSize.length} spatial dims but roi has ${roi.length} ([${imageSize.join(', ')}] vs [${roi.join(', ')}])`);
  }
  const padBefore: number[] = [], padAfter: number[] = [], paddedSize: number[] = [], starts: number[][] = [];
  for (let d = 0; d < roi.length; d++) {
    if (!Number.isInteger(imageSize[d]) || imageSize[d] < 1) throw new Error(`sliding window: image size must be positive integers, got [${imageSize.join(', ')}]`);
    if (!Number.isInteger(roi[d]) || roi[d] < 1) throw new Error(`sliding window: roi must be positive integers, got [${roi.join(', ')}]`);
    const diff = Math.max(roi[d] - imageSize[d], 0);
    const half = Math.floor(diff / 2);
    padBefore.push(half);
    padAfter.push(diff - half);
    paddedSize.push(imageSize[d] + diff);
    starts.push(placement === 'monai' ? monaiStarts(paddedSize[d], roi[d], overlap) : nnunetStarts(paddedSize[d], roi[d], overlap));
  }
  // Cartesian product, first dimension fastest.
  let windows: number[][] = [[]];
  for (let d = 0; d < roi.length; d++) {
    const next: number[][] = [];
    for (const s of starts[d]) for (const w of windows) next.push([...w, s]);
    windows = next;
  }
  return { imageSize: [...imageSize], roi: [...roi], padBefore, padAfter, paddedSize, starts, windows };
}

/**
 * Visit the rows (runs along the first dimension) of a window placed at `start` in padded
 * coordinates, clipped to the unpadded image. For each row: the offset of its first voxel in the
 * window, the offset in the image, and the run length. Rows entirely in the padding are skipped.
 */
export function forEachWindowRow(
  plan: WindowPlan, start: readonly number[],
  visit: (windowOffset: number, imageOffset: number, length: number) => void,
): void {
  const nd = plan.roi.length;
  const roi = plan.roi, size = plan.imageSize;
  // First dimension: clip once.
  const c0 = start[0] - plan.padBefore[0];
  const lo = Math.max(0, -c0), hi = Math.min(roi[0], size[0] - c0);
  if (hi <= lo) return;
  const len = hi - lo;
  const ws: number[] = [], is: number[] = [];
  let wAcc = 1, iAcc = 1;
  for (let d = 0; d < nd; d++) { ws.push(wAcc); is.push(iAcc); wAcc *= roi[d]; iAcc *= size[d]; }
  const idx = new Array<number>(nd).fill(0);
  const rows = roi.slice(1).reduce((a, b) => a * b, 1);
  for (let r = 0; r < rows; r++) {
    let inside = true, wOff = lo, iOff = c0 + lo;
    for (let d = 1; d < nd; d++) {
      const c = start[d] + idx[d] - plan.padBefore[d];
      if (c < 0 || c >= size[d]) { inside = false; break; }
      wOff += idx[d] * ws[d];
      iOff += c * is[d];
    }
    if (inside) visit(wOff, iOff, len);
    for (let d = 1; d < nd; d++) { if (++idx[d] < roi[d]) break; idx[d] = 0; }
  }
}

/**
 * Copy the window at `start` (padded coordinates) out of an image with `channels` channels
 * (channel slowest, first spatial dim fastest), zero outside the image (constant padding, cval 0).
 */
export function extractWindow(
  image: ArrayLike<number>, channels: number, plan: WindowPlan, start: readonly number[],
  out?: Float32Array,
): Float32Array {
  const roiN = plan.roi.reduce((a, b) => a * b, 1);
  const imgN = plan.imageSize.reduce((a, b) => a * b, 1);
  if (image.length !== imgN * channels) {
    throw new Error(`extractWindow: image has ${image.length} values, expected ${channels} channel(s) x [${plan.imageSize.join(', ')}] = ${imgN * channels}`);
  }
  const dst = out ?? new Float32Array(roiN * channels);
  if (dst.length !== roiN * channels) throw new Error(`extractWindow: output buffer has ${dst.length} values, expected ${roiN * channels}`);
  dst.fill(0);
  forEachWindowRow(plan, start, (wOff, iOff, len) => {
    for (let ch = 0; ch < channels; ch++) {
      const wb = ch * roiN + wOff, ib = ch * imgN + iOff;
      for (let t = 0; t < len; t++) dst[wb + t] = image[ib + t];
    }
  });
  return dst;
}
