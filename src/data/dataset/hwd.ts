/**
 * Conversion between a RAS Volume (NIfTI order, x fastest) and the (H, W, D) C-order array that
 * ivadomed's loaders and transforms use (orient_img_hwd / orient_img_ras), for any slice axis.
 */
import { hwdAxes, toHWD, type SliceAxis, type SliceAxisName } from '../orientation';
import type { NdArray } from '../transforms/ndarray';
import type { Volume } from '../volume';

/** Channel `channel` of a RAS volume as an [H, W, D] array (slices along the last axis). */
export function volumeToHWD(volume: Volume, axis: SliceAxis | SliceAxisName, channel = 0): NdArray {
  const [ha, wa, da] = hwdAxes(axis);
  const s = volume.shape;
  if (s.length > 3 && channel >= s[3]) throw new Error(`volumeToHWD: channel ${channel} does not exist (shape [${s.join(', ')}]).`);
  const stride = [1, s[0], s[0] * s[1]];
  const H = s[ha], W = s[wa], D = s[da] ?? 1;
  const out = new Float32Array(H * W * D);
  const base = channel * s[0] * s[1] * (s[2] ?? 1);
  for (let h = 0, p = 0; h < H; h++) for (let w = 0; w < W; w++) {
    const row = base + h * stride[ha] + w * stride[wa];
    for (let d = 0; d < D; d++, p++) out[p] = volume.data[row + d * stride[da]];
  }
  return { data: out, shape: [H, W, D] };
}

/** Voxel sizes re-ordered to (H, W, D). */
export function zoomsHWD(volume: Volume, axis: SliceAxis | SliceAxisName): [number, number, number] {
  return toHWD(volume.spacing, axis);
}

/** Writes an [H, W, D] array into a RAS volume's voxel order (inverse of volumeToHWD): x-fastest data. */
export function hwdToVolumeData(arr: NdArray, axis: SliceAxis | SliceAxisName, rasShape: readonly number[]): Float32Array {
  const [ha, wa, da] = hwdAxes(axis);
  const [H, W, D] = arr.shape;
  if (rasShape[ha] !== H || rasShape[wa] !== W || (rasShape[da] ?? 1) !== D) {
    throw new Error(`hwdToVolumeData: array [${arr.shape.join(', ')}] does not match volume [${rasShape.join(', ')}] along slice axis ${String(axis)}.`);
  }
  const stride = [1, rasShape[0], rasShape[0] * rasShape[1]];
  const out = new Float32Array(rasShape[0] * rasShape[1] * (rasShape[2] ?? 1));
  for (let h = 0, p = 0; h < H; h++) for (let w = 0; w < W; w++) {
    const row = h * stride[ha] + w * stride[wa];
    for (let d = 0; d < D; d++, p++) out[row + d * stride[da]] = arr.data[p];
  }
  return out;
}

/** Slice `d` of an [H, W, D] array as an [H, W] array. */
export function sliceOf(arr: NdArray, d: number): NdArray {
  const [H, W, D] = arr.shape;
  if (!(d >= 0 && d < D)) throw new Error(`slice ${d} is outside 0..${D - 1}.`);
  const out = new Float32Array(H * W);
  for (let i = 0; i < H * W; i++) out[i] = arr.data[i * D + d];
  return { data: out, shape: [H, W] };
}
