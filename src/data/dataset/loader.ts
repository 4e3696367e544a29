/**
 * Epoch iteration over a SegmentationDataset: ivadomed's DataLoader with BalancedSampler or shuffle,
 * items stacked into [N, C, ...] batches (imed_collate). Items are read one at a time, so memory
 * holds one batch plus the volume cache.
 */
import type { DataRng } from '../rng';
import { batchIndices, epochOrder, stackBatch, type BalanceSamples } from '../sampler/sampler';
import type { SegmentationDataset } from './dataset';
import type { DatasetItem } from './types';

export interface Batch {
  /** [N, C, ...spatial] */
  input: { data: Float32Array; shape: number[] };
  /** [N, classes, ...spatial] (absent when the items carry no label) */
  gt: { data: Float32Array; shape: number[] } | null;
  items: DatasetItem[];
  indices: number[];
}

export interface LoaderOptions {
  batchSize: number;
  /** Shuffle each epoch (ignored when balancing). */
  shuffle?: boolean;
  /** training_parameters.balance_samples. */
  balanceSamples?: BalanceSamples | null;
  dropLast?: boolean;
}

/** Labels for BalancedSampler, computed once per dataset (they do not change between epochs). */
export async function balanceLabels(dataset: SegmentationDataset, type: string): Promise<(string | number | null)[]> {
  const out: (string | number | null)[] = [];
  for (let i = 0; i < dataset.length; i++) out.push(await dataset.balanceLabel(i, type));
  return out;
}

/** The batches of one epoch; `rng` drives the order and every augmentation. */
export async function* epochBatches(dataset: SegmentationDataset, options: LoaderOptions, rng: DataRng, labels?: (string | number | null)[] | null): AsyncGenerator<Batch> {
  let balance = labels ?? null;
  if (!balance && options.balanceSamples?.applied) balance = await balanceLabels(dataset, options.balanceSamples.type ?? 'gt');
  const order = epochOrder(dataset.length, { shuffle: options.shuffle, balanceLabels: balance }, rng);
  for (const indices of batchIndices(order, options.batchSize, options.dropLast)) {
    const items: DatasetItem[] = [];
    for (const i of indices) items.push(await dataset.getItem(i, rng));
    const withGt = items.every((it) => it.gt.length > 0);
    yield {
      input: stackBatch(items.map((it) => it.input)),
      gt: withGt ? stackBatch(items.map((it) => it.gt)) : null,
      items,
      indices,
    };
  }
}
