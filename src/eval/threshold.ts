/**
 * Threshold analysis (ivadomed -t/--thr-increment, testing.threshold_analysis): binarise the soft
 * predictions of the validation (and training) volumes at thresholds arange(0, 1, increment)[1:],
 * compute per volume recall, dice and specificity (ivadomed defaults: dice NaN when both empty,
 * recall/specificity 0 on a zero denominator), average over volumes with nanmean, and pick
 *   metric "dice": the threshold maximising the mean Dice;
 *   metric "recall_specificity": the one maximising recall - (1 - specificity) (Youden's J, ROC).
 * Ties go to the LARGEST threshold reaching the maximum (np.max(np.where(diff == max))).
 * The ground truth is binarised at 0.5 first. Each volume is one sample (all classes together).
 */
import { diceScore, nanMean, recallScore, specificityScore } from './metrics';

export interface ThresholdCurve {
  metric: 'dice' | 'recall_specificity';
  thresholds: number[];
  /** Mean over volumes per threshold (null where every volume gave NaN). */
  dice: Array<number | null>;
  recall: Array<number | null>;
  specificity: Array<number | null>;
  /** 1 - specificity (the ROC x axis). */
  fpr: Array<number | null>;
  /** The criterion that was maximised, per threshold. */
  criterion: Array<number | null>;
  optimalIndex: number;
  optimalThreshold: number;
}

/** numpy.arange(0, 1, increment)[1:]. */
export function thresholdList(increment: number): number[] {
  if (!(increment > 0 && increment < 1)) throw new Error(`threshold analysis: the increment (-t) must be in (0, 1), got ${increment}`);
  const n = Math.ceil(1 / increment);
  const out: number[] = [];
  for (let i = 1; i < n; i++) out.push(i * increment);
  return out;
}

export function thresholdAnalysis(
  predictions: readonly ArrayLike<number>[], groundTruths: readonly ArrayLike<number>[],
  opts: { increment?: number; metric?: 'dice' | 'recall_specificity' } = {},
): ThresholdCurve {
  const metric = opts.metric ?? 'dice';
  if (metric !== 'dice' && metric !== 'recall_specificity') {
    throw new Error(`threshold analysis: metric must be "dice" or "recall_specificity", got ${JSON.stringify(metric)}`);
  }
  if (predictions.length === 0 || predictions.length !== groundTruths.length) {
    throw new Error(`threshold analysis: need as many ground truths as predictions (>= 1), got ${predictions.length} predictions and ${groundTruths.length} ground truths`);
  }
  const thresholds = thresholdList(opts.increment ?? 0.1);
  const gts = groundTruths.map((g, i) => {
    if (g.length !== predictions[i].length) throw new Error(`threshold analysis: volume ${i}: prediction has ${predictions[i].length} values, ground truth ${g.length}`);
    const b = new Float32Array(g.length);
    for (let v = 0; v < g.length; v++) b[v] = g[v] < 0.5 ? 0 : 1;
    return b;
  });
  const dice: Array<number | null> = [], recall: Array<number | null> = [], specificity: Array<number | null> = [];
  const bin = new Float32Array(Math.max(...predictions.map((p) => p.length)));
  for (const thr of thresholds) {
    const d: number[] = [], r: number[] = [], s: number[] = [];
    predictions.forEach((p, i) => {
      const b = bin.subarray(0, p.length);
      for (let v = 0; v < p.length; v++) b[v] = p[v] < thr ? 0 : 1;
      r.push(recallScore(b, gts[i]));
      d.push(diceScore(b, gts[i]));
      s.push(specificityScore(b, gts[i]));
    });
    dice.push(nanMean(d)); recall.push(nanMean(r)); specificity.push(nanMean(s));
  }
  const fpr = specificity.map((s) => (s === null ? null : 1 - s));
  const criterion = metric === 'dice' ? dice : recall.map((r, i) => (r === null || fpr[i] === null ? null : r - fpr[i]!));
  let best = -Infinity, optimalIndex = -1;
  criterion.forEach((c, i) => { if (c !== null && c >= best) { best = c; optimalIndex = i; } });
  if (optimalIndex < 0) throw new Error('threshold analysis: every threshold gave an undefined metric (are all ground truths and predictions empty?)');
  return { metric, thresholds, dice, recall, specificity, fpr, criterion, optimalIndex, optimalThreshold: thresholds[optimalIndex] };
}
