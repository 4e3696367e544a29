/**
 * Surface-based segmentation metrics in millimetres, with MONAI's conventions
 * (monai/metrics/utils.py get_mask_edges / get_surface_distance, hausdorff_distance.py,
 * surface_distance.py, surface_dice.py):
 *
 * - The surface ("edges") of a mask is the set of foreground voxels with at least one 6-neighbour
 *   outside the mask (binary_erosion(mask) XOR mask, the image border counting as outside).
 * - The directed distances pred->gt are, for each pred surface voxel, the Euclidean distance (with
 *   the voxel spacing) to the nearest gt surface voxel; an exact EDT is used.
 * - Empty masks: both empty -> no distances -> NaN (HD, HD95, ASD) and NaN (NSD);
 *   exactly one empty -> every distance is +Infinity -> HD = HD95 = ASD = Infinity, NSD = 0.
 */
import { checkDims, type Dims3 } from './components';
import { squaredDistanceToFeatures } from './distance';

export type Spacing3 = readonly [number, number, number];

/** Surface voxels of the mask (non-zero = foreground): scipy binary_erosion(mask) XOR mask, 6-connected, border_value 0. */
export function surfaceVoxels(mask: ArrayLike<number>, dims: Dims3): Uint8Array {
  const n = checkDims(dims, mask.length, 'surfaceVoxels');
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(n);
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (mask[v] === 0) continue;
        const edge =
          i === 0 || i === nx - 1 || j === 0 || j === ny - 1 || k === 0 || k === nz - 1 ||
          mask[v - 1] === 0 || mask[v + 1] === 0 || mask[v - nx] === 0 || mask[v + nx] === 0 ||
          mask[v - nxy] === 0 || mask[v + nxy] === 0;
        if (edge) out[v] = 1;
      }
  return out;
}

interface Box { lo: [number, number, number]; hi: [number, number, number] }

function boundingBox(a: Uint8Array, b: Uint8Array, dims: Dims3): Box | null {
  const [nx, ny, nz] = dims;
  const lo: [number, number, number] = [nx, ny, nz], hi: [number, number, number] = [-1, -1, -1];
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (!a[v] && !b[v]) continue;
        if (i < lo[0]) lo[0] = i; if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j; if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k; if (k > hi[2]) hi[2] = k;
      }
  return hi[0] < 0 ? null : { lo, hi };
}

function crop(a: Uint8Array, dims: Dims3, box: Box): { data: Uint8Array; dims: [number, number, number] } {
  const [nx, ny] = dims;
  const cx = box.hi[0] - box.lo[0] + 1, cy = box.hi[1] - box.lo[1] + 1, cz = box.hi[2] - box.lo[2] + 1;
  const out = new Uint8Array(cx * cy * cz);
  let w = 0;
  for (let k = 0; k < cz; k++)
    for (let j = 0; j < cy; j++) {
      const base = box.lo[0] + nx * (box.lo[1] + j + ny * (box.lo[2] + k));
      for (let i = 0; i < cx; i++) out[w++] = a[base + i];
    }
  return { data: out, dims: [cx, cy, cz] };
}

/** Directed surface distances of both directions, as MONAI's get_edge_surface_distance(symmetric=True). */
export interface SurfaceDistances {
  /** For each pred surface voxel, the distance (mm) to the nearest gt surface voxel. */
  predToGt: Float64Array;
  /** For each gt surface voxel, the distance (mm) to the nearest pred surface voxel. */
  gtToPred: Float64Array;
}

/**
 * Surface distances between two masks (non-zero = foreground). Distances are computed on the
 * bounding box of the union (exactly equal to the full-image result, and much faster).
 */
export function surfaceDistances(pred: ArrayLike<number>, gt: ArrayLike<number>, dims: Dims3, spacing: Spacing3 = [1, 1, 1]): SurfaceDistances {
  checkDims(dims, pred.length, 'surfaceDistances (prediction)');
  checkDims(dims, gt.length, 'surfaceDistances (ground truth)');
  const ep = surfaceVoxels(pred, dims), eg = surfaceVoxels(gt, dims);
  const box = boundingBox(ep, eg, dims);
  if (!box) return { predToGt: new Float64Array(0), gtToPred: new Float64Array(0) };
  const cp = crop(ep, dims, box), cg = crop(eg, dims, box);
  return {
    predToGt: directed(cp.data, cg.data, cp.dims, spacing),
    gtToPred: directed(cg.data, cp.data, cp.dims, spacing),
  };
}

/**
 * Distances from each `from` voxel to the nearest `to` voxel. As MONAI's get_surface_distance, when
 * either set is empty the result is +Infinity for each voxel of the non-empty one (so a missing
 * structure yields infinite, not undefined, distances in both directions).
 */
function directed(from: Uint8Array, to: Uint8Array, dims: Dims3, spacing: Spacing3): Float64Array {
  let nFrom = 0, nTo = 0;
  for (let v = 0; v < from.length; v++) { nFrom += from[v]; nTo += to[v]; }
  if (nFrom === 0) return new Float64Array(nTo).fill(Infinity);
  const out = new Float64Array(nFrom);
  if (nTo === 0) { out.fill(Infinity); return out; }
  const sq = squaredDistanceToFeatures(to, dims, spacing, from);
  let w = 0;
  for (let v = 0; v < from.length; v++) if (from[v]) out[w++] = Math.sqrt(sq[v]);
  return out;
}

/** torch.quantile / numpy.percentile (linear interpolation) of an unsorted array; NaN when empty. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100], got ${p}`);
  const s = Float64Array.from(values).sort();
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  if (lo === hi) return s[lo];
  const a = s[lo], b = s[hi];
  if (a === Infinity || b === Infinity) return a === b ? a : Infinity;
  return a + (b - a) * (pos - lo);
}

function maxOf(values: Float64Array): number {
  if (values.length === 0) return NaN;
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/**
 * Hausdorff distance (mm), MONAI compute_hausdorff_distance: for each direction the max (or the
 * `percentile`-th percentile) of the directed surface distances, then the max of the directions
 * (NaN propagates: both masks empty -> NaN). `directed` keeps only pred->gt.
 */
export function hausdorffDistance(
  pred: ArrayLike<number>, gt: ArrayLike<number>, dims: Dims3, spacing: Spacing3 = [1, 1, 1],
  opts: { percentile?: number; directed?: boolean } = {},
): number {
  return hausdorffFromDistances(surfaceDistances(pred, gt, dims, spacing), opts);
}

export function hausdorffFromDistances(d: SurfaceDistances, opts: { percentile?: number; directed?: boolean } = {}): number {
  const one = (x: Float64Array) => (opts.percentile === undefined ? maxOf(x) : percentile(x, opts.percentile));
  const a = one(d.predToGt);
  if (opts.directed) return a;
  const b = one(d.gtToPred);
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.max(a, b);
}

/**
 * Average surface distance (mm), MONAI compute_average_surface_distance: mean of pred->gt distances,
 * or with `symmetric` the mean of both directions concatenated (ASSD). NaN when no surface at all.
 */
export function averageSurfaceDistanceFromDistances(d: SurfaceDistances, symmetric = true): number {
  let sum = 0, count = 0;
  for (const arr of symmetric ? [d.predToGt, d.gtToPred] : [d.predToGt]) {
    for (let i = 0; i < arr.length; i++) sum += arr[i];
    count += arr.length;
  }
  return count === 0 ? NaN : sum / count;
}

export function averageSurfaceDistance(
  pred: ArrayLike<number>, gt: ArrayLike<number>, dims: Dims3, spacing: Spacing3 = [1, 1, 1], symmetric = true,
): number {
  return averageSurfaceDistanceFromDistances(surfaceDistances(pred, gt, dims, spacing), symmetric);
}

/**
 * Normalised surface Dice (MONAI compute_surface_dice, use_subvoxels=False): the fraction of surface
 * voxels of both masks lying within `toleranceMm` of the other surface. NaN when both masks are
 * empty, 0 when exactly one is.
 */
export function surfaceDiceFromDistances(d: SurfaceDistances, toleranceMm: number): number {
  if (!(toleranceMm >= 0)) throw new Error(`surface Dice tolerance must be >= 0 mm, got ${toleranceMm}`);
  const complete = d.predToGt.length + d.gtToPred.length;
  if (complete === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < d.predToGt.length; i++) if (d.predToGt[i] <= toleranceMm) correct++;
  for (let i = 0; i < d.gtToPred.length; i++) if (d.gtToPred[i] <= toleranceMm) correct++;
  return correct / complete;
}

export function surfaceDice(
  pred: ArrayLike<number>, gt: ArrayLike<number>, dims: Dims3, spacing: Spacing3, toleranceMm: number,
): number {
  return surfaceDiceFromDistances(surfaceDistances(pred, gt, dims, spacing), toleranceMm);
}
