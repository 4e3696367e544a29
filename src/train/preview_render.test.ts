/** Validation preview pixels: percentile window, prediction blend, ground-truth outline, layer toggles. */
import { describe, expect, it } from 'vitest';
import type { ValidationPreview } from './preview';
import { GT_RGB, outline, PRED_ALPHA, PRED_RGB, previewPixels, quantile } from './preview_render';

function preview(over: Partial<ValidationPreview>): ValidationPreview {
  const width = 4, height = 4;
  return {
    epoch: 1, label: 'x', width, height, classes: 1, stride: 1, dice: null,
    image: Float32Array.from({ length: 16 }, (_, i) => i), gt: null, pred: new Float32Array(16), ...over,
  };
}

const px = (rgba: Uint8ClampedArray, i: number) => [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]];

describe('previewPixels', () => {
  it('windows the image to its 1st-99th percentile (nearest rank)', () => {
    expect(quantile([5, 1, 3, 2, 4], 0)).toBe(1);
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 1)).toBe(5);
    // 0..15: q(0.01) = 0, q(0.99) = value at rank round(0.99·15) = 15.
    const rgba = previewPixels(preview({}), { prediction: true, groundTruth: true });
    expect(px(rgba, 0)).toEqual([0, 0, 0, 255]);
    expect(px(rgba, 15)).toEqual([255, 255, 255, 255]);
    expect(px(rgba, 5)).toEqual([85, 85, 85, 255]);
    // One outlier does not wash out the rest: 200 values, one of 1e6.
    const image = Float32Array.from({ length: 200 }, (_, i) => (i === 7 ? 1e6 : i % 10));
    const wide = previewPixels(preview({ width: 20, height: 10, image, pred: new Float32Array(200) }), { prediction: true, groundTruth: true });
    expect(px(wide, 9)[0]).toBe(255);
    expect(px(wide, 5)[0]).toBeCloseTo((5 / 9) * 255, 0);
  });

  it('blends the prediction (>= 0.5) in red and can hide it', () => {
    const pred = new Float32Array(16);
    pred[0] = 0.5;
    pred[1] = 0.49;
    const on = previewPixels(preview({ pred }), { prediction: true, groundTruth: true });
    expect(px(on, 0).slice(0, 3)).toEqual(PRED_RGB.map((c) => Math.round(c * PRED_ALPHA)));
    expect(px(on, 1)).toEqual([17, 17, 17, 255]);  // 1·255/15, not blended
    const off = previewPixels(preview({ pred }), { prediction: false, groundTruth: true });
    expect(px(off, 0)).toEqual([0, 0, 0, 255]);
  });

  it('draws the outline of the ground truth (not its inside) in green, over the prediction', () => {
    // 4x4 mask with a 3x3 block at x 0..2, y 0..2: only (1,1) is inside.
    const gt = new Uint8Array(16);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) gt[y * 4 + x] = 1;
    expect([...outline(gt, 4, 4)]).toEqual([1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    const pred = new Float32Array(16).fill(1);
    const rgba = previewPixels(preview({ gt, pred }), { prediction: true, groundTruth: true });
    expect(px(rgba, 0).slice(0, 3)).toEqual([...GT_RGB]);
    expect(px(rgba, 5).slice(0, 3)).not.toEqual([...GT_RGB]);
    const hidden = previewPixels(preview({ gt, pred }), { prediction: true, groundTruth: false });
    expect(px(hidden, 0).slice(0, 3)).not.toEqual([...GT_RGB]);
  });
});
