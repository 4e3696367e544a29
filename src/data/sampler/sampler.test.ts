import { describe, expect, it } from 'vitest';
import { DataRng } from '../rng';
import { ndarray } from '../transforms/ndarray';
import { balancedIndices, batchIndices, epochOrder, gtLabel, stackBatch } from './index';

describe('BalancedSampler', () => {
  it('brings a 90/10 label mix to about 50/50', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const idx = balancedIndices(labels, new DataRng(1));
    expect(idx.length).toBe(1000);
    const pos = idx.filter((i) => labels[i] === 1).length / idx.length;
    expect(Math.abs(pos - 0.5)).toBeLessThan(0.06);
    // baseline difference was 80 points; now within a few
    expect(Math.abs(2 * pos - 1)).toBeLessThan(0.12);
  });

  it('balances a metadata column with three categories', () => {
    const labels = Array.from({ length: 600 }, (_, i) => (i < 400 ? 'a' : i < 550 ? 'b' : 'c'));
    const idx = balancedIndices(labels, new DataRng(2), 3000);
    for (const c of ['a', 'b', 'c']) expect(idx.filter((i) => labels[i] === c).length / 3000).toBeCloseTo(1 / 3, 1);
  });

  it('labels an item 1 when its first class is non-empty', () => {
    expect(gtLabel([ndarray([0, 0, 0, 0], [2, 2]), ndarray([1, 1, 1, 1], [2, 2])])).toBe(0);
    expect(gtLabel([ndarray([0, 0.2, 0, 0], [2, 2])])).toBe(1);
    expect(gtLabel([])).toBe(0);
  });
});

describe('epoch order and batches', () => {
  it('shuffles deterministically for a seed', () => {
    const a = epochOrder(20, { shuffle: true }, new DataRng(5));
    expect(a).toEqual(epochOrder(20, { shuffle: true }, new DataRng(5)));
    expect(a).not.toEqual(epochOrder(20, { shuffle: true }, new DataRng(6)));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(epochOrder(4, {}, new DataRng(1))).toEqual([0, 1, 2, 3]);
  });

  it('batches with a short last batch unless dropped', () => {
    expect(batchIndices([0, 1, 2, 3, 4], 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchIndices([0, 1, 2, 3, 4], 2, true)).toEqual([[0, 1], [2, 3]]);
    expect(() => batchIndices([0], 0)).toThrow(/batch_size must be a positive integer/);
  });

  it('stacks items to [N, C, H, W] and names a shape mismatch', () => {
    const a = ndarray([1, 2, 3, 4], [2, 2]);
    const b = ndarray([5, 6, 7, 8], [2, 2]);
    const s = stackBatch([[a, b], [b, a]]);
    expect(s.shape).toEqual([2, 2, 2, 2]);
    expect(Array.from(s.data.slice(4, 12))).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
    expect(() => stackBatch([[a], [ndarray([1, 2, 3], [3, 1])]])).toThrow(/item 1 channel 0 has shape \[3, 1\]/);
  });
});
