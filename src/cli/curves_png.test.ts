/** training_curves.png: tick choice, the value-to-pixel mapping, and pixels where the curves must be. */
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../train/events';
import type { ThresholdCurve } from '../eval/index';
import { CURVE_COLOURS, CURVES_SIZE, curvesRange, niceTicks, PLOT, rasterizeCurves, renderCurvesPng, renderThresholdPng, toPixel } from './curves_png';

function rec(epoch: number, train: number, val: number, dice: number | null): EpochRecord {
  return {
    epoch, lr: 0.01, train_loss: train, train_dice_loss: train, val_loss: val, val_dice_loss: val, metrics: { dice_score: dice },
    train_seconds: 1, val_seconds: 1, best: false, patience_count: 0,
  };
}

const history = [rec(1, -0.5, -0.2, 0.3), rec(2, -0.7, -0.5, 0.6), rec(3, -0.9, -0.8, 0.95)];

function pixel(img: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

describe('curves axes', () => {
  it('niceTicks steps by 1, 2 or 5 times a power of ten', () => {
    const t = niceTicks(0, 1);
    expect(t.length).toBe(6);
    t.forEach((v, i) => expect(v).toBeCloseTo(i * 0.2, 12));
    expect(niceTicks(-0.9, 1)).toEqual([-0.5, 0, 0.5, 1]);
    expect(niceTicks(1, 12, 10)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('the y range covers every value, rounded out to ticks; x spans the epochs', () => {
    // values in [-0.9, 0.95], 0 and 1 included -> ticks of 0.5 -> [-1, 1]
    expect(curvesRange(history)).toEqual({ yMin: -1, yMax: 1, xMin: 1, xMax: 3 });
    expect(toPixel(curvesRange(history), 1, 1)).toEqual([PLOT.left, PLOT.top]);
    expect(toPixel(curvesRange(history), 3, -1)).toEqual([PLOT.right, PLOT.bottom]);
    // one epoch: x still spans one unit
    expect(curvesRange([rec(1, 0.2, 0.3, null)])).toMatchObject({ xMin: 1, xMax: 2, yMin: 0, yMax: 1 });
  });
});

describe('rasterizeCurves / renderCurvesPng', () => {
  const img = rasterizeCurves(history);
  const range = curvesRange(history);

  it('draws each series in its colour at its points, axes in black, legend swatches', () => {
    const at = (epoch: number, v: number) => toPixel(range, epoch, v);
    // Markers are 4x4 squares whose top-left is 2 px up-left of the point: (x-1, y-1) is inside.
    const [x2, yDice] = at(2, 0.6);
    expect(pixel(img, x2 - 1, yDice - 1)).toEqual([...CURVE_COLOURS.dice]);
    const [, yVal] = at(2, -0.5);
    expect(pixel(img, x2 - 1, yVal - 1)).toEqual([...CURVE_COLOURS.val_loss]);
    const [x3, yTrain] = at(3, -0.9);
    expect(pixel(img, x3 - 1, yTrain - 1)).toEqual([...CURVE_COLOURS.train_loss]);
    // Halfway between epochs 1 and 2 the Dice line passes through 0.45.
    const [xm, ym] = at(1.5, 0.45);
    const near = [-1, 0, 1].some((d) => pixel(img, xm, ym + d).join() === CURVE_COLOURS.dice.join());
    expect(near).toBe(true);
    // y axis (value 0 row, no curve there) and the background far from everything.
    expect(pixel(img, PLOT.left, at(1, 0)[1])).toEqual([0, 0, 0]);
    expect(pixel(img, 3, CURVES_SIZE.height - 3)).toEqual([255, 255, 255]);
    expect(pixel(img, PLOT.left + 3, 15)).toEqual([...CURVE_COLOURS.train_loss]);
  });

  it('encodes a valid RGBA PNG of the same pixels', () => {
    const png = decode(renderCurvesPng(history));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([CURVES_SIZE.width, CURVES_SIZE.height, 4, 8]);
    expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(img.data))).toBe(true);
  });

  it('copes with no epoch and with missing Dice values', () => {
    expect(rasterizeCurves([]).data.length).toBe(CURVES_SIZE.width * CURVES_SIZE.height * 4);
    const gaps = rasterizeCurves([rec(1, 0.5, 0.4, null), rec(2, 0.3, Number.NaN, null)]);
    const r = curvesRange([rec(1, 0.5, 0.4, null)]);
    const [x, y] = toPixel({ ...r, xMax: 2 }, 1, 0.5);
    expect(pixel(gaps, x - 1, y - 1)).toEqual([...CURVE_COLOURS.train_loss]);
  });
});

describe('renderThresholdPng (-t)', () => {
  it('plots Dice, recall and specificity against the threshold and boxes the chosen threshold', () => {
    const curve: ThresholdCurve = {
      metric: 'dice', thresholds: [0.25, 0.5, 0.75],
      dice: [0.4, 0.8, 0.6], recall: [0.9, 0.7, 0.3], specificity: [0.2, 0.6, 0.95], fpr: [0.8, 0.4, 0.05],
      criterion: [0.4, 0.8, 0.6], optimalIndex: 1, optimalThreshold: 0.5,
    };
    const png = decode(renderThresholdPng(curve));
    const img = { width: png.width, data: png.data as Uint8Array };
    const range = { xMin: 0, xMax: 1, yMin: 0, yMax: 1 };
    const [xr, yr] = toPixel(range, 0.75, 0.3);
    expect(pixel(img, xr - 1, yr - 1)).toEqual([...CURVE_COLOURS.train_loss]);   // recall marker
    const [xs, ys] = toPixel(range, 0.25, 0.2);
    expect(pixel(img, xs - 1, ys - 1)).toEqual([...CURVE_COLOURS.val_loss]);     // specificity marker
    const [xd, yd] = toPixel(range, 0.5, 0.8);
    expect(pixel(img, xd - 1, yd - 1)).toEqual([...CURVE_COLOURS.dice]);         // Dice at the optimum
    expect(pixel(img, xd - 6, yd)).toEqual([0, 0, 0]);                           // the box around it
    expect(pixel(img, xd + 6, yd - 6)).toEqual([0, 0, 0]);
    expect(pixel(img, xd + 9, yd - 9)).toEqual([255, 255, 255]);
  });
});
