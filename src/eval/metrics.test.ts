import { describe, expect, it } from 'vitest';
import {
  accuracyScore, diceScore, hausdorffScoreIvadomed, intersectionOverUnion, MetricManager, mseIvadomed,
  multiClassDiceScore, nanMean, numericScore, precisionScore, recallScore, sampleMetrics, specificityScore,
} from './metrics';

const f = (a: number[]) => Float32Array.from(a);

describe('ivadomed per-sample metrics', () => {
  it('numeric_score follows its formula (ivadomed docstring example: FP is 0, not the 1.5 it states)', () => {
    const s = numericScore(f([0, 0.5, 1]), f([0, 1, 1]));
    expect(s.fp).toBe(0);
    // ivadomed docstring claims FP = 1.5 for this example, but its own formula Σp(1-g) gives 0;
    // FN = Σ(1-p)g = 0.5, TP = 1.5, TN = 1.
    expect(s.fn).toBe(0.5);
    expect(s.tp).toBe(1.5);
    expect(s.tn).toBe(1);
  });
  it('hand-worked binary phantom', () => {
    // pred 1 1 0 0 1, gt 1 0 1 0 1 -> TP 2, FP 1, FN 1, TN 1.
    const p = f([1, 1, 0, 0, 1]), g = f([1, 0, 1, 0, 1]);
    expect(diceScore(p, g)).toBeCloseTo(4 / 6, 12);
    expect(precisionScore(p, g)).toBeCloseTo(2 / 3, 12);
    expect(recallScore(p, g)).toBeCloseTo(2 / 3, 12);
    expect(specificityScore(p, g)).toBeCloseTo(1 / 2, 12);
    expect(intersectionOverUnion(p, g)).toBeCloseTo(2 / 4, 12);
    expect(accuracyScore(p, g)).toBeCloseTo(3 / 5, 12);
  });
  it('soft dice', () => {
    expect(diceScore(f([0.5, 0.5]), f([1, 0]))).toBeCloseTo((2 * 0.5) / 2, 12);
  });
  it('empty conventions: dice NaN when both empty, 0 when one is; others err_value 0', () => {
    const e = f([0, 0, 0]), g = f([0, 1, 0]);
    expect(diceScore(e, e)).toBeNaN();
    expect(diceScore(e, g)).toBe(0);
    expect(diceScore(g, e)).toBe(0);
    expect(precisionScore(e, g)).toBe(0); // TP+FP = 0
    expect(precisionScore(e, g, NaN)).toBeNaN();
    expect(recallScore(g, e)).toBe(0); // TP+FN = 0
    expect(intersectionOverUnion(e, e)).toBe(0);
    expect(specificityScore(f([1, 1]), f([1, 1]))).toBe(0); // TN+FP = 0
    expect(accuracyScore(e, e)).toBe(1);
  });
  it('multi_class_dice_score averages classes with empty_score 1', () => {
    // class 0: pred [1,0] gt [1,0] -> 1; class 1: both empty -> 1; class 2: pred [1,0] gt [0,1] -> 0.
    const p = f([1, 0, 0, 0, 1, 0]), g = f([1, 0, 0, 0, 0, 1]);
    expect(multiClassDiceScore(p, g, 3)).toBeCloseTo(2 / 3, 12);
    expect(() => multiClassDiceScore(p, g, 4)).toThrow(/4 classes/);
  });
  it('mse divides by the first two dims only', () => {
    // 2x2x2 arrays differing by 1 in two voxels -> 2 / (2*2) = 0.5.
    const a = new Float32Array(8), b = new Float32Array(8);
    b[0] = 1; b[7] = 1;
    expect(mseIvadomed(a, b, [2, 2])).toBe(0.5);
  });
  it('shape mismatch throws a clear error', () => {
    expect(() => diceScore(f([1]), f([1, 0]))).toThrow(/same shape/);
  });
});

describe('ivadomed hausdorff_score (non-geometric, reproduced)', () => {
  it('(C=1,H,W): mean over rows of the Euclidean distance between the row vectors', () => {
    // H=2, W=2: row 0 pred [1,0] gt [0,0] -> 1; row 1 pred [1,1] gt [0,0] -> sqrt 2.
    const p = f([1, 0, 1, 1]), g = f([0, 0, 0, 0]);
    expect(hausdorffScoreIvadomed(p, g, [1, 2, 2])).toBeCloseTo((1 + Math.SQRT2) / 2, 12);
  });
  it('(C=2,H=1,W=2): directed Hausdorff between sets of C points', () => {
    // points pred {(0,0),(3,4)}, gt {(0,0)} -> directed = 5.
    const p = f([0, 0, 3, 4]), g = f([0, 0, 0, 0]);
    expect(hausdorffScoreIvadomed(p, g, [2, 1, 2])).toBeCloseTo(5, 12);
  });
  it('4-D (C,H,D,W) is reshaped (not transposed) to (H, C*D, W)', () => {
    // C=1,H=2,D=1,W=1: reshape (2,1,1); one m: points {p0,p1} vs {g0,g1}.
    const p = f([0, 10]), g = f([0, 1]);
    // directed: point 0 -> min(|0-0|,|0-1|)=0; point 10 -> min(10, 9) = 9 -> 9.
    expect(hausdorffScoreIvadomed(p, g, [1, 2, 1, 1])).toBeCloseTo(9, 12);
  });
});

describe('MetricManager', () => {
  it('nanmean per metric, null when all NaN', () => {
    const m = new MetricManager();
    m.addSample({ dice_score: NaN, recall_score: 1 });
    m.addSample({ dice_score: NaN, recall_score: 0 });
    expect(m.getResults()).toEqual({ dice_score: null, recall_score: 0.5 });
    m.addSample({ dice_score: 0.5 });
    expect(m.getResults().dice_score).toBe(0.5);
    expect(m.numSamples).toBe(3);
    expect(nanMean([])).toBeNull();
  });
  it('sampleMetrics returns ivadomed metric names', () => {
    const r = sampleMetrics(f([1, 0, 1, 1]), f([1, 0, 1, 0]), [1, 2, 2]);
    expect(Object.keys(r).sort()).toEqual([
      'accuracy_score', 'dice_score', 'hausdorff_score', 'intersection_over_union', 'multi_class_dice_score',
      'precision_score', 'recall_score', 'specificity_score',
    ]);
    expect(r.dice_score).toBeCloseTo(0.8, 12);
  });
  it('addBatch splits [N, C, H, W] into samples', () => {
    const m = new MetricManager();
    // Two samples of shape (1, 1, 2): sample 0 perfect, sample 1 both empty (dice NaN).
    m.addBatch(f([1, 0, 0, 0]), f([1, 0, 0, 0]), [2, 1, 1, 2]);
    const r = m.getResults();
    expect(m.numSamples).toBe(2);
    expect(r.dice_score).toBe(1);
    expect(r.multi_class_dice_score).toBe(1);
    expect(r.hausdorff_score).toBe(0);
    expect(() => m.addBatch(f([1]), f([1]), [2, 1, 1, 2])).toThrow(/holds 4 values/);
  });
});
