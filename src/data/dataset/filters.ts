/**
 * ivadomed's SliceFilter / PatchFilter and ROI slice filter, on [H, W] or [H, W, D] arrays.
 */
import { meanStd } from '../transforms/intensity';
import type { NdArray } from '../transforms/ndarray';

export interface FilterParams {
  filter_empty_mask?: boolean;
  filter_empty_input?: boolean;
  filter_absent_class?: boolean;
}

function isEmpty(a: NdArray): boolean {
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== 0) return false;
  return true;
}

/**
 * True when the slice or patch is kept. filter_empty_mask drops it when every class is empty,
 * filter_absent_class when any class is, filter_empty_input when any channel is constant (std 0).
 */
export function keepSample(input: readonly NdArray[], gt: readonly NdArray[], params: FilterParams | undefined): boolean {
  if (!params) return true;
  if (params.filter_empty_mask && gt.every(isEmpty)) return false;
  if (params.filter_absent_class && gt.some(isEmpty)) return false;
  if (params.filter_empty_input && input.some((c) => meanStd(c.data).std === 0)) return false;
  return true;
}

/** ROI filter: dropped when the ROI has no more than `threshold` non-zero voxels. */
export function keepRoi(roi: NdArray, threshold: number): boolean {
  let n = 0;
  for (let i = 0; i < roi.data.length; i++) if (roi.data[i] !== 0) n++;
  return n > threshold;
}
