/**
 * Early stopping on hand-worked loss sequences: the relative-percent criterion, the consecutive
 * count (reset on improvement) versus ivadomed's cumulative count (#867), best-model tracking,
 * and state()/load().
 */
import { describe, expect, it } from 'vitest';
import { EarlyStopping, relativeImprovementPercent, type EarlyStoppingUpdate } from './early_stopping';

function run(es: EarlyStopping, losses: number[]): EarlyStoppingUpdate[] {
  return losses.map((l) => es.update(l));
}

/** ivadomed's training.py loop (INVENTORY §g): count never reset; returns the 1-based epoch it stops at, or null. */
function ivadomedStopEpoch(losses: number[], patience: number, epsilon: number): number | null {
  let count = 0;
  for (let epoch = 2; epoch <= losses.length; epoch++) {
    const valDiff = ((losses[epoch - 2] - losses[epoch - 1]) * 100) / Math.abs(losses[epoch - 1]);
    if (valDiff < epsilon) count += 1;
    if (count >= patience) return epoch;
  }
  return null;
}

describe('EarlyStopping', () => {
  // patience 2, epsilon 1 (%). val_diff = (prev - cur) * 100 / |cur|:
  //   e1 1.0   -> no previous epoch                              count 0
  //   e2 0.9   -> 0.1   * 100 / 0.9   = 11.11 %  >= 1: improving  count 0
  //   e3 0.895 -> 0.005 * 100 / 0.895 =  0.559 % <  1             count 1
  //   e4 0.85  -> 0.045 * 100 / 0.85  =  5.29 %  >= 1: reset      count 0
  //   e5 0.849 -> 0.001 * 100 / 0.849 =  0.118 % <  1             count 1
  //   e6 0.848 -> 0.001 * 100 / 0.848 =  0.118 % <  1             count 2 -> stop
  // ivadomed never resets: its count is 1, 1, 2 at e3, e4, e5 and it stops at e5.
  const losses = [1.0, 0.9, 0.895, 0.85, 0.849, 0.848];

  it('counts consecutive non-improving epochs and resets on an improvement', () => {
    const out = run(new EarlyStopping({ patience: 2, epsilon: 1 }), losses);
    expect(out.map((u) => u.patienceCount)).toEqual([0, 0, 1, 0, 1, 2]);
    expect(out.map((u) => u.stop)).toEqual([false, false, false, false, false, true]);
    expect(out.every((u) => u.improvedBest)).toBe(true);
  });

  it('differs from ivadomed, which stops one epoch earlier on the same sequence (cumulative count)', () => {
    expect(ivadomedStopEpoch(losses, 2, 1)).toBe(5);
    const stopAt = run(new EarlyStopping({ patience: 2, epsilon: 1 }), losses).findIndex((u) => u.stop) + 1;
    expect(stopAt).toBe(6);
    // Longer: alternating small and large improvements. ivadomed stops at the 3rd small one (e6);
    // consecutively there are never 2 small ones in a row, so training goes on.
    const alternating = [1.0, 0.999, 0.9, 0.899, 0.8, 0.799, 0.7, 0.699, 0.6];
    expect(ivadomedStopEpoch(alternating, 3, 1)).toBe(6);
    const ours = run(new EarlyStopping({ patience: 3, epsilon: 1 }), alternating);
    expect(ours.map((u) => u.patienceCount)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(ours.some((u) => u.stop)).toBe(false);
  });

  it('improvedBest is "below every earlier loss", independent of the patience count', () => {
    // patience 3, epsilon 1:
    //   e1 0.5  best                                                   count 0
    //   e2 0.6  (0.5 - 0.6) * 100 / 0.6 = -16.7 %: not improving        count 1
    //   e3 0.55 (0.6 - 0.55) * 100 / 0.55 = 9.09 %: improving, reset    count 0, but 0.55 > best 0.5
    //   e4 0.45 (0.55 - 0.45) * 100 / 0.45 = 22.2 %                      count 0, new best
    const es = new EarlyStopping({ patience: 3, epsilon: 1 });
    const out = run(es, [0.5, 0.6, 0.55, 0.45]);
    expect(out.map((u) => u.improvedBest)).toEqual([true, false, false, true]);
    expect(out.map((u) => u.patienceCount)).toEqual([0, 1, 0, 0]);
    expect(es.bestLoss()).toBe(0.45);
  });

  it('uses the relative (percent) difference, not the absolute one', () => {
    // Default epsilon 0.001: 0.01 -> 0.00999 is an absolute change of 1e-5 (< 0.001, "no improvement"
    // by the documented absolute rule) but 1e-5 * 100 / 0.00999 = 0.1001 % >= 0.001 %: improving.
    expect(relativeImprovementPercent(0.01, 0.00999)).toBeCloseTo(0.1001001, 6);
    expect(run(new EarlyStopping({ patience: 1, epsilon: 0.001 }), [0.01, 0.00999]).map((u) => u.stop)).toEqual([false, false]);
    // 100 -> 99.9999: absolute 1e-4 but 1e-4 * 100 / 99.9999 = 1.0e-4 % < 0.001 %: not improving.
    expect(run(new EarlyStopping({ patience: 1, epsilon: 0.001 }), [100, 99.9999]).map((u) => u.stop)).toEqual([false, true]);
  });

  it('handles negative losses (ivadomed DiceLoss is -Dice) and a zero loss', () => {
    // -0.5 -> -0.6: (-0.5 + 0.6) * 100 / 0.6 = 16.7 %: improving. -0.6 -> -0.59: -1.69 %: not.
    expect(relativeImprovementPercent(-0.5, -0.6)).toBeCloseTo(16.6667, 3);
    expect(run(new EarlyStopping({ patience: 1, epsilon: 1 }), [-0.5, -0.6, -0.59]).map((u) => [u.improvedBest, u.stop])).toEqual([
      [true, false], [true, false], [false, true],
    ]);
    // cur = 0: +Infinity after a positive loss (improving); 0 after 0 is NaN (not improving).
    expect(run(new EarlyStopping({ patience: 1, epsilon: 1 }), [0.2, 0, 0]).map((u) => u.patienceCount)).toEqual([0, 0, 1]);
  });

  it('a NaN loss counts as not improving and is not the reference for the next epoch', () => {
    const out = run(new EarlyStopping({ patience: 3, epsilon: 1 }), [1.0, NaN, 0.5, 0.499]);
    // e2 NaN: count 1; e3 compared with e1: 50 / 0.5 = 100 %: reset; e4: 0.2 %: count 1.
    expect(out.map((u) => u.patienceCount)).toEqual([0, 1, 0, 1]);
    expect(out.map((u) => u.improvedBest)).toEqual([true, false, true, true]);
  });

  it('state()/load() resumes identically (JSON round trip)', () => {
    const a = new EarlyStopping({ patience: 2, epsilon: 1 });
    run(a, losses.slice(0, 3));
    const saved = JSON.parse(JSON.stringify(a.state()));
    expect(saved).toEqual({ epochs: 3, best: 0.895, previous: 0.895, patienceCount: 1 });
    const b = new EarlyStopping({ patience: 2, epsilon: 1 });
    b.load(saved);
    expect(run(b, losses.slice(3))).toEqual(run(a, losses.slice(3)));
    expect(() => b.load({ ...saved, best: 'x' })).toThrow(/EarlyStopping.load: invalid state/);
  });

  it('rejects invalid options with the config key name', () => {
    expect(() => new EarlyStopping({ patience: 0, epsilon: 1 })).toThrow(/early_stopping_patience must be an integer >= 1, got 0/);
    expect(() => new EarlyStopping({ patience: 2, epsilon: -1 })).toThrow(/early_stopping_epsilon must be a finite number >= 0/);
  });
});
