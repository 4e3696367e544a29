import { describe, expect, it } from 'vitest';
import { thresholdAnalysis, thresholdList } from './threshold';

describe('threshold analysis (-t increment)', () => {
  it('thresholds are numpy arange(0, 1, inc)[1:]', () => {
    expect(thresholdList(0.25)).toEqual([0.25, 0.5, 0.75]);
    expect(thresholdList(0.1).length).toBe(9);
    expect(thresholdList(0.1)[2]).toBe(0.30000000000000004); // 3 * 0.1, as numpy
    expect(() => thresholdList(0)).toThrow(/increment/);
  });
  it('chooses the threshold maximising mean Dice, the largest one on ties', () => {
    // gt = [1, 1, 0, 0]; pred = [0.9, 0.6, 0.4, 0.1].
    // thr .25: [1,1,1,0] dice 4/5; thr .5: [1,1,0,0] dice 1; thr .75: [1,0,0,0] dice 2/3.
    const c = thresholdAnalysis([Float32Array.from([0.9, 0.6, 0.4, 0.1])], [Float32Array.from([1, 1, 0, 0])], { increment: 0.25 });
    expect(c.thresholds).toEqual([0.25, 0.5, 0.75]);
    expect(c.dice[0]).toBeCloseTo(0.8, 12);
    expect(c.dice[1]).toBe(1);
    expect(c.dice[2]).toBeCloseTo(2 / 3, 12);
    expect(c.optimalThreshold).toBe(0.5);
    // Tie: pred [0.9, 0.9, 0.1, 0.1] gives dice 1 at every threshold -> the largest (0.75).
    const t = thresholdAnalysis([Float32Array.from([0.9, 0.9, 0.1, 0.1])], [Float32Array.from([1, 1, 0, 0])], { increment: 0.25 });
    expect(t.optimalThreshold).toBe(0.75);
  });
  it('averages volumes with nanmean and binarises the ground truth at 0.5', () => {
    // volume 2 is empty in both -> dice NaN, ignored by nanmean.
    const c = thresholdAnalysis(
      [Float32Array.from([0.9, 0.6, 0.4, 0.1]), Float32Array.from([0, 0])],
      [Float32Array.from([0.7, 0.5, 0.2, 0]), Float32Array.from([0.3, 0])],
      { increment: 0.25 },
    );
    expect(c.dice[1]).toBe(1);
  });
  it('recall_specificity maximises Youden J = recall - (1 - specificity)', () => {
    // gt = [1, 1, 0, 0]; pred = [0.9, 0.3, 0.6, 0.1].
    // thr .25: [1,1,1,0] recall 1, spec 1/2 -> J 0.5; thr .5: [1,0,1,0] recall .5, spec .5 -> 0;
    // thr .75: [1,0,0,0] recall .5, spec 1 -> 0.5. Tie -> the largest, 0.75.
    const c = thresholdAnalysis([Float32Array.from([0.9, 0.3, 0.6, 0.1])], [Float32Array.from([1, 1, 0, 0])], { increment: 0.25, metric: 'recall_specificity' });
    expect(c.criterion.map((x) => x!)).toEqual([0.5, 0, 0.5]);
    expect(c.fpr).toEqual([0.5, 0.5, 0]);
    expect(c.optimalThreshold).toBe(0.75);
  });
  it('rejects mismatched inputs', () => {
    expect(() => thresholdAnalysis([Float32Array.from([1])], [])).toThrow(/as many ground truths/);
    expect(() => thresholdAnalysis([Float32Array.from([1])], [Float32Array.from([1, 0])])).toThrow(/volume 0/);
  });
});
