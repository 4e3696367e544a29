/**
 * ivadomed's per-sample metrics (ivadomed/metrics.py), used in validation, --test and the threshold
 * analysis. They work on soft or binary maps through "soft counts":
 *   TP = Σ p·g, FP = Σ p·(1-g), FN = Σ (1-p)·g, TN = Σ (1-p)·(1-g).
 * Empty cases follow ivadomed exactly:
 *   dice_score: Σp + Σg == 0 -> empty_score (NaN by default; 1.0 inside multi_class_dice_score);
 *   precision/recall/specificity/IoU/accuracy: zero denominator -> err_value (0.0 by default).
 * MetricManager averages each metric over samples with nanmean (null when every value is NaN).
 */

export interface SoftCounts { tp: number; fp: number; fn: number; tn: number }

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new Error(`${what}: shape mismatch, prediction has ${a.length} values and ground truth ${b.length}; they must have the same shape`);
  }
}

/** ivadomed numeric_score: soft TP/FP/FN/TN (float64 sums). */
export function numericScore(pred: ArrayLike<number>, gt: ArrayLike<number>): SoftCounts {
  checkSameLength(pred, gt, 'numericScore');
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i], g = gt[i];
    tp += p * g;
    fp += p * (1 - g);
    fn += (1 - p) * g;
    tn += (1 - p) * (1 - g);
  }
  return { tp, fp, fn, tn };
}

/** ivadomed dice_score(im1, im2, empty_score=NaN): 2Σ(ab)/(Σa+Σb). */
export function diceScore(a: ArrayLike<number>, b: ArrayLike<number>, emptyScore = NaN): number {
  checkSameLength(a, b, 'diceScore');
  let sa = 0, sb = 0, inter = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i]; sb += b[i]; inter += a[i] * b[i];
  }
  const sum = sa + sb;
  if (sum === 0) return emptyScore;
  return (2 * inter) / sum;
}

/**
 * ivadomed multi_class_dice_score: mean over the classes (first axis, i.e. nClasses contiguous
 * blocks) of dice_score with empty_score = 1.
 */
export function multiClassDiceScore(a: ArrayLike<number>, b: ArrayLike<number>, nClasses: number): number {
  checkSameLength(a, b, 'multiClassDiceScore');
  if (!(nClasses >= 1) || a.length % nClasses !== 0) {
    throw new Error(`multiClassDiceScore: ${a.length} values cannot be split into ${nClasses} classes`);
  }
  const per = a.length / nClasses;
  let total = 0;
  for (let c = 0; c < nClasses; c++) {
    total += diceScore(sub(a, c * per, per), sub(b, c * per, per), 1.0);
  }
  return total / nClasses;
}

function sub(a: ArrayLike<number>, start: number, len: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float32Array).subarray(start, start + len);
  return Array.prototype.slice.call(a, start, start + len) as number[];
}

export function precisionScore(pred: ArrayLike<number>, gt: ArrayLike<number>, errValue = 0.0): number {
  const { tp, fp } = numericScore(pred, gt);
  return tp + fp <= 0 ? errValue : tp / (tp + fp);
}

export function recallScore(pred: ArrayLike<number>, gt: ArrayLike<number>, errValue = 0.0): number {
  const { tp, fn } = numericScore(pred, gt);
  return tp + fn <= 0 ? errValue : tp / (tp + fn);
}

export function specificityScore(pred: ArrayLike<number>, gt: ArrayLike<number>, errValue = 0.0): number {
  const { tn, fp } = numericScore(pred, gt);
  return tn + fp <= 0 ? errValue : tn / (tn + fp);
}

export function intersectionOverUnion(pred: ArrayLike<number>, gt: ArrayLike<number>, errValue = 0.0): number {
  const { tp, fp, fn } = numericScore(pred, gt);
  return tp + fp + fn <= 0 ? errValue : tp / (tp + fp + fn);
}

export function accuracyScore(pred: ArrayLike<number>, gt: ArrayLike<number>, errValue = 0.0): number {
  const { tp, fp, fn, tn } = numericScore(pred, gt);
  const n = tp + fp + fn + tn;
  return n <= 0 ? errValue : (tp + tn) / n;
}

/**
 * ivadomed mse: Σ(a-b)² divided by shape[0]·shape[1] only (also for 3-D arrays, where it is not a
 * mean). `firstTwoDims` are the sizes of the first two axes of ivadomed's array (X and Y of a NIfTI
 * volume).
 */
export function mseIvadomed(a: ArrayLike<number>, b: ArrayLike<number>, firstTwoDims: readonly [number, number]): number {
  checkSameLength(a, b, 'mseIvadomed');
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return s / (firstTwoDims[0] * firstTwoDims[1]);
}

/** scipy.spatial.distance.directed_hausdorff(A, B)[0] for row-point sets read through accessors. */
function directedHausdorffRows(
  nA: number, nB: number, dim: number,
  a: (row: number, col: number) => number, b: (row: number, col: number) => number,
): number {
  let cmax = 0;
  for (let i = 0; i < nA; i++) {
    let cmin = Infinity;
    for (let j = 0; j < nB; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) { const t = a(i, k) - b(j, k); d += t * t; }
      if (d < cmin) cmin = d;
      if (cmin <= cmax) break; // early break as in scipy: cannot raise the max
    }
    if (cmin > cmax && cmin !== Infinity) cmax = cmin;
  }
  return Math.sqrt(cmax);
}

/**
 * ivadomed hausdorff_score, reproduced as it is (it is NOT a geometric Hausdorff distance): the
 * sample is a C-order array of `shape` (C,H,W) for 2-D models or (C,H,D,W) for 3-D ones. A 4-D
 * array is reshaped (not transposed) to (H, C·D, W); then for each index m of axis 1 the rows of
 * pred[:, m, :] and gt[:, m, :] are taken as point sets in W-dimensional space and their directed
 * Hausdorff distance is averaged over m. A 2-D array gives one directed_hausdorff call.
 * Use hausdorffDistance (surface.ts) for the real, spacing-aware distance.
 */
export function hausdorffScoreIvadomed(pred: ArrayLike<number>, gt: ArrayLike<number>, shape: readonly number[]): number {
  checkSameLength(pred, gt, 'hausdorffScoreIvadomed');
  const total = shape.reduce((x, y) => x * y, 1);
  if (total !== pred.length) throw new Error(`hausdorffScoreIvadomed: shape [${shape.join(', ')}] holds ${total} values, arrays have ${pred.length}`);
  let s: number[];
  if (shape.length === 4) {
    const [c, h, d, w] = shape;
    s = [h, c * d, w];
  } else s = [...shape];
  if (s.length === 2) {
    const [r, w] = s;
    return directedHausdorffRows(r, r, w, (i, k) => pred[i * w + k], (i, k) => gt[i * w + k]);
  }
  if (s.length !== 3) throw new Error(`hausdorffScoreIvadomed: expects a 2-D, 3-D or 4-D sample, got shape [${shape.join(', ')}]`);
  const [n0, n1, n2] = s;
  let acc = 0;
  for (let m = 0; m < n1; m++) {
    acc += directedHausdorffRows(n0, n0, n2,
      (i, k) => pred[(i * n1 + m) * n2 + k], (i, k) => gt[(i * n1 + m) * n2 + k]);
  }
  return acc / n1;
}

export type MetricName =
  | 'dice_score' | 'multi_class_dice_score' | 'precision_score' | 'recall_score'
  | 'specificity_score' | 'intersection_over_union' | 'accuracy_score' | 'hausdorff_score';

/**
 * The metrics ivadomed's get_metric_fns returns for one sample (C-order array of `shape`, classes
 * on the first axis). hausdorff_score is included when `withHausdorff` (segmentation task with
 * object_detection_metrics, ivadomed's default).
 */
export function sampleMetrics(
  pred: ArrayLike<number>, gt: ArrayLike<number>, shape: readonly number[], withHausdorff = true,
): Partial<Record<MetricName, number>> {
  const out: Partial<Record<MetricName, number>> = {
    dice_score: diceScore(pred, gt),
    multi_class_dice_score: multiClassDiceScore(pred, gt, shape[0]),
    precision_score: precisionScore(pred, gt),
    recall_score: recallScore(pred, gt),
    specificity_score: specificityScore(pred, gt),
    intersection_over_union: intersectionOverUnion(pred, gt),
    accuracy_score: accuracyScore(pred, gt),
  };
  if (withHausdorff) out.hausdorff_score = hausdorffScoreIvadomed(pred, gt, shape);
  return out;
}

/** ivadomed MetricManager: collects per-sample values, reports nanmean (null if all NaN). */
export class MetricManager {
  private readonly values = new Map<string, number[]>();
  numSamples = 0;

  addSample(metrics: Record<string, number | undefined>): void {
    this.numSamples++;
    for (const [k, v] of Object.entries(metrics)) {
      if (v === undefined) continue;
      let list = this.values.get(k);
      if (!list) this.values.set(k, (list = []));
      list.push(v);
    }
  }

  /**
   * ivadomed's MetricManager.__call__: a batch of N samples, C-order array of `shape` = [N, C, ...]
   * (NCHW / NCDHW as the engine's tensors); each sample gets ivadomed's metric functions.
   */
  addBatch(pred: ArrayLike<number>, gt: ArrayLike<number>, shape: readonly number[], withHausdorff = true): void {
    if (shape.length < 3) throw new Error(`MetricManager.addBatch: shape must be [N, C, ...spatial], got [${shape.join(', ')}]`);
    const total = shape.reduce((a, b) => a * b, 1);
    if (pred.length !== total || gt.length !== total) {
      throw new Error(`MetricManager.addBatch: shape [${shape.join(', ')}] holds ${total} values, prediction has ${pred.length} and ground truth ${gt.length}`);
    }
    const per = total / shape[0];
    for (let b = 0; b < shape[0]; b++) {
      this.addSample(sampleMetrics(sub(pred, b * per, per), sub(gt, b * per, per), shape.slice(1), withHausdorff));
    }
  }

  getResults(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [k, list] of this.values) out[k] = nanMean(list);
    return out;
  }

  reset(): void { this.values.clear(); this.numSamples = 0; }
}

/** numpy nanmean; null when there is no non-NaN value. */
export function nanMean(values: readonly number[]): number | null {
  let s = 0, n = 0;
  for (const v of values) if (!Number.isNaN(v)) { s += v; n++; }
  return n === 0 ? null : s / n;
}
