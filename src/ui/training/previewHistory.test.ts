/** The validation-slice history: one entry per epoch, thinned evenly past the memory budget. */
import { describe, expect, it } from 'vitest';
import type { ValidationPreview } from '../../train/preview';
import { keepPreview } from './trainingStore';

const p = (epoch: number, side = 10): ValidationPreview => ({
  epoch, label: 'x', width: side, height: side, image: new Float32Array(side * side), pred: new Float32Array(side * side), gt: new Uint8Array(side * side),
  dice: null, classes: 1, stride: 1,
});

describe('keepPreview', () => {
  it('appends, replaces a repeated epoch, and keeps everything within the budget', () => {
    let h: ValidationPreview[] = [];
    for (const e of [1, 2, 3]) h = keepPreview(h, p(e));
    h = keepPreview(h, p(3));
    expect(h.map((x) => x.epoch)).toEqual([1, 2, 3]);
  });

  it('past the budget drops every other older epoch, keeping the first and the newest', () => {
    const bytes = 10 * 10 * 9;  // one preview: 2 float arrays + 1 byte array
    let h: ValidationPreview[] = [];
    for (let e = 1; e <= 9; e++) h = keepPreview(h, p(e), bytes * 8);
    // 9 > 8 previews: indices 0, 2, 4, 6 and the last (8) stay.
    expect(h.map((x) => x.epoch)).toEqual([1, 3, 5, 7, 9]);
    h = keepPreview(h, p(10), bytes * 8);
    expect(h.map((x) => x.epoch)).toEqual([1, 3, 5, 7, 9, 10]);
    expect(keepPreview([], p(1, 100), 1).map((x) => x.epoch)).toEqual([1]);
  });
});
