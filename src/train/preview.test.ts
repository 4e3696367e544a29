/**
 * The validation preview: slices cut with the right orientation, subsampled large slices, the
 * slice's Dice worked out by hand, and the tracker choosing the item with the most foreground once
 * and following it in later epochs.
 */
import { describe, expect, it } from 'vitest';
import type { ItemMetadata } from '../data/index';
import { extractPreview, foregroundOf, PREVIEW_MAX_SIDE, previewSliceIndex, PreviewTracker, type BatchArray } from './preview';

function meta(subject: string, sliceIndex?: number): ItemMetadata {
  return { subject, filenames: [], contrasts: [], entry: 0, sliceIndex, preprocessedShape: [], shapeHWD: [1, 1, 1], sliceAxis: 2, zooms: [1, 1] } as unknown as ItemMetadata;
}

function arr(shape: number[], f: (i: number) => number): BatchArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => f(i)), shape };
}

describe('extractPreview', () => {
  it('2D: first axis left to right, second bottom to top; Dice at 0.5 by hand', () => {
    // One item, A=3 (x), B=2 (y): value = 10*x + y.
    const input = arr([1, 1, 3, 2], (i) => 10 * Math.floor(i / 2) + (i % 2));
    // gt: (x=0,y=0), (x=1,y=0); pred >= 0.5 at (x=1,y=0), (x=2,y=1).
    const gt = arr([1, 1, 3, 2], (i) => (i === 0 || i === 2 ? 1 : 0));
    const pred = arr([1, 1, 3, 2], (i) => (i === 2 ? 0.9 : i === 5 ? 0.5 : 0.2));
    const p = extractPreview(input, gt, pred, 0, 0, 4, meta('sub-01', 7));
    expect([p.width, p.height, p.stride, p.classes, p.epoch]).toEqual([3, 2, 1, 1, 4]);
    // Top row is y=1, bottom row y=0.
    expect([...p.image]).toEqual([1, 11, 21, 0, 10, 20]);
    expect([...p.gt!]).toEqual([0, 0, 0, 1, 1, 0]);
    expect([...p.pred]).toEqual([0.2, 0.2, 0.5, 0.2, 0.9, 0.2].map(Math.fround));
    // |P|=2, |G|=2, |P∩G|=1 → 2·1/4.
    expect(p.dice).toBeCloseTo(0.5, 12);
    expect(p.label).toBe('sub-01, slice 7');
  });

  it('takes item n and channel 0 of a batch; multi-class predictions show class 0', () => {
    const input = arr([2, 2, 2, 2], (i) => i);
    const pred = arr([2, 3, 2, 2], (i) => (i >= 12 && i < 16 ? 1 : 0));  // item 1, class 0 all ones
    const p = extractPreview(input, null, pred, 1, 0, 1, meta('sub-02'));
    // Item 1 channel 0 starts at 8: (x0,y0)=8 (x0,y1)=9 (x1,y0)=10 (x1,y1)=11.
    expect([...p.image]).toEqual([9, 11, 8, 10]);
    expect([...p.pred]).toEqual([1, 1, 1, 1]);
    expect(p.gt).toBeNull();
    expect(p.dice).toBeNull();
    expect(p.classes).toBe(3);
  });

  it('3D: the slice of the last axis with the most foreground', () => {
    // [1,1,2,2,3]: foreground only in slice k=2 (3 voxels) and k=0 (1 voxel).
    const gt = arr([1, 1, 2, 2, 3], (i) => ((i % 3 === 2 && i !== 11) || i === 0 ? 1 : 0));
    expect(previewSliceIndex(gt, 0, [2, 2, 3])).toBe(2);
    expect(previewSliceIndex(null, 0, [2, 2, 3])).toBe(1);
    const input = arr([1, 1, 2, 2, 3], (i) => i);
    const p = extractPreview(input, gt, arr([1, 1, 2, 2, 3], () => 0), 0, 2, 1, meta('sub-03'));
    // (x,y,k=2): (0,0)=2 (0,1)=5 (1,0)=8 (1,1)=11.
    expect([...p.image]).toEqual([5, 11, 2, 8]);
    expect([...p.gt!]).toEqual([1, 0, 1, 1]);
    expect(p.dice).toBe(0);
    expect(p.label).toBe('sub-03, slice 2 of the last axis');
  });

  it('subsamples slices larger than PREVIEW_MAX_SIDE with a whole-number stride', () => {
    const a = PREVIEW_MAX_SIDE * 2 + 1;
    const input = arr([1, 1, a, 4], (i) => Math.floor(i / 4));  // value = x
    const p = extractPreview(input, null, arr([1, 1, a, 4], () => 0), 0, 0, 1, meta('sub-04'));
    expect(p.stride).toBe(3);
    expect(p.width).toBe(Math.ceil(a / 3));
    expect(p.height).toBe(2);
    expect(p.image[1]).toBe(3);
    expect(p.image[p.width - 1]).toBe(3 * (p.width - 1));
  });
});

describe('PreviewTracker', () => {
  it('chooses the item with the most foreground in the first validation and follows it afterwards', () => {
    const t = new PreviewTracker();
    const mk = (fg: number[], v: number) => ({
      input: arr([fg.length, 1, 2, 2], () => v),
      gt: arr([fg.length, 1, 2, 2], (i) => (i % 4 < fg[Math.floor(i / 4)] ? 1 : 0)),
      pred: arr([fg.length, 1, 2, 2], () => 0.7),
    });
    // Epoch 3 (first seen): batch 1 items 0,1 (fg 1, 2), batch 2 items 2,3 (fg 4, 4: the first of a tie wins).
    let b = mk([1, 2], 1);
    t.offer(3, [0, 1], [meta('a'), meta('b')], b.input, b.gt, b.pred);
    b = mk([4, 4], 2);
    t.offer(3, [2, 3], [meta('c'), meta('d')], b.input, b.gt, b.pred);
    expect(t.take(3)!.label).toBe('c');
    expect(foregroundOf(b.gt, 0)).toBe(4);
    expect(t.take(2)).toBeNull();
    // Epoch 4: item 2 comes in another batch, in another position; more foreground elsewhere does not switch.
    b = mk([4, 4], 5);
    t.offer(4, [3, 2], [meta('d'), meta('c')], b.input, b.gt, b.pred);
    const p = t.take(4)!;
    expect(p.label).toBe('c');
    expect([...p.image]).toEqual([5, 5, 5, 5]);
    expect(p.dice).toBeCloseTo(1, 12);
  });

  it('ignores classifiers (no image-shaped prediction)', () => {
    const t = new PreviewTracker();
    t.offer(1, [0], [meta('a')], arr([1, 1, 2, 2], () => 1), arr([1, 1], () => 1), arr([1, 2], () => 1));
    expect(t.take(1)).toBeNull();
  });
});
