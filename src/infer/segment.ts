/**
 * Segmenting with a model: items through the model in batches on the current backend, and the
 * predictions put back on the image's native grid.
 *
 * - `BatchPredictor`: forwards [C, ...spatial] items in batches whose size is chosen from a GPU
 *   memory budget (the first forward runs one item and measures the engine's peak bytes; later
 *   batches hold budget / that many items, at most maxBatch). A volume is therefore never one
 *   giant dispatch: it goes through as slices, patches or windows.
 * - `predictEntry`: one dataset entry (a testing SegmentationDataset: 2D slices, 2D patches or 3D
 *   patches of length_3D/stride_3D) → per class a Volume in the image's own orientation and grid.
 *   VolumeAssembler undoes the per-item transforms, averages overlapping patches (ivadomed), undoes
 *   the preprocessing and reorients. With blend 'gaussian' (3D patches only) overlapping patches are
 *   weighted by a Gaussian importance map instead of averaged (MONAI / nnU-Net blending).
 * - Conditioned models (FiLM, HeMIS): `predictEntry` builds each item's input and condition with
 *   an InferenceConditioning (conditioning.ts); BatchPredictor turns the conditions of a batch into
 *   the forward's context tensor / indexesMod.
 * - `slidingWindowVolume`: a whole (preprocessed) volume through a 3D model window by window
 *   (planWindows: overlap, last window flush with the border, small images padded), blended with
 *   constant or Gaussian weights (WindowAccumulator).
 */
import {
  VolumeAssembler, type Compose, type DataRng, type DatasetItem, type NdArray, type SegmentationDataset, type Volume,
} from '../data/index';
import { getBackend, memory, noGrad, resetPeakMemory, scope, tensor } from '../engine/index';
import type { BuiltModel, ForwardExtras } from '../nn/models/index';
import { InferenceConditioning, type ItemCondition } from './conditioning';
import { importanceMap, WindowAccumulator, type BlendMode } from './blend';
import { extractWindow, planWindows, type Placement, type WindowPlan } from './window';

export interface BatchOptions {
  /** Most items per forward (default 8). */
  maxBatch?: number;
  /**
   * Bytes of GPU (or CPU-backend) memory one forward may reach at its peak (default 512 MiB). The
   * batch size is budget / (peak bytes of a one-item forward), clamped to [1, maxBatch].
   */
  memoryBudgetBytes?: number;
}

const DEFAULT_BUDGET = 512 * 1024 * 1024;

/** Batched, memory-budgeted forward passes of one model (no gradient). */
export class BatchPredictor {
  /** Peak bytes of a one-item forward, measured on the first call. */
  bytesPerItem: number | null = null;
  /** Largest peak seen (bytes above what was live before the forward). */
  peakBytes = 0;
  forwards = 0;
  private readonly maxBatch: number;
  private readonly budget: number;

  constructor(readonly model: BuiltModel, opts: BatchOptions = {}) {
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
    this.budget = opts.memoryBudgetBytes ?? DEFAULT_BUDGET;
  }

  /** Items per forward after the first (measured) one. */
  get batchSize(): number {
    if (this.bytesPerItem === null) return 1;
    return Math.max(1, Math.min(this.maxBatch, Math.floor(this.budget / Math.max(this.bytesPerItem, 1))));
  }

  /**
   * `inputs[i]` is one item, channel slowest ([C, ...spatial], C-order); returns one
   * [outputs, ...spatial] array per item. `conditions[i]`: item i's FiLM vector / HeMIS contrast
   * availability (required for FiLM models; HeMIS defaults to every contrast present).
   */
  async predict(inputs: readonly Float32Array[], itemShape: readonly number[], conditions?: readonly ItemCondition[]): Promise<Float32Array[]> {
    if (conditions && conditions.length !== inputs.length) throw new Error(`BatchPredictor: ${conditions.length} conditions for ${inputs.length} items`);
    const per = itemShape.reduce((a, b) => a * b, 1);
    const out: Float32Array[] = [];
    let i = 0;
    while (i < inputs.length) {
      const n = Math.min(this.batchSize, inputs.length - i);
      const batch = new Float32Array(n * per);
      for (let k = 0; k < n; k++) {
        const x = inputs[i + k];
        if (x.length !== per) throw new Error(`BatchPredictor: item ${i + k} has ${x.length} values, expected [${itemShape.join(', ')}] = ${per}`);
        batch.set(x, k * per);
      }
      const preds = await this.forward(batch, [n, ...itemShape], conditions?.slice(i, i + n));
      out.push(...preds);
      i += n;
    }
    return out;
  }

  /** The forward extras of a batch (tensors are created inside the forward's scope). */
  private extras(n: number, conditions: readonly ItemCondition[] | undefined): () => ForwardExtras {
    const m = this.model;
    if (m.conditioning === 'film') {
      const first = conditions?.[0]?.context;
      if (!first || conditions!.some((c) => c.context?.length !== first.length)) {
        throw new Error(`${m.name} needs every item's FiLM metadata vector (of one length): predict through runTest/runSegment, or pass conditions built with loadInferenceConditioning.`);
      }
      const ctx = new Float32Array(n * first.length);
      conditions!.forEach((c, k) => ctx.set(c.context!, k * first.length));
      return () => ({ context: tensor(ctx, [n, first.length]) });
    }
    if (m.conditioning === 'hemis' && conditions?.every((c) => c.present)) {
      const indexesMod = conditions.map((c) => c.present!.slice());
      return () => ({ indexesMod });
    }
    return () => ({});
  }

  /**
   * One batch [n, ...itemShape] through the model → one [outputs, ...spatial] array per item.
   * Protected so that another runtime can take the engine's place (src/infer/onnx_predictor.ts runs
   * the batches through ONNX Runtime); batching and assembly stay the same.
   */
  protected async forward(batch: Float32Array, shape: number[], conditions?: readonly ItemCondition[]): Promise<Float32Array[]> {
    const extras = this.extras(shape[0], conditions);
    const backend = getBackend();
    const before = memory(backend).liveBytes;
    resetPeakMemory(backend);
    const y = noGrad(() => scope(() => this.model.forward(tensor(batch, shape), extras())));
    let data: Float32Array;
    try {
      const spatial = shape.slice(2);
      const ys = y.shape;
      if (ys.length !== shape.length || ys[0] !== shape[0] || spatial.some((d, k) => d !== ys[k + 2])) {
        throw new Error(`${this.model.name} returned [${ys.join(', ')}] for an input [${shape.join(', ')}]: segmentation models must keep the spatial size (for Unet, sizes divisible by 2^depth; pad with CenterCrop).`);
      }
      const raw = await y.data();
      data = raw instanceof Float32Array ? raw : Float32Array.from(raw);
    } finally {
      y.dispose();
    }
    const peak = Math.max(0, memory(backend).peakBytes - before);
    this.peakBytes = Math.max(this.peakBytes, peak);
    if (this.forwards === 0) this.bytesPerItem = peak / shape[0];
    this.forwards++;
    const n = shape[0];
    const per = data.length / n;
    return Array.from({ length: n }, (_, k) => data.subarray(k * per, (k + 1) * per));
  }
}

/** Dataset item indices grouped by entry, in dataset order. */
export function itemsByEntry(dataset: SegmentationDataset): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < dataset.length; i++) {
    const e = dataset.itemRef(i).entry;
    const list = out.get(e) ?? [];
    list.push(i);
    out.set(e, list);
  }
  return out;
}

export interface PredictEntryOptions extends BatchOptions {
  /** Draws the random (TTA) transforms of each item; a fixed seed when absent. */
  rng: DataRng;
  /** 3D patches: 'constant' = ivadomed's average (default), 'gaussian' = Gaussian-weighted. */
  blend?: BlendMode;
  sigmaScale?: number;
  /** Reuse a predictor across entries (keeps its measured batch size). */
  predictor?: BatchPredictor;
  /** FiLM metadata / HeMIS slots of each item (loadInferenceConditioning); required for conditioned models. */
  conditioning?: InferenceConditioning;
  /** Called after each batch of items. */
  onProgress?: (done: number, total: number) => void;
}

function stackChannels(arrays: readonly NdArray[]): Float32Array {
  const per = arrays[0].data.length;
  const out = new Float32Array(per * arrays.length);
  arrays.forEach((a, c) => out.set(a.data, c * per));
  return out;
}

/**
 * Per class, the soft prediction of one entry on the grid and orientation of `image` (the entry's
 * first channel as read). `items` are the dataset indices of the entry (itemsByEntry).
 */
export async function predictEntry(
  model: BuiltModel, dataset: SegmentationDataset, items: readonly number[], compose: Compose, image: Volume, opts: PredictEntryOptions,
): Promise<Volume[]> {
  if (items.length === 0) throw new Error('predictEntry: the entry has no item (every slice filtered out?); nothing to predict');
  const predictor = opts.predictor ?? new BatchPredictor(model, opts);
  const conditioning = opts.conditioning ?? InferenceConditioning.plain(model);
  const gaussian = (opts.blend ?? 'constant') === 'gaussian';
  const assembler = new VolumeAssembler(compose);
  let weighted: { acc: WindowAccumulator; first: DatasetItem } | null = null;
  let done = 0;
  // Items are read and forwarded one batch at a time: memory holds one batch, not the volume's items.
  while (done < items.length) {
    const n = Math.min(predictor.batchSize, items.length - done);
    const batch: DatasetItem[] = [];
    for (let k = 0; k < n; k++) batch.push(await dataset.getItem(items[done + k], opts.rng));
    const spatial = batch[0].input[0].shape;
    const prepared = batch.map((it) => conditioning.prepare(it.input, it.meta));
    const preds = await predictor.predict(prepared.map((p) => p.data), [prepared[0].channels, ...spatial], prepared.map((p) => p.condition));
    const per = spatial.reduce((a, b) => a * b, 1);
    batch.forEach((item, k) => {
      const classes = Array.from({ length: preds[k].length / per }, (_, c) => ({ data: Float32Array.from(preds[k].subarray(c * per, (c + 1) * per)), shape: spatial.slice() }));
      if (gaussian && item.meta.patch && spatial.length === 3) {
        weighted ??= { acc: gaussianAccumulator(item, classes.length, opts.sigmaScale), first: item };
        const m = item.meta;
        const undone = classes.map((p) => compose.undo(p, m.applied.slice(m.preprocessingCount)));
        weighted.acc.add([...m.patch!.start].reverse(), stackChannels(undone));
      } else {
        assembler.add(item, classes);
      }
    });
    done += n;
    opts.onProgress?.(done, items.length);
  }
  if (weighted) {
    const { acc, first } = weighted as { acc: WindowAccumulator; first: DatasetItem };
    const result = acc.result();
    const shape = first.meta.preprocessedShape;
    const per = shape.reduce((a, b) => a * b, 1);
    const classes = Array.from({ length: acc.channels }, (_, c) => ({ data: result.subarray(c * per, (c + 1) * per), shape: shape.slice() }));
    // The blended volume is one "whole" item: only the preprocessing is left to undo.
    const pre = first.meta.applied.slice(0, first.meta.preprocessingCount);
    assembler.add({ ...first, meta: { ...first.meta, patch: undefined, sliceIndex: undefined, applied: pre, preprocessingCount: pre.length } }, classes);
  }
  return assembler.assembleNative(image);
}

/** A WindowAccumulator over the preprocessed volume of a 3D-patch item (patches padded past the end). */
function gaussianAccumulator(item: DatasetItem, channels: number, sigmaScale?: number): WindowAccumulator {
  const size = [...item.meta.preprocessedShape].reverse();
  const roi = [...item.meta.patch!.size].reverse();
  const padAfter = roi.map((r, d) => Math.max(r - size[d], 0));
  const plan: WindowPlan = {
    imageSize: size, roi, padBefore: roi.map(() => 0), padAfter, paddedSize: size.map((s, d) => s + padAfter[d]), starts: [], windows: [],
  };
  return new WindowAccumulator(plan, channels, importanceMap('gaussian', roi, sigmaScale));
}

export interface SlidingWindowOptions extends BatchOptions {
  /** Window size [H, W, D] (the model's patch size, e.g. length_3D). */
  roi: readonly number[];
  /** Fraction of a window shared with its neighbour (default 0.25). */
  overlap?: number;
  placement?: Placement;
  blend?: BlendMode;
  sigmaScale?: number;
  predictor?: BatchPredictor;
  /** FiLM vector / HeMIS availability of the volume (every window shares it). */
  condition?: ItemCondition;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A whole volume (channels of [H, W, D], C-order) through a 3D model window by window; returns per
 * output class the blended [H, W, D] prediction. Windows are extracted on the CPU (zero outside the
 * image) and forwarded in memory-budgeted batches, so the GPU only ever holds a batch of windows.
 */
export async function slidingWindowVolume(model: BuiltModel, input: readonly NdArray[], opts: SlidingWindowOptions): Promise<NdArray[]> {
  if (input.length === 0) throw new Error('slidingWindowVolume: no input channel');
  const shape = input[0].shape;
  if (shape.length !== 3 || opts.roi.length !== 3) throw new Error(`slidingWindowVolume: needs [H, W, D] volumes and a 3-value roi, got [${shape.join(', ')}] and [${opts.roi.join(', ')}]`);
  input.forEach((a, c) => {
    if (a.shape.join() !== shape.join()) throw new Error(`slidingWindowVolume: channel ${c} is [${a.shape.join(', ')}], channel 0 [${shape.join(', ')}]`);
  });
  // window.ts lists dimensions fastest-first: [D, W, H] for a C-order [H, W, D] array.
  const plan = planWindows([...shape].reverse(), [...opts.roi].reverse(), { overlap: opts.overlap, placement: opts.placement });
  const predictor = opts.predictor ?? new BatchPredictor(model, opts);
  const image = stackChannels(input);
  const C = input.length;
  const itemShape = [C, ...opts.roi];
  let acc: WindowAccumulator | null = null;
  const weights = importanceMap(opts.blend ?? 'constant', plan.roi, opts.sigmaScale);
  let done = 0;
  const total = plan.windows.length;
  while (done < total) {
    const n = Math.min(predictor.batchSize, total - done);
    const starts = plan.windows.slice(done, done + n);
    const windows = starts.map((s) => extractWindow(image, C, plan, s));
    const preds = await predictor.predict(windows, itemShape, opts.condition ? windows.map(() => opts.condition!) : undefined);
    acc ??= new WindowAccumulator(plan, preds[0].length / weights.length, weights);
    starts.forEach((s, k) => acc!.add(s, preds[k]));
    done += n;
    opts.onProgress?.(done, total);
  }
  const result = acc!.result();
  const per = shape[0] * shape[1] * shape[2];
  return Array.from({ length: acc!.channels }, (_, c) => ({ data: result.slice(c * per, (c + 1) * per), shape: shape.slice() }));
}
