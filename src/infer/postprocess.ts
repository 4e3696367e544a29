/**
 * ivadomed's postprocessing (ivadomed/postprocessing.py, class Postprocessing), applied to a
 * prediction volume (x fastest, classes as the 4th, slowest axis) in the order of the keys of the
 * config's `postprocessing` object:
 *   binarize_prediction {thr}, binarize_maxpooling {}, remove_noise {thr}, keep_largest {},
 *   fill_holes {}, remove_small {unit: "vox"|"mm3", thr: number | number[]},
 *   uncertainty {thr, suffix} (also accepted under its documented name threshold_uncertainty).
 * Differences from ivadomed (see docs/evaluation.md): keep_largest labels each class on its own with
 * 6-connectivity (ivadomed labels the 4-D array, whose cross structure also links classes), and
 * `threshold_uncertainty` works (ivadomed's getattr dispatch only knows `uncertainty`).
 */
import type { Volume } from '../data/volume';
import { fillHoles, labelComponents, type Dims3 } from '../eval/components';
import { roundHalfEven } from './window';

export type PostprocessingConfig = Record<string, Record<string, unknown> | undefined>;

export interface PostprocessingContext {
  /**
   * Uncertainty / soft maps by ivadomed file suffix ("_unc-vox.nii.gz", "_unc-avgUnc.nii.gz",
   * "_unc-cv.nii.gz", "_unc-iou.nii.gz", "_soft.nii.gz"), same shape as the prediction.
   */
  uncertaintyMaps?: Record<string, ArrayLike<number> | undefined>;
}

/** Split a prediction shape into spatial dims and class count (3-D shape = one class). */
export function splitShape(shape: readonly number[], what = 'prediction'): { dims: Dims3; nClasses: number; n: number } {
  if (shape.length !== 3 && shape.length !== 4) {
    throw new Error(`${what}: expected shape [nx, ny, nz] or [nx, ny, nz, nClasses], got [${shape.join(', ')}]`);
  }
  const dims: Dims3 = [shape[0], shape[1], shape[2]];
  return { dims, nClasses: shape.length === 4 ? shape[3] : 1, n: shape[0] * shape[1] * shape[2] };
}

/** threshold_predictions: x < thr -> 0, else 1. */
export function thresholdPredictions(data: ArrayLike<number>, thr = 0.5): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] < thr ? 0 : 1;
  return out;
}

/** mask_predictions: prediction × binary mask (same shape; the mask must hold only 0 and 1). */
export function maskPredictions(pred: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  if (pred.length !== mask.length) {
    throw new Error(`maskPredictions: prediction has ${pred.length} values but the mask has ${mask.length}; they must have the same shape`);
  }
  const out = new Float32Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const m = mask[i];
    if (m !== 0 && m !== 1) throw new Error(`maskPredictions: the mask must be binary (0/1), found ${m} at index ${i}`);
    out[i] = pred[i] * m;
  }
  return out;
}

/**
 * binarize_maxpooling: background = 1 - Σ_c p_c; per voxel the argmax over [background, classes]
 * (first wins ties, so background wins a tie) becomes a one-hot over the foreground classes.
 */
export function binarizeMaxpooling(data: ArrayLike<number>, n: number, nClasses: number): Float32Array {
  const out = new Float32Array(n * nClasses);
  for (let v = 0; v < n; v++) {
    let sum = 0;
    for (let c = 0; c < nClasses; c++) sum += data[c * n + v];
    let best = -1, bestVal = 1 - sum;
    for (let c = 0; c < nClasses; c++) {
      const p = data[c * n + v];
      if (p > bestVal) { bestVal = p; best = c; }
    }
    if (best >= 0) out[best * n + v] = 1;
  }
  return out;
}

/** remove_noise: zero every value <= thr (when thr >= 0). */
export function removeNoise(data: ArrayLike<number>, thr: number): Float32Array {
  const out = Float32Array.from(data);
  if (thr >= 0) for (let i = 0; i < out.length; i++) if (!(out[i] > thr)) out[i] = 0;
  return out;
}

function isBinary(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 && a[i] !== 1) return false;
  return true;
}

/**
 * keep_largest_object on one class: label (6-connectivity, scipy's default) and keep the component
 * with most voxels (the first in scipy's numbering on ties). Soft input: components of p >= 0.001,
 * soft values kept inside the kept component (ivadomed's binarize_with_low_threshold).
 */
export function keepLargestObject(data: ArrayLike<number>, dims: Dims3): Float32Array {
  const binary = isBinary(data);
  const fg = binary ? data : thresholdPredictions(data, 0.001);
  const { labels, count, sizes } = labelComponents(fg, dims, 6);
  const out = Float32Array.from(data);
  if (count > 1) {
    let keep = 1;
    for (let l = 2; l <= count; l++) if (sizes[l] > sizes[keep]) keep = l;
    for (let v = 0; v < out.length; v++) if (labels[v] !== keep) out[v] = 0;
  } else if (!binary) {
    // ivadomed still masks the soft values with the (single-object) binarized map: values < 0.001 -> 0.
    for (let v = 0; v < out.length; v++) if (!fg[v]) out[v] = 0;
  }
  return out;
}

/** remove_small_objects on one class: 18-connected components with fewer than sizeMin voxels -> 0. */
export function removeSmallObjects(data: ArrayLike<number>, dims: Dims3, sizeMin: number): Float32Array {
  const { labels, count, sizes } = labelComponents(data, dims, 18);
  const out = Float32Array.from(data);
  if (count === 0) return out;
  const drop = new Uint8Array(count + 1);
  for (let l = 1; l <= count; l++) drop[l] = sizes[l] < sizeMin ? 1 : 0;
  for (let v = 0; v < out.length; v++) if (drop[labels[v]]) out[v] = 0;
  return out;
}

const UNCERTAINTY_KEEP_ABOVE = new Set(['_unc-iou.nii.gz', '_soft.nii.gz']);

function num(params: Record<string, unknown>, key: string, step: string): number {
  const v = params[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`postprocessing.${step}.${key} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export const POSTPROCESSING_STEPS = [
  'binarize_prediction', 'binarize_maxpooling', 'remove_noise', 'keep_largest', 'fill_holes', 'remove_small',
  'uncertainty', 'threshold_uncertainty',
] as const;

/**
 * Apply the postprocessing steps in config order. Returns a new volume (same shape, spacing,
 * affine); the input is not modified.
 */
export function applyPostprocessing(pred: Volume, config: PostprocessingConfig, ctx: PostprocessingContext = {}): Volume {
  const { dims, nClasses, n } = splitShape(pred.shape);
  if (pred.data.length !== n * nClasses) {
    throw new Error(`applyPostprocessing: data has ${pred.data.length} values, shape [${pred.shape.join(', ')}] needs ${n * nClasses}`);
  }
  let data: Float32Array = Float32Array.from(pred.data);
  const perClass = (fn: (cls: Float32Array, c: number) => ArrayLike<number>) => {
    const out = new Float32Array(data.length);
    for (let c = 0; c < nClasses; c++) out.set(fn(data.subarray(c * n, (c + 1) * n), c), c * n);
    data = out;
  };
  const [px, py, pz] = pred.spacing;
  for (const [step, raw] of Object.entries(config)) {
    const params = raw ?? {};
    switch (step) {
      case 'binarize_prediction': {
        const thr = num(params, 'thr', step);
        if (thr >= 0) data = thresholdPredictions(data, thr);
        break;
      }
      case 'binarize_maxpooling':
        data = binarizeMaxpooling(data, n, nClasses);
        break;
      case 'remove_noise':
        data = removeNoise(data, num(params, 'thr', step));
        break;
      case 'keep_largest':
        perClass((cls) => keepLargestObject(cls, dims));
        break;
      case 'fill_holes':
        data = thresholdPredictions(data, 0.5);
        perClass((cls) => fillHoles(cls, dims, 26));
        break;
      case 'remove_small': {
        const unit = params.unit;
        if (unit !== 'vox' && unit !== 'mm3') {
          throw new Error(`postprocessing.remove_small.unit must be "vox" or "mm3", got ${JSON.stringify(unit)}`);
        }
        const thrRaw = params.thr;
        // A number, one per class, or a one-element list (what `--segment -remove_small ["10vox"]` gives)
        // applied to every class.
        const thrs = Array.isArray(thrRaw) ? (thrRaw.length === 1 ? new Array<unknown>(nClasses).fill(thrRaw[0]) : thrRaw) : new Array<unknown>(nClasses).fill(thrRaw);
        if (thrs.length !== nClasses || thrs.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
          throw new Error(`postprocessing.remove_small.thr must be a number or a list of ${nClasses} numbers (one per class), got ${JSON.stringify(thrRaw)}`);
        }
        perClass((cls, c) => {
          const t = thrs[c] as number;
          const sizeMin = unit === 'vox' ? t : roundHalfEven(t / (px * py * pz));
          return removeSmallObjects(cls, dims, sizeMin);
        });
        break;
      }
      case 'uncertainty':
      case 'threshold_uncertainty': {
        const thr = num(params, 'thr', step);
        const suffix = params.suffix;
        if (typeof suffix !== 'string') throw new Error(`postprocessing.${step}.suffix must be a string such as "_unc-vox.nii.gz", got ${JSON.stringify(suffix)}`);
        if (thr < 0) break;
        const map = ctx.uncertaintyMaps?.[suffix];
        if (!map) {
          throw new Error(`postprocessing.${step}: no uncertainty map "${suffix}" for this prediction; run with uncertainty (n_it > 0) so that it is computed, or remove the step`);
        }
        if (map.length !== data.length) {
          throw new Error(`postprocessing.${step}: map "${suffix}" has ${map.length} values, the prediction ${data.length}`);
        }
        const keepAbove = UNCERTAINTY_KEEP_ABOVE.has(suffix);
        const mask = new Float32Array(data.length);
        for (let i = 0; i < mask.length; i++) mask[i] = (keepAbove ? map[i] > thr : map[i] < thr) ? 1 : 0;
        data = maskPredictions(data, mask);
        break;
      }
      default:
        throw new Error(`postprocessing: unknown step "${step}"; known steps are ${POSTPROCESSING_STEPS.join(', ')}`);
    }
  }
  return { ...pred, shape: [...pred.shape], data };
}

/**
 * The `remove_small` option of `--segment` / ivadomed_segment_image as a `remove_small` step, parsed
 * as ivadomed's set_postprocessing_options does: the unit comes from the LAST entry ("mm3" or "vox"),
 * the other entries may omit it (["10", "20", "10vox"] = 10, 20 and 10 voxels for classes 1..3), and
 * sizes are integers.
 */
export function removeSmallFromSegmentOption(option: readonly string[]): { unit: 'vox' | 'mm3'; thr: number[] } {
  const last = option[option.length - 1];
  if (last === undefined || !/(vox|mm3)\s*$/.test(last)) {
    throw new Error(`remove_small option: the last size must carry its unit, e.g. ["10vox"] or ["5mm3"]; got ${JSON.stringify(option)}`);
  }
  const unit: 'vox' | 'mm3' = last.includes('mm3') ? 'mm3' : 'vox';
  const thr = option.map((s) => {
    const m = new RegExp(`^\\s*(\\d+)\\s*(?:${unit})?\\s*$`).exec(s);
    if (!m) throw new Error(`remove_small option: "${s}" is not an integer size in ${unit} (all entries share the unit of the last one)`);
    return Number(m[1]);
  });
  return { unit, thr };
}
