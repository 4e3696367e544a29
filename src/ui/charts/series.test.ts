import { describe, expect, it } from 'vitest';
import { appendPoint, emptyCurves, lastValue } from './series';

describe('curve data', () => {
  it('appends rows with nulls for the series without a point there', () => {
    const d = emptyCurves(2);
    appendPoint(d, 0, 1, 0.9);
    appendPoint(d, 0, 2, 0.7);
    appendPoint(d, 1, 2, 0.5); // validation at the same x fills the row
    appendPoint(d, 0, 3, 0.6);
    expect(d.x).toEqual([1, 2, 3]);
    expect(d.ys).toEqual([
      [0.9, 0.7, 0.6],
      [null, 0.5, null],
    ]);
  });
  it('inserts an out-of-order point in x order', () => {
    const d = emptyCurves(2);
    appendPoint(d, 0, 1, 1);
    appendPoint(d, 0, 4, 4);
    appendPoint(d, 1, 2, 20);
    expect(d.x).toEqual([1, 2, 4]);
    expect(d.ys).toEqual([
      [1, null, 4],
      [null, 20, null],
    ]);
  });
  it('stores non-finite values as gaps and reports the last finite one', () => {
    const d = emptyCurves(1);
    appendPoint(d, 0, 1, 0.3);
    appendPoint(d, 0, 2, Number.NaN);
    expect(d.ys[0]).toEqual([0.3, null]);
    expect(lastValue(d, 0)).toBe(0.3);
    expect(lastValue(emptyCurves(1), 0)).toBeNull();
  });
  it('names the missing series', () => {
    expect(() => appendPoint(emptyCurves(2), 2, 0, 1)).toThrow(/series 2 does not exist \(the chart has 2 series\)/);
  });
});
