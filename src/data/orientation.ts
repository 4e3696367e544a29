/**
 * Orientation: axis codes of an affine (nibabel aff2axcodes), reorientation to the closest canonical
 * RAS+ grid and back (nibabel as_closest_canonical, which ivadomed applies to every volume), and
 * ivadomed's slice_axis reordering to (H, W, D) with 2D slices taken along D (orient_img_hwd).
 */
import { multiplyAffine } from './nifti/affine';
import type { Affine, Volume } from './volume';

export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

/** For each voxel axis: the world axis (0 = x/R-L, 1 = y/A-P, 2 = z/S-I) and direction (+1 towards R/A/S). */
export type AxisOrientation = [{ axis: number; flip: 1 | -1 }, { axis: number; flip: 1 | -1 }, { axis: number; flip: 1 | -1 }];

/**
 * nibabel io_orientation: orthogonalise the (unit-column) rotation part, then for voxel axis 0, 1, 2
 * in turn pick the world axis with the largest component and remove that world axis from the others.
 */
export function ioOrientation(affine: Affine): AxisOrientation {
  const cols = [0, 1, 2].map((j) => [affine[j], affine[4 + j], affine[8 + j]]);
  const zooms = cols.map((c) => Math.hypot(...c) || 1);
  const R = [0, 1, 2].map((i) => [0, 1, 2].map((j) => cols[j][i] / zooms[j]));
  const Q = polar(R);
  const out: { axis: number; flip: 1 | -1 }[] = [];
  for (let j = 0; j < 3; j++) {
    let best = -1, bestAbs = 0;
    for (let i = 0; i < 3; i++) if (Math.abs(Q[i][j]) > bestAbs) { bestAbs = Math.abs(Q[i][j]); best = i; }
    if (best < 0) throw new Error(`The affine's voxel axis ${j} has no direction (degenerate affine ${affine.join(', ')}).`);
    out.push({ axis: best, flip: Q[best][j] < 0 ? -1 : 1 });
    for (let k = 0; k < 3; k++) Q[best][k] = 0;
  }
  return out as AxisOrientation;
}

function polar(R: number[][]): number[][] {
  let X = R.map((r) => r.slice());
  for (let it = 0; it < 50; it++) {
    const d = X[0][0] * (X[1][1] * X[2][2] - X[1][2] * X[2][1]) - X[0][1] * (X[1][0] * X[2][2] - X[1][2] * X[2][0]) + X[0][2] * (X[1][0] * X[2][1] - X[1][1] * X[2][0]);
    if (Math.abs(d) < 1e-12) return X; // singular: use as is (argmax still meaningful)
    // inverse-transpose via cofactors / det
    const cof = [
      [X[1][1] * X[2][2] - X[1][2] * X[2][1], X[1][2] * X[2][0] - X[1][0] * X[2][2], X[1][0] * X[2][1] - X[1][1] * X[2][0]],
      [X[0][2] * X[2][1] - X[0][1] * X[2][2], X[0][0] * X[2][2] - X[0][2] * X[2][0], X[0][1] * X[2][0] - X[0][0] * X[2][1]],
      [X[0][1] * X[1][2] - X[0][2] * X[1][1], X[0][2] * X[1][0] - X[0][0] * X[1][2], X[0][0] * X[1][1] - X[0][1] * X[1][0]],
    ];
    let diff = 0;
    const Y = X.map((r, i) => r.map((v, j) => { const y = 0.5 * (v + cof[i][j] / d); diff += Math.abs(y - v); return y; }));
    X = Y;
    if (diff < 1e-13) break;
  }
  return X;
}

const CODES: [AxisCode, AxisCode][] = [['R', 'L'], ['A', 'P'], ['S', 'I']];

/** Axis codes like nibabel's aff2axcodes, e.g. ['R','A','S'] or ['L','P','I']. */
export function axisCodes(affine: Affine): [AxisCode, AxisCode, AxisCode] {
  return ioOrientation(affine).map((o) => CODES[o.axis][o.flip > 0 ? 0 : 1]) as [AxisCode, AxisCode, AxisCode];
}

/** What reorientToRAS did, to undo it exactly. */
export interface RasTransform {
  /** Orientation of the original grid. */
  orientation: AxisOrientation;
  /** Original spatial shape, affine and spacing (restored verbatim by reorientFromRAS). */
  shape: number[];
  affine: Affine;
  spacing: [number, number, number];
  /** The source NIfTI header, set aside while the volume is on the RAS grid (it describes the original grid). */
  header?: Volume['header'];
}

/**
 * Voxel permutation + flips mapping the original grid to RAS: new axis a reads original axis src[a],
 * reversed when flip[a] < 0.
 */
function rasMap(o: AxisOrientation): { src: number[]; flip: number[] } {
  const src = [0, 0, 0], flip = [1, 1, 1];
  o.forEach((e, j) => { src[e.axis] = j; flip[e.axis] = e.flip; });
  return { src, flip };
}

/** Copies voxels from `from` (shape fromShape) into a new array of toShape, with toIndex -> fromIndex. */
function permuteFlip(data: Float32Array, fromShape: number[], src: number[], flip: number[], inverse: boolean): Float32Array {
  // forward: new axis a <- old axis src[a]; inverse: old axis src[a] <- new axis a
  const spatial = fromShape[0] * fromShape[1] * fromShape[2];
  const nc = data.length / spatial;
  const out = new Float32Array(data.length);
  const toShape = inverse ? [0, 0, 0].map((_, j) => fromShape[src.indexOf(j)]) : src.map((s) => fromShape[s]);
  const fromStride = [1, fromShape[0], fromShape[0] * fromShape[1]];
  // stride in `from` for a step along each `to` axis, and the start offset
  const step = [0, 0, 0];
  let start = 0;
  for (let a = 0; a < 3; a++) {
    const fromAxis = inverse ? src.indexOf(a) : src[a];
    const f = inverse ? flip[fromAxis] : flip[a];
    // inverse: to axis a is old axis a, which was read from new axis fromAxis (reversed if that flipped)
    step[a] = f * fromStride[fromAxis];
    if (f < 0) start += (toShape[a] - 1) * fromStride[fromAxis];
  }
  const [nx, ny, nz] = toShape;
  for (let c = 0; c < nc; c++) {
    const base = c * spatial;
    let o = base;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        let p = base + start + k * step[2] + j * step[1];
        for (let i = 0; i < nx; i++, p += step[0]) out[o++] = data[p];
      }
    }
  }
  return out;
}

/**
 * Reorients a volume to the closest canonical RAS+ grid (permute and flip voxel axes only, no
 * resampling), as nibabel's as_closest_canonical. Returns the transform needed to undo it.
 */
export function reorientToRAS<V extends Volume>(volume: V): { volume: V; transform: RasTransform } {
  const o = ioOrientation(volume.affine);
  const transform: RasTransform = { orientation: o, shape: volume.shape.slice(), affine: [...volume.affine] as Affine, spacing: [...volume.spacing], header: volume.header };
  const { src, flip } = rasMap(o);
  if (src[0] === 0 && src[1] === 1 && src[2] === 2 && flip.every((f) => f > 0)) {
    return { volume: { ...volume }, transform };
  }
  const shape = [...src.map((s) => volume.shape[s]), ...volume.shape.slice(3)];
  // new voxel n maps to old voxel i = P n + t with P[src[a]][a] = flip[a], t[src[a]] = N-1 when flipped
  const T = new Array<number>(16).fill(0);
  T[15] = 1;
  for (let a = 0; a < 3; a++) {
    T[4 * src[a] + a] = flip[a];
    if (flip[a] < 0) T[4 * src[a] + 3] = volume.shape[src[a]] - 1;
  }
  // The header describes the original grid: it leaves the RAS volume (writing the RAS volume then
  // derives a header from its affine) and comes back with reorientFromRAS.
  const { header: _sourceHeader, ...rest } = volume;
  void _sourceHeader;
  return {
    volume: {
      ...(rest as V),
      data: permuteFlip(volume.data, volume.shape, src, flip, false),
      shape,
      spacing: src.map((s) => volume.spacing[s]) as [number, number, number],
      affine: multiplyAffine(volume.affine, T),
    },
    transform,
  };
}

/**
 * Exact inverse of reorientToRAS: data back on the original grid, with the original shape, spacing and
 * affine restored verbatim (so a prediction can be written with the source header).
 */
export function reorientFromRAS<V extends Volume>(volume: V, transform: RasTransform): V {
  const { src, flip } = rasMap(transform.orientation);
  const expected = src.map((s) => transform.shape[s]);
  if (volume.shape[0] !== expected[0] || volume.shape[1] !== expected[1] || volume.shape[2] !== expected[2]) {
    throw new Error(`reorientFromRAS: volume shape ${volume.shape.slice(0, 3).join('x')} is not the RAS grid ${expected.join('x')} of the original ${transform.shape.slice(0, 3).join('x')} image.`);
  }
  return {
    ...volume,
    data: permuteFlip(volume.data, volume.shape, src, flip, true),
    shape: [...transform.shape.slice(0, 3), ...volume.shape.slice(3)],
    spacing: [...transform.spacing],
    affine: [...transform.affine] as Affine,
    ...(transform.header ? { header: transform.header } : {}),
  };
}

// ---- slice_axis: (H, W, D) ordering of ivadomed ------------------------------------------------

export type SliceAxisName = 'sagittal' | 'coronal' | 'axial';
/** ivadomed's slice_axis: 0 sagittal, 1 coronal, 2 axial (as in its config). */
export type SliceAxis = 0 | 1 | 2;

export function sliceAxisIndex(axis: SliceAxis | SliceAxisName): SliceAxis {
  if (axis === 0 || axis === 1 || axis === 2) return axis;
  const i = ['sagittal', 'coronal', 'axial'].indexOf(axis);
  if (i < 0) throw new Error(`slice_axis "${String(axis)}" is not one of sagittal, coronal, axial (or 0, 1, 2).`);
  return i as SliceAxis;
}

/**
 * RAS volume axes that become (H, W, D) — ivadomed orient_img_hwd: axial keeps (x, y, z); sagittal is
 * transpose(2,1,0) -> (z, y, x); coronal is transpose(2,0,1) -> (z, x, y). Slices are taken along D.
 */
export function hwdAxes(axis: SliceAxis | SliceAxisName): [number, number, number] {
  switch (sliceAxisIndex(axis)) {
    case 2: return [0, 1, 2];
    case 0: return [2, 1, 0];
    default: return [2, 0, 1];
  }
}

/** Shape (or zooms) reordered to (H, W, D), as ivadomed reorders shapes and zooms. */
export function toHWD<T>(xyz: readonly T[], axis: SliceAxis | SliceAxisName): [T, T, T] {
  const [h, w, d] = hwdAxes(axis);
  return [xyz[h], xyz[w], xyz[d]];
}

/** Number of 2D slices along the slice axis. */
export function sliceCount(volume: Volume, axis: SliceAxis | SliceAxisName): number {
  return volume.shape[hwdAxes(axis)[2]];
}

/**
 * The 2D slice `index` of a RAS-canonical volume as an H x W row-major array (W fastest, as the numpy
 * slice data[..., index] of ivadomed's (H, W, D) array): out[h * W + w].
 */
export function extractSlice(volume: Volume, axis: SliceAxis | SliceAxisName, index: number, channel = 0): Float32Array {
  const [ha, wa, da] = hwdAxes(axis);
  const s = volume.shape;
  if (!(index >= 0 && index < s[da])) throw new Error(`extractSlice: slice ${index} is outside 0..${s[da] - 1} along axis ${da}.`);
  const stride = [1, s[0], s[0] * s[1]];
  const H = s[ha], W = s[wa];
  const out = new Float32Array(H * W);
  const base = channel * s[0] * s[1] * s[2] + index * stride[da];
  for (let h = 0; h < H; h++) {
    const row = base + h * stride[ha];
    for (let w = 0; w < W; w++) out[h * W + w] = volume.data[row + w * stride[wa]];
  }
  return out;
}

/** Writes an H x W row-major slice back at `index` (the inverse of extractSlice). */
export function insertSlice(volume: Volume, axis: SliceAxis | SliceAxisName, index: number, slice: Float32Array, channel = 0): void {
  const [ha, wa, da] = hwdAxes(axis);
  const s = volume.shape;
  const H = s[ha], W = s[wa];
  if (slice.length !== H * W) throw new Error(`insertSlice: slice has ${slice.length} values, the ${H}x${W} plane needs ${H * W}.`);
  if (!(index >= 0 && index < s[da])) throw new Error(`insertSlice: slice ${index} is outside 0..${s[da] - 1} along axis ${da}.`);
  const stride = [1, s[0], s[0] * s[1]];
  const base = channel * s[0] * s[1] * s[2] + index * stride[da];
  for (let h = 0; h < H; h++) {
    const row = base + h * stride[ha];
    for (let w = 0; w < W; w++) volume.data[row + w * stride[wa]] = slice[h * W + w];
  }
}
