/**
 * Curve data for the live chart, in uPlot's aligned-columns layout: one shared x column and one y
 * column per series, with null where a series has no point at that x (validation metrics come once
 * per epoch, training loss more often). Appending keeps x sorted and never rebuilds older columns.
 */

export interface CurveSeries {
  label: string;
  /** CSS colour. */
  color: string;
  /** Draw as dashed (e.g. validation). */
  dashed?: boolean;
  /** Which y axis: 'left' (default, e.g. loss) or 'right' (e.g. Dice in 0..1). */
  axis?: 'left' | 'right';
}

export interface CurveData {
  x: number[];
  /** ys[s][i] is series s at x[i]. */
  ys: (number | null)[][];
}

export function emptyCurves(seriesCount: number): CurveData {
  return { x: [], ys: Array.from({ length: seriesCount }, () => [] as (number | null)[]) };
}

/**
 * Adds y for series `s` at `x`, in place. A point at an existing x fills that row; an x beyond the last
 * appends a row (the usual case, O(1)); an x in the middle inserts a row (rare: out-of-order messages).
 * Non-finite y is stored as null (a gap) so one NaN loss does not break the axis range.
 */
export function appendPoint(data: CurveData, s: number, x: number, y: number): CurveData {
  if (s < 0 || s >= data.ys.length) throw new Error(`appendPoint: series ${s} does not exist (the chart has ${data.ys.length} series)`);
  const value = Number.isFinite(y) ? y : null;
  const n = data.x.length;
  if (n === 0 || x > data.x[n - 1]) {
    data.x.push(x);
    data.ys.forEach((col, i) => col.push(i === s ? value : null));
    return data;
  }
  // Binary search for x.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (data.x[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (data.x[lo] === x) {
    data.ys[s][lo] = value;
  } else {
    data.x.splice(lo, 0, x);
    data.ys.forEach((col, i) => col.splice(lo, 0, i === s ? value : null));
  }
  return data;
}

/** The last finite value of a series (for a "current value" label), or null. */
export function lastValue(data: CurveData, s: number): number | null {
  const col = data.ys[s];
  for (let i = col.length - 1; i >= 0; i--) if (col[i] != null) return col[i];
  return null;
}
