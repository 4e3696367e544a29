/**
 * Intensity transforms: NormalizeInstance, RandomShiftIntensity, AdditiveGaussianNoise,
 * HistogramClipping, Clahe, RandomGamma, RandomBiasField, RandomBlur.
 */
import type { DataRng } from '../rng';
import { BaseTransform } from './geometric';
import { requireNumber, requireProbability, requireRange } from './base';
import { gaussianFilter3 } from './interp';
import { dims3, withRank, type NdArray } from './ndarray';
import type { Role, TransformOptions, TransformSample } from './types';

type Params = Record<string, unknown>;

function mapValues(arr: NdArray, f: (v: number) => number): NdArray {
  const out = new Float32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(arr.data[i]);
  return { data: out, shape: arr.shape.slice() };
}

/** Mean and population standard deviation (numpy's std), accumulated in float64. */
export function meanStd(data: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  const mean = s / data.length;
  let q = 0;
  for (let i = 0; i < data.length; i++) { const d = data[i] - mean; q += d * d; }
  return { mean, std: Math.sqrt(q / data.length) };
}

/** NormalizeInstance: (x − mean) / std per channel; x − mean when std < 1e-5. Undo is the identity. */
export class NormalizeInstance extends BaseTransform {
  readonly name = 'NormalizeInstance';
  override readonly undoable = true;
  constructor(options: TransformOptions = {}) { super('NormalizeInstance', options); }
  draw(): Params { return {}; }
  apply(arr: NdArray): NdArray {
    const { mean, std } = meanStd(arr.data);
    return std < 1e-5 ? mapValues(arr, (v) => v - mean) : mapValues(arr, (v) => (v - mean) / std);
  }
  /** As ivadomed: predictions are not rescaled back (the statistics are not kept). */
  undo(arr: NdArray): NdArray { return arr; }
}

/** RandomShiftIntensity(shift_range, prob=0.1): with probability prob add offset ~ U(range). */
export class RandomShiftIntensity extends BaseTransform {
  readonly name = 'RandomShiftIntensity';
  override readonly undoable = true;
  readonly shiftRange: [number, number];
  readonly prob: number;
  constructor(options: TransformOptions & { shift_range?: unknown; prob?: unknown }) {
    super('RandomShiftIntensity', options);
    this.shiftRange = requireRange('RandomShiftIntensity', 'shift_range', options.shift_range);
    this.prob = requireProbability('RandomShiftIntensity', 'prob', options.prob, 0.1);
  }
  draw(_s: TransformSample, rng: DataRng): Params {
    return { offset: rng.random() < this.prob ? rng.uniform(this.shiftRange[0], this.shiftRange[1]) : 0 };
  }
  apply(arr: NdArray, _r: Role, params: Params): NdArray {
    const o = params.offset as number;
    return mapValues(arr, (v) => v + o);
  }
  undo(arr: NdArray, _r: Role, params: Params): NdArray {
    const o = params.offset as number;
    return mapValues(arr, (v) => v - o);
  }
}

/** AdditiveGaussianNoise(mean=0, std=0.01): fresh N(mean, std) noise for every array. */
export class AdditiveGaussianNoise extends BaseTransform {
  readonly name = 'AdditiveGaussianNoise';
  readonly mean: number;
  readonly std: number;
  constructor(options: TransformOptions & { mean?: unknown; std?: unknown } = {}) {
    super('AdditiveGaussianNoise', options);
    this.mean = requireNumber('AdditiveGaussianNoise', 'mean', options.mean, 0);
    this.std = requireNumber('AdditiveGaussianNoise', 'std', options.std, 0.01);
    if (this.std < 0) throw new Error(`transformation.AdditiveGaussianNoise.std must be >= 0, got ${this.std}.`);
  }
  draw(): Params { return {}; }
  apply(arr: NdArray, _r: Role, _p: Params, rng: DataRng): NdArray {
    return mapValues(arr, (v) => v + rng.normal(this.mean, this.std));
  }
}

/** numpy.percentile with linear interpolation. */
export function percentile(data: Float32Array, q: number): number {
  const sorted = Float64Array.from(data).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** HistogramClipping(min_percentile=5, max_percentile=95): values clipped to those percentiles. */
export class HistogramClipping extends BaseTransform {
  readonly name = 'HistogramClipping';
  readonly minPercentile: number;
  readonly maxPercentile: number;
  constructor(options: TransformOptions & { min_percentile?: unknown; max_percentile?: unknown } = {}) {
    super('HistogramClipping', options);
    this.minPercentile = requireNumber('HistogramClipping', 'min_percentile', options.min_percentile, 5);
    this.maxPercentile = requireNumber('HistogramClipping', 'max_percentile', options.max_percentile, 95);
    if (!(this.minPercentile >= 0 && this.minPercentile <= this.maxPercentile && this.maxPercentile <= 100)) {
      throw new Error(`transformation.HistogramClipping: need 0 <= min_percentile <= max_percentile <= 100, got ${this.minPercentile} and ${this.maxPercentile}.`);
    }
  }
  draw(): Params { return {}; }
  apply(arr: NdArray): NdArray {
    const lo = percentile(arr.data, this.minPercentile);
    const hi = percentile(arr.data, this.maxPercentile);
    return mapValues(arr, (v) => (v <= lo ? lo : v >= hi ? hi : v));
  }
}

/** RandomGamma(log_gamma_range, p=0.5): γ = exp(U(range)); sign(x)·|x|^γ (NaN → 0). */
export class RandomGamma extends BaseTransform {
  readonly name = 'RandomGamma';
  readonly logGammaRange: [number, number];
  readonly p: number;
  constructor(options: TransformOptions & { log_gamma_range?: unknown; p?: unknown }) {
    super('RandomGamma', options);
    this.logGammaRange = requireRange('RandomGamma', 'log_gamma_range', options.log_gamma_range);
    this.p = requireProbability('RandomGamma', 'p', options.p, 0.5);
  }
  draw(_s: TransformSample, rng: DataRng): Params {
    return rng.random() < this.p ? { gamma: Math.exp(rng.uniform(this.logGammaRange[0], this.logGammaRange[1])) } : { gamma: null };
  }
  apply(arr: NdArray, _r: Role, params: Params): NdArray {
    const g = params.gamma as number | null;
    if (g === null) return arr;
    return mapValues(arr, (v) => {
      const r = Math.sign(v) * Math.pow(Math.abs(v), g);
      return Number.isFinite(r) ? r : Number.isNaN(r) ? 0 : r > 0 ? 3.4028234663852886e38 : -3.4028234663852886e38;
    });
  }
}

/**
 * RandomBiasField(coefficients, order, p=0.5): torchio's polynomial bias field exp(Σ c_ijk x^i y^j z^k),
 * i + j + k ≤ order, coordinates in [−1, 1] per axis (0 along a singleton axis), c ~ U(−c, c).
 */
export class RandomBiasField extends BaseTransform {
  readonly name = 'RandomBiasField';
  readonly coefficients: [number, number];
  readonly order: number;
  readonly p: number;
  constructor(options: TransformOptions & { coefficients?: unknown; order?: unknown; p?: unknown }) {
    super('RandomBiasField', options);
    const c = options.coefficients ?? 0.5;
    this.coefficients = typeof c === 'number' ? [-Math.abs(c), Math.abs(c)] : requireRange('RandomBiasField', 'coefficients', c);
    this.order = requireNumber('RandomBiasField', 'order', options.order, 3);
    if (!Number.isInteger(this.order) || this.order < 0) throw new Error(`transformation.RandomBiasField.order must be an integer >= 0, got ${this.order}.`);
    this.p = requireProbability('RandomBiasField', 'p', options.p, 0.5);
  }
  draw(_s: TransformSample, rng: DataRng): Params {
    if (!(rng.random() < this.p)) return { coefficients: null };
    const coeffs: number[] = [];
    for (let x = 0; x <= this.order; x++) for (let y = 0; y <= this.order - x; y++) for (let z = 0; z <= this.order - x - y; z++) {
      coeffs.push(rng.uniform(this.coefficients[0], this.coefficients[1]));
    }
    return { coefficients: coeffs };
  }
  apply(arr: NdArray, _r: Role, params: Params): NdArray {
    const coeffs = params.coefficients as number[] | null;
    if (!coeffs) return arr;
    const dims = dims3(arr);
    // torchio: arange(-n/2, n/2) + 0.5, divided by its maximum
    const axis = (n: number): Float64Array => {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = -n / 2 + i + 0.5;
      const m = v[n - 1];
      for (let i = 0; i < n; i++) v[i] = m > 0 ? v[i] / m : 0;
      return v;
    };
    const [xs, ys, zs] = dims.map(axis);
    const o = this.order;
    // powers per axis: pw[a][i * (o + 1) + e] = coordinate_i ** e
    const powers = (v: Float64Array): Float64Array => {
      const t = new Float64Array(v.length * (o + 1));
      for (let i = 0; i < v.length; i++) for (let e = 0; e <= o; e++) t[i * (o + 1) + e] = Math.pow(v[i], e);
      return t;
    };
    const px = powers(xs), py = powers(ys), pz = powers(zs);
    // the field is the same for every array of the sample: computed once, kept beside the parameters
    const cache = params._field as { key: string; field: Float32Array } | undefined;
    const key = dims.join('x');
    let field = cache && cache.key === key ? cache.field : null;
    if (!field) {
      const nt = coeffs.length;
      const cf = Float64Array.from(coeffs), ea = new Int32Array(nt), eb = new Int32Array(nt), ee = new Int32Array(nt);
      let c = 0;
      for (let a = 0; a <= o; a++) for (let b = 0; b <= o - a; b++) for (let e = 0; e <= o - a - b; e++) { ea[c] = a; eb[c] = b; ee[c] = e; c++; }
      field = new Float32Array(arr.data.length);
      const w = o + 1;
      for (let i = 0, p = 0; i < dims[0]; i++) for (let j = 0; j < dims[1]; j++) for (let k = 0; k < dims[2]; k++, p++) {
        let sum = 0;
        for (let t = 0; t < nt; t++) sum += cf[t] * px[i * w + ea[t]] * py[j * w + eb[t]] * pz[k * w + ee[t]];
        field[p] = Math.exp(sum);
      }
      params._field = { key, field };
    }
    const out = new Float32Array(arr.data.length);
    for (let p = 0; p < out.length; p++) out[p] = arr.data[p] * field[p];
    return withRank(arr, out, dims);
  }
}

/** RandomBlur(sigma_range, p=0.5): gaussian_filter(x, σ) (mode 'reflect', every axis). */
export class RandomBlur extends BaseTransform {
  readonly name = 'RandomBlur';
  readonly sigmaRange: [number, number];
  readonly p: number;
  constructor(options: TransformOptions & { sigma_range?: unknown; p?: unknown }) {
    super('RandomBlur', options);
    this.sigmaRange = requireRange('RandomBlur', 'sigma_range', options.sigma_range);
    this.p = requireProbability('RandomBlur', 'p', options.p, 0.5);
  }
  draw(_s: TransformSample, rng: DataRng): Params {
    return rng.random() < this.p ? { sigma: rng.uniform(this.sigmaRange[0], this.sigmaRange[1]) } : { sigma: null };
  }
  apply(arr: NdArray, _r: Role, params: Params): NdArray {
    const s = params.sigma as number | null;
    if (s === null) return arr;
    const dims = dims3(arr);
    return withRank(arr, gaussianFilter3(arr.data, dims, s, 'reflect'), dims);
  }
}

/**
 * Clahe(clip_limit=3.0, kernel_size=[8, 8]): contrast-limited adaptive histogram equalisation in the
 * manner of skimage.exposure.equalize_adapthist: intensities rescaled to [0, 1], 256 bins, one
 * clipped histogram per kernel-sized tile (clip = max(1, clip_limit · voxels per tile), excess spread
 * evenly), mappings interpolated (bi/trilinearly) between tile centres; output in [0, 1].
 */
export class Clahe extends BaseTransform {
  readonly name = 'Clahe';
  readonly clipLimit: number;
  readonly kernelSize: number[];
  constructor(options: TransformOptions & { clip_limit?: unknown; kernel_size?: unknown } = {}) {
    super('Clahe', options);
    this.clipLimit = requireNumber('Clahe', 'clip_limit', options.clip_limit, 3.0);
    const k = options.kernel_size ?? [8, 8];
    if (!Array.isArray(k) || !k.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`transformation.Clahe.kernel_size must be a list of positive integers, got ${JSON.stringify(k)}.`);
    this.kernelSize = k as number[];
  }
  draw(): Params { return {}; }
  apply(arr: NdArray): NdArray {
    if (this.kernelSize.length !== arr.shape.length) {
      throw new Error(`Clahe: kernel_size has ${this.kernelSize.length} values but the array has ${arr.shape.length} dimensions ([${arr.shape.join(', ')}]); ivadomed requires one per dimension.`);
    }
    const dims = dims3(arr);
    const ks = [this.kernelSize[0], this.kernelSize[1], this.kernelSize[2] ?? 1].map((k, a) => Math.min(k, dims[a]));
    const nbins = 256;
    let lo = Infinity, hi = -Infinity;
    for (const v of arr.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const range = hi - lo;
    const bins = new Uint16Array(arr.data.length);
    for (let i = 0; i < bins.length; i++) bins[i] = range > 0 ? Math.round(((arr.data[i] - lo) / range) * (nbins - 1)) : 0;
    const nt = dims.map((n, a) => Math.ceil(n / ks[a]));
    const maps: Float32Array[] = [];
    for (let ti = 0; ti < nt[0]; ti++) for (let tj = 0; tj < nt[1]; tj++) for (let tk = 0; tk < nt[2]; tk++) {
      const hist = new Float64Array(nbins);
      let count = 0;
      for (let i = ti * ks[0]; i < Math.min(dims[0], (ti + 1) * ks[0]); i++) for (let j = tj * ks[1]; j < Math.min(dims[1], (tj + 1) * ks[1]); j++) for (let k = tk * ks[2]; k < Math.min(dims[2], (tk + 1) * ks[2]); k++) {
        hist[bins[(i * dims[1] + j) * dims[2] + k]]++;
        count++;
      }
      const clim = Math.max(1, Math.floor(this.clipLimit * count));
      let excess = 0;
      for (let b = 0; b < nbins; b++) if (hist[b] > clim) { excess += hist[b] - clim; hist[b] = clim; }
      for (let b = 0; b < nbins; b++) hist[b] += excess / nbins;
      const map = new Float32Array(nbins);
      let cum = 0;
      for (let b = 0; b < nbins; b++) { cum += hist[b]; map[b] = Math.min(1, cum / count); }
      maps.push(map);
    }
    // position of a voxel between tile centres: (index + 0.5) / k − 0.5, clamped to the outer centres
    const axisCoords = (a: number): { lo: Int32Array; hi: Int32Array; f: Float64Array } => {
      const n = dims[a];
      const lo = new Int32Array(n), hi = new Int32Array(n), f = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = Math.min(Math.max((i + 0.5) / ks[a] - 0.5, 0), nt[a] - 1);
        lo[i] = Math.floor(t);
        hi[i] = Math.min(lo[i] + 1, nt[a] - 1);
        f[i] = t - lo[i];
      }
      return { lo, hi, f };
    };
    const A = axisCoords(0), B = axisCoords(1), C = axisCoords(2);
    const map = (a: number, b: number, c: number, bin: number): number => maps[(a * nt[1] + b) * nt[2] + c][bin];
    const out = new Float32Array(arr.data.length);
    for (let i = 0, p = 0; i < dims[0]; i++) {
      const a0 = A.lo[i], a1 = A.hi[i], fa = A.f[i];
      for (let j = 0; j < dims[1]; j++) {
        const b0 = B.lo[j], b1 = B.hi[j], fb = B.f[j];
        for (let k = 0; k < dims[2]; k++, p++) {
          const c0 = C.lo[k], c1 = C.hi[k], fc = C.f[k];
          const bin = bins[p];
          const v00 = map(a0, b0, c0, bin) * (1 - fc) + map(a0, b0, c1, bin) * fc;
          const v01 = map(a0, b1, c0, bin) * (1 - fc) + map(a0, b1, c1, bin) * fc;
          const v10 = map(a1, b0, c0, bin) * (1 - fc) + map(a1, b0, c1, bin) * fc;
          const v11 = map(a1, b1, c0, bin) * (1 - fc) + map(a1, b1, c1, bin) * fc;
          out[p] = (v00 * (1 - fb) + v01 * fb) * (1 - fa) + (v10 * (1 - fb) + v11 * fb) * fa;
        }
      }
    }
    return withRank(arr, out, dims);
  }
}
