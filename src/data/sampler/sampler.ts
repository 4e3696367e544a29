/**
 * Sampling of dataset items for an epoch: ivadomed's BalancedSampler (balance_samples), seeded
 * shuffling (DataLoader shuffle=True) and batching.
 */
import type { DataRng } from '../rng';
import type { NdArray } from '../transforms/ndarray';

/** training_parameters.balance_samples. */
export interface BalanceSamples {
  applied: boolean;
  /** "gt": label = 1 when the first class of the item's label is non-empty; otherwise a metadata column. */
  type: string;
}

/** BalancedSampler's label of an item whose label arrays are known: 1 if gt[0] has a non-zero voxel. */
export function gtLabel(gt: readonly NdArray[]): 0 | 1 {
  const g = gt[0];
  if (!g) return 0;
  for (let i = 0; i < g.data.length; i++) if (g.data[i] !== 0) return 1;
  return 0;
}

/**
 * BalancedSampler: weight = 1 / count(label of the item); `n` indices drawn with replacement
 * (torch.multinomial(weights, n, replacement=True)), so every label is drawn equally often on average.
 */
export function balancedIndices(labels: readonly (string | number | null | undefined)[], rng: DataRng, n = labels.length): number[] {
  if (labels.length === 0) return [];
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(String(l), (counts.get(String(l)) ?? 0) + 1);
  const cumulative = new Float64Array(labels.length);
  let total = 0;
  labels.forEach((l, i) => { total += 1 / (counts.get(String(l)) as number); cumulative[i] = total; });
  const out: number[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const u = rng.random() * total;
    let lo = 0, hi = labels.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid; else lo = mid + 1;
    }
    out[k] = lo;
  }
  return out;
}

/** The item order of one epoch: balanced draws, a seeded shuffle, or the natural order. */
export function epochOrder(n: number, options: { shuffle?: boolean; balanceLabels?: readonly (string | number | null | undefined)[] | null }, rng: DataRng): number[] {
  if (options.balanceLabels) {
    if (options.balanceLabels.length !== n) throw new Error(`balance_samples: ${options.balanceLabels.length} labels for ${n} items.`);
    return balancedIndices(options.balanceLabels, rng, n);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  return options.shuffle ? rng.shuffle(order) : order;
}

/** Consecutive batches of indices (the last one may be short unless dropLast). */
export function batchIndices(order: readonly number[], batchSize: number, dropLast = false): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`training_parameters.batch_size must be a positive integer, got ${batchSize}.`);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const b = order.slice(i, i + batchSize);
    if (b.length < batchSize && dropLast) break;
    out.push(b);
  }
  return out;
}

/**
 * Stacks same-shaped arrays into one contiguous Float32Array [N, C, ...spatial] (imed_collate for
 * tensors); `items[n][c]` is channel c of item n.
 */
export function stackBatch(items: readonly (readonly NdArray[])[]): { data: Float32Array; shape: number[] } {
  if (items.length === 0) throw new Error('stackBatch: empty batch.');
  const c = items[0].length;
  const spatial = items[0][0]?.shape ?? [];
  const per = spatial.reduce((a, b) => a * b, 1);
  const data = new Float32Array(items.length * c * per);
  items.forEach((chs, n) => {
    if (chs.length !== c) throw new Error(`stackBatch: item ${n} has ${chs.length} channels, item 0 has ${c}.`);
    chs.forEach((a, k) => {
      if (a.shape.length !== spatial.length || a.shape.some((v, i) => v !== spatial[i])) {
        throw new Error(`stackBatch: item ${n} channel ${k} has shape [${a.shape.join(', ')}], item 0 has [${spatial.join(', ')}]; crop or resample to a common size (CenterCrop).`);
      }
      data.set(a.data, (n * c + k) * per);
    });
  });
  return { data, shape: [items.length, c, ...spatial] };
}
