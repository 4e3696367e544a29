/**
 * Patch grids (ivadomed's length_2D/stride_2D and length_3D/stride_3D), patch extraction and
 * reconstruction by averaging overlaps, and the slice-wise reassembly of 2D predictions (f.10).
 */
import type { NdArray } from '../transforms/ndarray';

/** Where one patch sits in its image (after preprocessing): start and size per axis. */
export interface PatchIndex {
  start: number[];
  size: number[];
}

/**
 * Patch starts along one axis: range(0, n − L + S, S), the last one snapped to n − L (ivadomed).
 * An axis shorter than the patch gets the single start 0 (the patch is zero-padded past the end).
 */
export function patchStarts(n: number, length: number, stride: number, axisName = 'axis'): number[] {
  if (!Number.isInteger(length) || length < 1) throw new Error(`patch length along ${axisName} must be a positive integer, got ${length}.`);
  if (!Number.isInteger(stride) || stride < 1 || stride > length) throw new Error(`patch stride along ${axisName} must satisfy 0 < stride <= length (${length}), got ${stride}.`);
  if (n <= length) return [0];
  const out: number[] = [];
  for (let s = 0; s < n - length + stride; s += stride) out.push(s + length > n ? n - length : s);
  return out;
}

/** All patches of an image of `shape` (2D or 3D), nested in axis order (first axis slowest). */
export function patchGrid(shape: readonly number[], length: readonly number[], stride: readonly number[]): PatchIndex[] {
  if (length.length !== shape.length || stride.length !== shape.length) {
    throw new Error(`patch length [${length.join(', ')}] and stride [${stride.join(', ')}] need one value per image axis (image [${shape.join(', ')}]).`);
  }
  const starts = shape.map((n, a) => patchStarts(n, length[a], stride[a], `axis ${a}`));
  const out: PatchIndex[] = [];
  const rec = (a: number, cur: number[]): void => {
    if (a === shape.length) { out.push({ start: cur.slice(), size: length.slice() }); return; }
    for (const s of starts[a]) { cur.push(s); rec(a + 1, cur); cur.pop(); }
  };
  rec(0, []);
  return out;
}

/**
 * ivadomed's strict 3D sub-volume check: (shape − length) % stride == 0, length % 16 == 0 and
 * shape >= length on each axis (mri3d_subvolume_segmentation_dataset). Our grid does not need it
 * (the last patch snaps to the border); call this where ivadomed's behaviour is wanted.
 */
export function checkIvadomed3DPatches(shape: readonly number[], length: readonly number[], stride: readonly number[]): void {
  shape.forEach((n, a) => {
    if (n < length[a] || (n - length[a]) % stride[a] !== 0 || length[a] % 16 !== 0) {
      throw new Error(`Input shape of each dimension should be a multiple of length plus 2 * padding and a multiple of 16: axis ${a} has size ${n}, length_3D ${length[a]}, stride_3D ${stride[a]} (use CenterCrop to a size such that (size − length) % stride == 0, and lengths divisible by 16).`);
    }
  });
}

/** The patch's voxels; positions past the image end are 0 (images smaller than a patch are padded). */
export function extractPatch(arr: NdArray, p: PatchIndex): NdArray {
  const shape = arr.shape;
  const nd = shape.length;
  const [s0, s1, s2] = [p.size[0], p.size[1], nd === 3 ? p.size[2] : 1];
  const [n0, n1, n2] = [shape[0], shape[1], nd === 3 ? shape[2] : 1];
  const [o0, o1, o2] = [p.start[0], p.start[1], nd === 3 ? p.start[2] : 0];
  const out = new Float32Array(s0 * s1 * s2);
  for (let i = 0; i < s0 && o0 + i < n0; i++) for (let j = 0; j < s1 && o1 + j < n1; j++) {
    const src = ((o0 + i) * n1 + (o1 + j)) * n2 + o2;
    const dst = (i * s1 + j) * s2;
    const len = Math.min(s2, n2 - o2);
    out.set(arr.data.subarray(src, src + len), dst);
  }
  return { data: out, shape: p.size.slice() };
}

/** Sums patch values and hit counts, then divides: overlaps are averaged (ivadomed's reconstruction). */
export class PatchAccumulator {
  private readonly sum: Float64Array;
  private readonly count: Uint16Array;
  constructor(readonly shape: readonly number[]) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.sum = new Float64Array(n);
    this.count = new Uint16Array(n);
  }

  add(p: PatchIndex, patch: NdArray): void {
    const nd = this.shape.length;
    if (patch.shape.length !== nd || patch.shape.some((v, a) => v !== p.size[a])) {
      throw new Error(`PatchAccumulator: patch of shape [${patch.shape.join(', ')}] does not match its index size [${p.size.join(', ')}].`);
    }
    const [s0, s1, s2] = [p.size[0], p.size[1], nd === 3 ? p.size[2] : 1];
    const [n0, n1, n2] = [this.shape[0], this.shape[1], nd === 3 ? this.shape[2] : 1];
    const [o0, o1, o2] = [p.start[0], p.start[1], nd === 3 ? p.start[2] : 0];
    for (let i = 0; i < s0 && o0 + i < n0; i++) for (let j = 0; j < s1 && o1 + j < n1; j++) for (let k = 0; k < s2 && o2 + k < n2; k++) {
      const q = ((o0 + i) * n1 + (o1 + j)) * n2 + (o2 + k);
      this.sum[q] += patch.data[(i * s1 + j) * s2 + k];
      this.count[q]++;
    }
  }

  /** The averaged image; voxels no patch covered are 0. */
  result(): NdArray {
    const out = new Float32Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.count[i] ? this.sum[i] / this.count[i] : 0;
    return { data: out, shape: this.shape.slice() };
  }
}

export function reconstructFromPatches(shape: readonly number[], patches: Iterable<{ index: PatchIndex; data: NdArray }>): NdArray {
  const acc = new PatchAccumulator(shape);
  for (const p of patches) acc.add(p.index, p.data);
  return acc.result();
}

/**
 * ivadomed pred_to_nib for 2D models: [H, W] slices placed at their slice index along D; slices
 * that were filtered out stay 0. Returns the [H, W, D] array.
 */
export function stackSlices(slices: Iterable<{ sliceIndex: number; data: NdArray }>, shapeHWD: readonly [number, number, number]): NdArray {
  const [H, W, D] = shapeHWD;
  const out = new Float32Array(H * W * D);
  for (const s of slices) {
    if (s.data.shape[0] !== H || s.data.shape[1] !== W) throw new Error(`stackSlices: slice ${s.sliceIndex} has shape [${s.data.shape.join(', ')}], the volume plane is [${H}, ${W}] (undo the transforms first).`);
    if (!(s.sliceIndex >= 0 && s.sliceIndex < D)) throw new Error(`stackSlices: slice index ${s.sliceIndex} is outside 0..${D - 1}.`);
    for (let i = 0; i < H * W; i++) out[i * D + s.sliceIndex] = s.data.data[i];
  }
  return { data: out, shape: [H, W, D] };
}
