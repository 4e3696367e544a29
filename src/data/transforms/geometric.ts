/**
 * Geometric transforms: Resample, CenterCrop, ROICrop, BoundingBoxCrop, RandomAffine, RandomReverse,
 * ElasticTransform. Parameters are drawn once per sample, so image channels, label classes and ROI
 * receive the same geometry.
 */
import type { DataRng } from '../rng';
import { parseCommon, requireNumber, requireProbability, requireRange, requireSize } from './base';
import { affineLinear3, gaussianFilter3, warpLinearReflect3, zoom3 } from './interp';
import { dims3, roundHalfEven, withRank, type NdArray } from './ndarray';
import type { DatasetType, Role, SampleMetadata, Transform, TransformOptions, TransformSample } from './types';

type Shape3 = [number, number, number];
type Params = Record<string, unknown>;

/** The array whose geometry defines the parameters: the first image channel, else label, else ROI. */
function referenceArray(sample: TransformSample, name: string): NdArray {
  const ref = sample.input[0] ?? sample.gt[0] ?? sample.roi[0];
  if (!ref) throw new Error(`${name}: the sample has no image, label or ROI array.`);
  return ref;
}

abstract class BaseTransform implements Transform {
  abstract readonly name: string;
  readonly appliedTo: ReadonlySet<Role>;
  readonly datasetTypes: ReadonlySet<DatasetType>;
  readonly preprocessing: boolean = false;
  readonly undoable: boolean = false;
  constructor(name: string, options?: TransformOptions) {
    const c = parseCommon(name, options);
    this.appliedTo = c.appliedTo;
    this.datasetTypes = c.datasetTypes;
  }
  abstract draw(sample: TransformSample, rng: DataRng): Params;
  abstract apply(arr: NdArray, role: Role, params: Params, rng: DataRng): NdArray;
}
export { BaseTransform };

// ---- crop helpers -------------------------------------------------------------------------------

/** out[i] = in[start + i] inside the input, 0 outside (ivadomed crops through a zero-padding view). */
export function cropWindow(arr: NdArray, start: Shape3, size: Shape3): NdArray {
  const [h, w, d] = dims3(arr);
  const out = new Float32Array(size[0] * size[1] * size[2]);
  for (let i = 0; i < size[0]; i++) {
    const si = start[0] + i;
    if (si < 0 || si >= h) continue;
    for (let j = 0; j < size[1]; j++) {
      const sj = start[1] + j;
      if (sj < 0 || sj >= w) continue;
      const src = (si * w + sj) * d;
      const dst = (i * size[1] + j) * size[2];
      for (let k = 0; k < size[2]; k++) {
        const sk = start[2] + k;
        if (sk >= 0 && sk < d) out[dst + k] = arr.data[src + sk];
      }
    }
  }
  return withRank(arr, out, size);
}

/** Inverse of cropWindow: the crop put back at `start` in a zero array of the original shape. */
export function uncropWindow(arr: NdArray, start: Shape3, original: Shape3): NdArray {
  const neg: Shape3 = [-start[0], -start[1], -start[2]];
  return cropWindow(arr, neg, original);
}

function cropParams(ref: NdArray, start: Shape3, size: Shape3): Params {
  return { start, size, original: dims3(ref) };
}

function fullSize(ref: NdArray, size: number[]): Shape3 {
  const s = dims3(ref);
  return [size[0], size[1], size.length > 2 && ref.shape.length === 3 ? size[2] : s[2]];
}

abstract class CropTransform extends BaseTransform {
  override readonly undoable: boolean = true;
  apply(arr: NdArray, _role: Role, params: Params): NdArray {
    return cropWindow(arr, params.start as Shape3, params.size as Shape3);
  }
  undo(arr: NdArray, _role: Role, params: Params): NdArray {
    return uncropWindow(arr, params.start as Shape3, params.original as Shape3);
  }
}

/** CenterCrop(size): offsets round((h - th) / 2) with Python rounding; larger sizes pad with 0. */
export class CenterCrop extends CropTransform {
  readonly name = 'CenterCrop';
  override readonly preprocessing = true;
  readonly size: number[];
  constructor(options: TransformOptions & { size?: unknown }) {
    super('CenterCrop', options);
    this.size = requireSize('CenterCrop', options.size);
  }
  draw(sample: TransformSample): Params {
    const ref = referenceArray(sample, this.name);
    const dims = dims3(ref);
    const size = fullSize(ref, this.size);
    const start = dims.map((n, a) => roundHalfEven((n - size[a]) / 2)) as Shape3;
    return cropParams(ref, start, size);
  }
}

/** ROICrop(size): a window centred on the ROI's centre of mass (rounded). */
export class ROICrop extends CropTransform {
  readonly name = 'ROICrop';
  override readonly preprocessing = true;
  readonly size: number[];
  constructor(options: TransformOptions & { size?: unknown }) {
    super('ROICrop', options);
    this.size = requireSize('ROICrop', options.size);
  }
  draw(sample: TransformSample): Params {
    const roi = sample.roi[0];
    if (!roi) throw new Error('ROICrop needs an ROI: set loader_parameters.roi_params.suffix (e.g. "_seg-manual") so each sample carries its ROI mask.');
    const dims = dims3(roi);
    const size = fullSize(roi, this.size);
    // centre of mass of roi.astype(int): values truncated toward zero as numpy's astype does
    let m = 0, ch = 0, cw = 0, cd = 0;
    for (let i = 0, p = 0; i < dims[0]; i++) for (let j = 0; j < dims[1]; j++) for (let k = 0; k < dims[2]; k++, p++) {
      const v = Math.trunc(roi.data[p]);
      if (v !== 0) { m += v; ch += v * i; cw += v * j; cd += v * k; }
    }
    const emptyRoi = m === 0;
    // ivadomed fails on an empty ROI (centre of mass NaN); we fall back to the image centre and say so
    const center = emptyRoi ? dims.map((n) => (n - 1) / 2) : [ch / m, cw / m, cd / m];
    const start = center.map((c, a) => roundHalfEven(c) - roundHalfEven(size[a] / 2)) as Shape3;
    if (dims[2] === 1) start[2] = 0;
    return { ...cropParams(roi, start, size), emptyRoi };
  }
}

/** BoundingBoxCrop(size): crop to metadata.boundingBox (cascaded models). */
export class BoundingBoxCrop extends CropTransform {
  readonly name = 'BoundingBoxCrop';
  constructor(options: TransformOptions & { size?: unknown } = {}) {
    super('BoundingBoxCrop', options);
  }
  draw(sample: TransformSample): Params {
    const bb = sample.meta.boundingBox;
    const ref = referenceArray(sample, this.name);
    if (!bb || bb.length < 4) throw new Error('BoundingBoxCrop needs metadata.boundingBox = [h_min, h_max, w_min, w_max, d_min, d_max] (from a detection model).');
    const dims = dims3(ref);
    const start: Shape3 = [bb[0], bb[2], ref.shape.length === 3 && bb.length >= 6 ? bb[4] : 0];
    const size: Shape3 = [bb[1] - bb[0], bb[3] - bb[2], ref.shape.length === 3 && bb.length >= 6 ? bb[5] - bb[4] : dims[2]];
    if (size.some((s) => s <= 0)) throw new Error(`BoundingBoxCrop: bounding box [${bb.join(', ')}] is empty.`);
    return cropParams(ref, start, size);
  }
}

// ---- Resample -----------------------------------------------------------------------------------

/**
 * Resample(hspace, wspace, dspace): zoom by native/target voxel size (depth unchanged for 2D),
 * linear for labels and ROI, quadratic spline for images (scipy zoom orders 1 and 2).
 */
export class Resample extends BaseTransform {
  readonly name = 'Resample';
  override readonly preprocessing = true;
  override readonly undoable = true;
  readonly space: [number, number, number];
  constructor(options: TransformOptions & { hspace?: unknown; wspace?: unknown; dspace?: unknown } = {}) {
    super('Resample', options);
    this.space = [
      requireNumber('Resample', 'hspace', options.hspace, 1),
      requireNumber('Resample', 'wspace', options.wspace, 1),
      requireNumber('Resample', 'dspace', options.dspace, 1),
    ];
    if (this.space.some((s) => !(s > 0))) throw new Error(`transformation.Resample: hspace, wspace and dspace must be > 0 mm, got ${this.space.join(', ')}.`);
  }
  draw(sample: TransformSample): Params {
    const ref = referenceArray(sample, this.name);
    const dims = dims3(ref);
    const zooms = sample.meta.zooms;
    if (!zooms || zooms.length < ref.shape.length) throw new Error(`Resample needs the voxel size of each axis in metadata.zooms (got ${JSON.stringify(zooms)} for an array of shape [${ref.shape.join(', ')}]).`);
    const is2d = ref.shape.length === 2;
    const factors = [zooms[0] / this.space[0], zooms[1] / this.space[1], is2d ? 1 : zooms[2] / this.space[2]];
    const outShape = dims.map((n, a) => Math.max(1, roundHalfEven(n * factors[a]))) as Shape3;
    return { original: dims, outShape, zoomsBefore: zooms.slice(), zoomsAfter: zooms.map((z, a) => (a < 2 || !is2d ? (a < 3 ? this.space[a] : z) : z)) };
  }
  apply(arr: NdArray, role: Role, params: Params): NdArray {
    const dims = dims3(arr);
    const outShape = params.outShape as Shape3;
    return withRank(arr, zoom3(arr.data, dims, outShape, role === 'im' ? 2 : 1), outShape);
  }
  undo(arr: NdArray, role: Role, params: Params): NdArray {
    const original = params.original as Shape3;
    return withRank(arr, zoom3(arr.data, dims3(arr), original, role === 'im' ? 2 : 1), original);
  }
  updateMeta(meta: SampleMetadata, params: Params): void {
    meta.zooms = (params.zoomsAfter as number[]).slice();
  }
}

// ---- RandomAffine -------------------------------------------------------------------------------

function parseDegrees(v: unknown): [number, number] {
  if (v === undefined) return [0, 0];
  if (typeof v === 'number') {
    if (v < 0) throw new Error(`transformation.RandomAffine.degrees: a single number must be >= 0, got ${v}.`);
    return [-v, v];
  }
  return requireRange('RandomAffine', 'degrees', v);
}

function parseFractions(key: string, v: unknown): [number, number, number] {
  if (v === undefined || v === null) return [0, 0, 0];
  if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3) || !v.every((x) => typeof x === 'number' && x >= 0 && x <= 1)) {
    throw new Error(`transformation.RandomAffine.${key} must be 2 or 3 numbers in [0, 1], got ${JSON.stringify(v)}.`);
  }
  return [v[0], v[1], v.length === 3 ? v[2] : 0];
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0], [d, e, f] = m[1], [g, h, i] = m[2];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('RandomAffine: singular transform matrix.');
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

function transpose3(m: number[][]): number[][] {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => m[c][r]));
}

function mul3(a: number[][], b: number[][]): number[][] {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c]));
}

function mulVec(m: number[][], v: number[]): number[] {
  return [0, 1, 2].map((r) => m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2]);
}

/**
 * RandomAffine(degrees, translate, scale): out(o) = in(Mᵀ(o − c) + c + t), M = R·diag(1/s), c = shape/2,
 * linear interpolation, 0 outside. Rotation plane: two random axes for 3D, (H, W) for 2D.
 */
export class RandomAffine extends BaseTransform {
  readonly name = 'RandomAffine';
  override readonly undoable = true;
  readonly degrees: [number, number];
  readonly translate: [number, number, number];
  readonly scale: [number, number, number];
  constructor(options: TransformOptions & { degrees?: unknown; translate?: unknown; scale?: unknown } = {}) {
    super('RandomAffine', options);
    this.degrees = parseDegrees(options.degrees);
    this.translate = parseFractions('translate', options.translate);
    this.scale = parseFractions('scale', options.scale);
  }
  draw(sample: TransformSample, rng: DataRng): Params {
    const dims = dims3(referenceArray(sample, this.name));
    const angle = (rng.uniform(this.degrees[0], this.degrees[1]) * Math.PI) / 180;
    const axes = rng.sample(dims[2] > 1 ? [0, 1, 2] : [0, 1], 2).sort((x, y) => x - y);
    // singleton axes (the depth of a 2D slice) are neither scaled nor shifted: that would empty them
    const scale = this.scale.map((s, a) => (dims[a] > 1 ? rng.uniform(1 - s, 1 + s) : 1));
    const translation = this.translate.map((t, a) => (dims[a] > 1 ? Math.round(rng.uniform(-t * dims[a], t * dims[a])) : 0));
    return { angle, axes, scale, translation, shape: dims };
  }
  private matrix(params: Params): { m: number[][]; c: number[]; t: number[] } {
    const angle = params.angle as number;
    const [a, b] = params.axes as number[];
    const s = params.scale as number[];
    // ivadomed's matrices (axes sorted): planes (0,1) and (1,2) use [[c, −s], [s, c]], plane (0,2) [[c, s], [−s, c]]
    const R = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const sn = a === 0 && b === 2 ? -Math.sin(angle) : Math.sin(angle);
    R[a][a] = Math.cos(angle); R[a][b] = -sn;
    R[b][a] = sn; R[b][b] = Math.cos(angle);
    const M = mul3(R, [[1 / s[0], 0, 0], [0, 1 / s[1], 0], [0, 0, 1 / s[2]]]);
    const shape = params.shape as number[];
    return { m: M, c: shape.map((n) => n / 2), t: params.translation as number[] };
  }
  apply(arr: NdArray, _role: Role, params: Params): NdArray {
    const dims = dims3(arr);
    const { m, c, t } = this.matrix(params);
    const mt = transpose3(m);
    const mc = mulVec(mt, c);
    const offset = [0, 1, 2].map((i) => c[i] - mc[i] + t[i]);
    return withRank(arr, affineLinear3(arr.data, dims, mt, offset), dims);
  }
  /** The exact inverse map: o = M⁻ᵀ(p − c − t) + c. */
  undo(arr: NdArray, _role: Role, params: Params): NdArray {
    const dims = dims3(arr);
    const { m, c, t } = this.matrix(params);
    const inv = transpose3(invert3(m));
    const ct = mulVec(inv, [c[0] + t[0], c[1] + t[1], c[2] + t[2]]);
    const offset = [0, 1, 2].map((i) => c[i] - ct[i]);
    return withRank(arr, affineLinear3(arr.data, dims, inv, offset), dims);
  }
}

// ---- RandomReverse ------------------------------------------------------------------------------

export function flipAxes(arr: NdArray, flips: boolean[]): NdArray {
  const [h, w, d] = dims3(arr);
  const out = new Float32Array(arr.data.length);
  for (let i = 0, p = 0; i < h; i++) {
    const si = flips[0] ? h - 1 - i : i;
    for (let j = 0; j < w; j++) {
      const sj = flips[1] ? w - 1 - j : j;
      const base = (si * w + sj) * d;
      for (let k = 0; k < d; k++, p++) out[p] = arr.data[base + (flips[2] ? d - 1 - k : k)];
    }
  }
  return { data: out, shape: arr.shape.slice() };
}

/** RandomReverse: each of the three axes flipped with probability 0.5 (same flips for every array). */
export class RandomReverse extends BaseTransform {
  readonly name = 'RandomReverse';
  override readonly undoable = true;
  constructor(options: TransformOptions = {}) { super('RandomReverse', options); }
  draw(_sample: TransformSample, rng: DataRng): Params {
    return { flips: [0, 1, 2].map(() => rng.int(2) === 1) };
  }
  apply(arr: NdArray, _role: Role, params: Params): NdArray { return flipAxes(arr, params.flips as boolean[]); }
  undo(arr: NdArray, _role: Role, params: Params): NdArray { return flipAxes(arr, params.flips as boolean[]); }
}

// ---- ElasticTransform ---------------------------------------------------------------------------

/**
 * ElasticTransform(alpha_range, sigma_range, p): with probability p, a displacement field
 * d_k = gaussian_filter(U(−1, 1), σ, mode='constant')·α per axis (none along a singleton depth),
 * then linear sampling with reflection. Unlike ivadomed (which draws new noise for every array), the
 * field is drawn ONCE per sample, so image, label and ROI are deformed identically.
 */
export class ElasticTransform extends BaseTransform {
  readonly name = 'ElasticTransform';
  readonly alphaRange: [number, number];
  readonly sigmaRange: [number, number];
  readonly p: number;
  constructor(options: TransformOptions & { alpha_range?: unknown; sigma_range?: unknown; p?: unknown }) {
    super('ElasticTransform', options);
    this.alphaRange = requireRange('ElasticTransform', 'alpha_range', options.alpha_range);
    this.sigmaRange = requireRange('ElasticTransform', 'sigma_range', options.sigma_range);
    this.p = requireProbability('ElasticTransform', 'p', options.p, 0.1);
  }
  draw(sample: TransformSample, rng: DataRng): Params {
    if (!(rng.random() < this.p)) return { applied: false };
    const alpha = rng.uniform(this.alphaRange[0], this.alphaRange[1]);
    const sigma = rng.uniform(this.sigmaRange[0], this.sigmaRange[1]);
    const dims = dims3(referenceArray(sample, this.name));
    const n = dims[0] * dims[1] * dims[2];
    const field = (): Float32Array => {
      const noise = new Float32Array(n);
      for (let i = 0; i < n; i++) noise[i] = rng.random() * 2 - 1;
      const f = gaussianFilter3(noise, dims, sigma, 'constant');
      for (let i = 0; i < n; i++) f[i] *= alpha;
      return f;
    };
    const dx = field(), dy = field();
    const dz = dims[2] > 1 ? field() : null;
    // fields start with '_' so that the compose step keeps them out of the undo record
    return { applied: true, alpha, sigma, _field: { dims, dx, dy, dz } };
  }
  apply(arr: NdArray, _role: Role, params: Params): NdArray {
    if (!params.applied) return arr;
    const f = params._field as { dims: Shape3; dx: Float32Array; dy: Float32Array; dz: Float32Array | null };
    const dims = dims3(arr);
    if (dims.some((v, i) => v !== f.dims[i])) throw new Error(`ElasticTransform: array of shape [${arr.shape.join(', ')}] differs from the sample's [${f.dims.join(', ')}].`);
    return withRank(arr, warpLinearReflect3(arr.data, dims, f.dx, f.dy, f.dz), dims);
  }
}
