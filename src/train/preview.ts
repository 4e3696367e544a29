/**
 * The validation slice the Training tab shows each epoch: one validation item's image, ground truth
 * and prediction, cut to a 2D slice that a canvas can draw. The item is chosen once (in the first
 * validation of a run: the item whose first class has the most foreground) and kept, so the picture
 * changes only because the model does.
 *
 * Orientation: the slice's first axis runs left to right and its second bottom to top (how NiiVue
 * draws an axial slice of a RAS volume). Slices larger than PREVIEW_MAX_SIDE are subsampled with a
 * whole-number stride so the event stays small.
 */
import type { ItemMetadata } from '../data/index';

export const PREVIEW_MAX_SIDE = 256;

export interface ValidationPreview {
  epoch: number;
  /** "sub-03, slice 7" or "sub-03, patch at [0, 16, 0], slice 8 of the last axis". */
  label: string;
  width: number;
  height: number;
  /** Input channel 0, rows top to bottom, `width` values per row. */
  image: Float32Array;
  /** Ground truth of the first class (0/1; soft labels thresholded at 0.5), null without labels. */
  gt: Uint8Array | null;
  /** Predicted probability of the first class. */
  pred: Float32Array;
  /** Dice of this slice at threshold 0.5 (null when prediction and ground truth are both empty). */
  dice: number | null;
  /** How many classes the model predicts (only the first is drawn). */
  classes: number;
  /** Subsampling stride applied to both axes (1 = full resolution). */
  stride: number;
}

/** A batch-shaped array: data with [N, C, ...spatial]. */
export interface BatchArray {
  data: ArrayLike<number>;
  shape: number[];
}

/** The foreground of channel 0 of item `n` (sum of its values), used to choose the item. */
export function foregroundOf(gt: BatchArray, n: number): number {
  const per = gt.shape.slice(2).reduce((a, b) => a * b, 1);
  const start = n * gt.shape[1] * per;
  let s = 0;
  for (let i = start; i < start + per; i++) s += gt.data[i];
  return s;
}

/**
 * Which slice of the last spatial axis to show for a 3D item: the one with the most foreground in
 * channel 0 of the ground truth, the middle one without labels or foreground.
 */
export function previewSliceIndex(gt: BatchArray | null, n: number, spatial: number[]): number {
  if (spatial.length === 2) return 0;
  const [a, b, c] = spatial;
  let best = Math.floor(c / 2);
  if (!gt) return best;
  const base = n * gt.shape[1] * a * b * c;
  let bestSum = 0;
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < a * b; i++) s += gt.data[base + i * c + k];
    if (s > bestSum) {
      bestSum = s;
      best = k;
    }
  }
  return best;
}

/**
 * Cuts item `n` of a batch (input, ground truth, prediction; 2D [N,C,A,B] or 3D [N,C,A,B,D] with the
 * slice `slice` of the last axis) into a ValidationPreview.
 */
export function extractPreview(
  input: BatchArray, gt: BatchArray | null, pred: BatchArray, n: number, slice: number, epoch: number, meta: ItemMetadata,
): ValidationPreview {
  const spatial = input.shape.slice(2);
  if (spatial.length !== 2 && spatial.length !== 3) throw new Error(`A validation preview needs 2D or 3D items, got spatial shape ${JSON.stringify(spatial)}.`);
  const [a, b] = spatial;
  const depth = spatial.length === 3 ? spatial[2] : 1;
  const stride = Math.max(1, Math.ceil(Math.max(a, b) / PREVIEW_MAX_SIDE));
  const width = Math.ceil(a / stride);
  const height = Math.ceil(b / stride);
  const plane = a * b * depth;
  // Offset of (i, j) in channel 0 of item n of an array with `channels` channels.
  const at = (channels: number, i: number, j: number) => n * channels * plane + (i * b + j) * depth + (spatial.length === 3 ? slice : 0);
  const image = new Float32Array(width * height);
  const probs = new Float32Array(width * height);
  const mask = gt ? new Uint8Array(width * height) : null;
  let inter = 0;
  let sumP = 0;
  let sumG = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const i = x * stride;
      const j = y * stride;
      const o = (height - 1 - y) * width + x;  // second axis bottom to top
      image[o] = input.data[at(input.shape[1], i, j)];
      const p = pred.data[at(pred.shape[1], i, j)];
      probs[o] = p;
      const pb = p >= 0.5 ? 1 : 0;
      sumP += pb;
      if (mask && gt) {
        const g = gt.data[at(gt.shape[1], i, j)] >= 0.5 ? 1 : 0;
        mask[o] = g;
        sumG += g;
        inter += pb * g;
      }
    }
  }
  const parts = [meta.subject];
  if (meta.sliceIndex !== undefined) parts.push(`slice ${meta.sliceIndex}`);
  if (meta.patch) parts.push(`patch at [${meta.patch.start.join(', ')}]`);
  const where = parts.join(', ');
  return {
    epoch,
    label: spatial.length === 3 ? `${where}, slice ${slice} of the last axis` : where,
    width, height, image, gt: mask, pred: probs,
    dice: mask ? (sumP + sumG === 0 ? null : (2 * inter) / (sumP + sumG)) : null,
    classes: pred.shape[1],
    stride,
  };
}

/**
 * Follows one validation item across epochs: `offer` sees every validation batch (after its
 * prediction was read back) and `take` returns the preview of this epoch.
 */
export class PreviewTracker {
  /** The epoch whose validation chooses the item (the first one this tracker sees). */
  private choosingEpoch: number | null = null;
  /** Dataset index of the item shown. */
  private index: number | null = null;
  private slice = 0;
  private bestForeground = -1;
  private current: ValidationPreview | null = null;

  offer(epoch: number, indices: number[], metas: ItemMetadata[], input: BatchArray, gt: BatchArray | null, pred: BatchArray): void {
    if (pred.shape.length !== input.shape.length) return;  // classifiers: no image-shaped prediction
    this.choosingEpoch ??= epoch;
    const choosing = this.choosingEpoch === epoch;
    for (let n = 0; n < indices.length; n++) {
      if (choosing) {
        // Keep the item with the most foreground seen so far (the first one on ties).
        const fg = gt ? foregroundOf(gt, n) : 0;
        if (fg <= this.bestForeground) continue;
        this.bestForeground = fg;
        this.index = indices[n];
        this.slice = previewSliceIndex(gt, n, input.shape.slice(2));
      } else if (indices[n] !== this.index) {
        continue;
      }
      this.current = extractPreview(input, gt, pred, n, this.slice, epoch, metas[n]);
    }
  }

  /** The preview of `epoch`, or null when no batch of that epoch held the item. */
  take(epoch: number): ValidationPreview | null {
    return this.current?.epoch === epoch ? this.current : null;
  }
}

/**
 * Follows given validation items (dataset indices) across epochs, for the GIFs of `-g N`: each epoch
 * `take` returns the preview of every item seen in that epoch's validation, in the order given.
 * A 3D item's slice is chosen when it is first seen and kept.
 */
export class FixedPreviews {
  private readonly slices = new Map<number, number>();
  private readonly current = new Map<number, { preview: ValidationPreview; meta: ItemMetadata }>();

  constructor(readonly indices: readonly number[]) {}

  offer(epoch: number, indices: number[], metas: ItemMetadata[], input: BatchArray, gt: BatchArray | null, pred: BatchArray): void {
    if (pred.shape.length !== input.shape.length) return;
    indices.forEach((index, n) => {
      if (!this.indices.includes(index)) return;
      let slice = this.slices.get(index);
      if (slice === undefined) {
        slice = previewSliceIndex(gt, n, input.shape.slice(2));
        this.slices.set(index, slice);
      }
      this.current.set(index, { preview: extractPreview(input, gt, pred, n, slice, epoch, metas[n]), meta: metas[n] });
    });
  }

  /** The preview (and item metadata) of this epoch for every tracked item seen in it, in the order given. */
  take(epoch: number): { index: number; preview: ValidationPreview; meta: ItemMetadata }[] {
    return this.indices.flatMap((index) => {
      const c = this.current.get(index);
      return c && c.preview.epoch === epoch ? [{ index, ...c }] : [];
    });
  }
}
