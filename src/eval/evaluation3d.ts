/**
 * ivadomed's evaluation of a 3-D prediction against its ground truth (evaluation.py,
 * Evaluation3DMetrics.run_eval), one row of evaluation_3Dmetrics.csv per image, plus geometric
 * surface metrics that ivadomed lacks (Hausdorff, HD95, ASSD, surface Dice; MONAI conventions).
 *
 * Columns per class n, in ivadomed's order:
 *   vol_pred_classN, vol_gt_classN (Σ values × px·py·pz, mm³), rvd_classN = (vol_gt - vol_pred)/vol_gt
 *   (NaN if vol_gt = 0), avd_classN = |rvd|, dice_classN (soft, NaN when both empty), recall_classN,
 *   precision_classN, specificity_classN (NaN on a zero denominator), n_pred_classN, n_gt_classN
 *   (18-connected objects), ltpr_classN, lfdr_classN, mse_classN (Σ(gt-pred)²/(nx·ny)), then per size
 *   bin present among the GT objects ltpr<bin>_classN and n<bin>, per bin present among the predicted
 *   objects lfdr<bin>_classN; then (extension) hd_classN, hd95_classN, assd_classN, nsd_classN.
 */
import type { Volume } from '../data/volume';
import { labelComponents, type Dims3 } from './components';
import { diceScore, mseIvadomed, precisionScore, recallScore, specificityScore } from './metrics';
import { averageSurfaceDistanceFromDistances, hausdorffFromDistances, surfaceDiceFromDistances, surfaceDistances } from './surface';

export const TP_COLOUR = 1;
export const FP_COLOUR = 2;
export const FN_COLOUR = 3;

export interface SizeBins { unit: 'vox' | 'mm3'; thr: number[] }
export interface OverlapParam { unit: 'vox' | 'mm3' | 'ratio'; thr: number }

/** ivadomed's `evaluation_parameters` (snake_case as in config files; camelCase also accepted). */
export interface EvaluationParams {
  target_size?: SizeBins;
  targetSize?: SizeBins;
  overlap?: OverlapParam;
  object_detection_metrics?: boolean;
  /** Extension: surface metrics (default on). */
  geometric?: boolean;
  /** Extension: tolerance of the surface Dice in mm (default 1). */
  nsd_tolerance_mm?: number;
  /** Extension: percentile of the robust Hausdorff distance (default 95). */
  hd_percentile?: number;
}

export interface ImageEvaluation {
  /** Column -> value, in ivadomed's column order. */
  row: Record<string, number>;
  /** TP (1) / FP (2) / FN (3) painted objects, prediction shape; null when object metrics are off. */
  painted: Float32Array | null;
}

/** numpy.round (half to even). */
function npRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python str() of a float (repr): shortest round-trip digits, "x.0" for integers, e-notation as Python. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  let s: string;
  if (exp < 0) s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) s = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return (neg ? '-' : '') + s;
}

interface Bin { lo: number; hi: number; suffix: string }

/** ivadomed _get_size_ranges: [size_min=0, t1], [t1+1, t2], ..., [t_last+1, inf); mm3 -> voxels, rounded. */
export function sizeBins(bins: SizeBins, voxelVolume: number): Bin[] {
  const { unit, thr } = bins;
  if (unit !== 'vox' && unit !== 'mm3') throw new Error(`evaluation_parameters.target_size.unit must be "vox" or "mm3", got ${JSON.stringify(unit)}`);
  if (!Array.isArray(thr) || thr.length === 0 || thr.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
    throw new Error(`evaluation_parameters.target_size.thr must be a non-empty list of numbers, got ${JSON.stringify(thr)}`);
  }
  const fmt = (v: number) => (unit === 'mm3' ? pyFloatRepr(v) : String(v));
  const conv = (v: number) => (unit === 'mm3' ? npRound(v / voxelVolume) : v);
  const out: Bin[] = [];
  for (let i = 0; i < thr.length; i++) {
    const lo = conv(i === 0 ? 0 : thr[i - 1] + 1), hi = conv(thr[i]);
    out.push({ lo, hi, suffix: `_${fmt(lo)}-${fmt(hi)}${unit}` });
  }
  const lo = conv(thr[thr.length - 1] + 1);
  out.push({ lo, hi: Infinity, suffix: `_${fmt(lo)}-INF${unit}` });
  return out;
}

/** Bin number (1-based; the last matching bin wins as in ivadomed's loop; 0 if none) of each object. */
function binOfObjects(sizes: Int32Array, bins: Bin[]): Int32Array {
  const out = new Int32Array(sizes.length);
  for (let l = 1; l < sizes.length; l++) {
    bins.forEach((b, bi) => { if (sizes[l] >= b.lo && sizes[l] <= b.hi) out[l] = bi + 1; });
  }
  return out;
}

function shapeInfo(shape: readonly number[], what: string): { dims: Dims3; nClasses: number; n: number } {
  if (shape.length !== 3 && shape.length !== 4) throw new Error(`${what}: expected shape [nx, ny, nz] or [nx, ny, nz, nClasses], got [${shape.join(', ')}]`);
  return { dims: [shape[0], shape[1], shape[2]], nClasses: shape.length === 4 ? shape[3] : 1, n: shape[0] * shape[1] * shape[2] };
}

/**
 * Evaluate one image. `gt` holds one channel per target suffix (missing ground truth: zeros) and
 * must match the prediction's shape; the spacing is the prediction's (ivadomed reads pixdim of the
 * prediction file).
 */
export function evaluate3D(pred: Volume, gt: Pick<Volume, 'data' | 'shape'>, params: EvaluationParams = {}): ImageEvaluation {
  const p = shapeInfo(pred.shape, 'evaluate3D (prediction)');
  const g = shapeInfo(gt.shape, 'evaluate3D (ground truth)');
  if (p.n !== g.n || p.dims.some((d, i) => d !== g.dims[i])) {
    throw new Error(`evaluate3D: prediction [${pred.shape.join(', ')}] and ground truth [${gt.shape.join(', ')}] differ in their spatial shape; resample the prediction to the ground truth grid first`);
  }
  if (p.nClasses !== g.nClasses) {
    throw new Error(`evaluate3D: prediction has ${p.nClasses} class(es), ground truth ${g.nClasses}; give one ground-truth channel per target_suffix`);
  }
  if (pred.data.length !== p.n * p.nClasses || gt.data.length !== g.n * g.nClasses) {
    throw new Error(`evaluate3D: data length does not match the shape (prediction ${pred.data.length}, ground truth ${gt.data.length}, expected ${p.n * p.nClasses})`);
  }
  const { dims, nClasses, n } = p;
  // ivadomed multiplies the float32 pixdims in float32.
  const [px, py, pz] = pred.spacing.map((s) => Math.fround(s));
  const voxelVolume = Math.fround(Math.fround(px * py) * pz);
  const objectMetrics = params.object_detection_metrics ?? true;
  const geometric = params.geometric ?? true;
  const tolerance = params.nsd_tolerance_mm ?? 1;
  const hdPercentile = params.hd_percentile ?? 95;
  const binsParam = params.target_size ?? params.targetSize;
  const bins = binsParam ? sizeBins(binsParam, voxelVolume) : null;
  const overlap = params.overlap ?? { unit: 'vox', thr: 3 };
  if (!['vox', 'mm3', 'ratio'].includes(overlap.unit) || typeof overlap.thr !== 'number') {
    throw new Error(`evaluation_parameters.overlap must be {unit: "vox"|"mm3"|"ratio", thr: number}, got ${JSON.stringify(overlap)}`);
  }
  const overlapVox = overlap.unit === 'vox' ? overlap.thr : overlap.unit === 'mm3' ? npRound(overlap.thr / voxelVolume) : null;

  const row: Record<string, number> = {};
  const painted = objectMetrics ? Float32Array.from(pred.data) : null;
  for (let c = 0; c < nClasses; c++) {
    const pc = pred.data.subarray(c * n, (c + 1) * n);
    const gc = gt.data.subarray(c * n, (c + 1) * n);
    let sp = 0, sg = 0;
    for (let v = 0; v < n; v++) { sp += pc[v]; sg += gc[v]; }
    const volPred = sp * voxelVolume, volGt = sg * voxelVolume;
    const rvd = volGt === 0 ? NaN : (volGt - volPred) / volGt;
    row[`vol_pred_class${c}`] = volPred;
    row[`vol_gt_class${c}`] = volGt;
    row[`rvd_class${c}`] = rvd;
    row[`avd_class${c}`] = Math.abs(rvd);
    row[`dice_class${c}`] = diceScore(gc, pc);
    row[`recall_class${c}`] = recallScore(pc, gc, NaN);
    row[`precision_class${c}`] = precisionScore(pc, gc, NaN);
    row[`specificity_class${c}`] = specificityScore(pc, gc, NaN);

    const pl = labelComponents(pc, dims, 18), gl = labelComponents(gc, dims, 18);
    row[`n_pred_class${c}`] = pl.count;
    row[`n_gt_class${c}`] = gl.count;

    // Overlaps, in one pass: voxels of each GT object where the prediction is non-zero, voxels of
    // each predicted object where the GT is non-zero, and the largest GT label under each predicted
    // object (ivadomed's np.max(pred_obj * gt_label)).
    const gtOverlap = new Int32Array(gl.count + 1), predOverlap = new Int32Array(pl.count + 1), maxGtUnder = new Int32Array(pl.count + 1);
    let gtBackground = 0;
    for (let v = 0; v < n; v++) {
      const a = gl.labels[v], b = pl.labels[v];
      if (a === 0) gtBackground++;
      if (a && pc[v] !== 0) gtOverlap[a]++;
      if (b) {
        if (gc[v] !== 0) predOverlap[b]++;
        if (a > maxGtUnder[b]) maxGtUnder[b] = a;
      }
    }
    const gtThr = (l: number) => (overlapVox ?? npRound(gl.sizes[l] * overlap.thr));
    const predThr = (l: number) => {
      if (overlapVox !== null) return overlapVox;
      const lg = maxGtUnder[l];
      return npRound((lg ? gl.sizes[lg] : gtBackground) * overlap.thr);
    };
    const gtIsTp = (l: number) => gtOverlap[l] >= gtThr(l);
    const predIsFp = (l: number) => predOverlap[l] < predThr(l);
    const gtBin = bins ? binOfObjects(gl.sizes, bins) : null;
    const predBin = bins ? binOfObjects(pl.sizes, bins) : null;
    /** LTPR / LFDR over the objects of one bin (null: all objects). */
    const lesionRates = (bin: number | null) => {
      let ltp = 0, lfn = 0, nObj = 0, lfp = 0;
      for (let l = 1; l <= gl.count; l++) {
        if (bin !== null && gtBin![l] !== bin) continue;
        if (gtIsTp(l)) ltp++; else lfn++;
        nObj++;
      }
      for (let l = 1; l <= pl.count; l++) {
        if (bin !== null && predBin![l] !== bin) continue;
        if (predIsFp(l)) lfp++;
      }
      const ltpr = ltp + lfn === 0 || nObj === 0 ? NaN : ltp / (ltp + lfn);
      // ivadomed 2.9: LFDR is NaN only on a zero denominator (older versions also required a GT object).
      const lfdr = ltp + lfp === 0 ? NaN : lfp / (ltp + lfp);
      return { ltpr, lfdr, nObj };
    };
    const all = lesionRates(null);
    row[`ltpr_class${c}`] = objectMetrics ? all.ltpr : NaN;
    row[`lfdr_class${c}`] = objectMetrics ? all.lfdr : NaN;
    row[`mse_class${c}`] = mseIvadomed(gc, pc, [dims[0], dims[1]]);
    if (bins && objectMetrics) {
      const present = (labelBins: Int32Array, count: number) => {
        const s = new Set<number>();
        for (let l = 1; l <= count; l++) if (labelBins[l]) s.add(labelBins[l]);
        return [...s].sort((a, b) => a - b);
      };
      for (const b of present(gtBin!, gl.count)) {
        const r = lesionRates(b);
        row[`ltpr${bins[b - 1].suffix}_class${c}`] = r.ltpr;
        row[`n${bins[b - 1].suffix}`] = r.nObj;
      }
      for (const b of present(predBin!, pl.count)) {
        row[`lfdr${bins[b - 1].suffix}_class${c}`] = lesionRates(b).lfdr;
      }
    }
    if (painted) {
      const pt = painted.subarray(c * n, (c + 1) * n);
      for (let v = 0; v < n; v++) {
        const b = pl.labels[v], a = gl.labels[v];
        if (b) pt[v] = predIsFp(b) ? FP_COLOUR : TP_COLOUR;
        else if (a && !gtIsTp(a)) pt[v] = FN_COLOUR;
      }
    }
    if (geometric) {
      const d = surfaceDistances(pc, gc, dims, [pred.spacing[0], pred.spacing[1], pred.spacing[2]]);
      row[`hd_class${c}`] = hausdorffFromDistances(d);
      row[`hd${hdPercentile}_class${c}`] = hausdorffFromDistances(d, { percentile: hdPercentile });
      row[`assd_class${c}`] = averageSurfaceDistanceFromDistances(d, true);
      row[`nsd_class${c}`] = surfaceDiceFromDistances(d, tolerance);
    }
  }
  return { row, painted };
}
