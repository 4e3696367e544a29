/**
 * ivadomed's visualize_transforms: what the transforms of one pipeline do to one slice (or, for 3D
 * models, one volume), step by step. Each step shows the result of every transform up to it, in the
 * order ivadomed applies them (preprocessing transforms first, then the others in the file's order).
 * A transform that cannot be built or applied is reported on its step and skipped.
 */
import { PREPROCESSING_TRANSFORMS } from '../../config/index';
import { DataRng } from '../../data/rng';
import { applyTransform, createTransform } from '../../data/transforms/compose';
import type { NdArray } from '../../data/transforms/ndarray';
import type { DatasetType, Transform, TransformSample } from '../../data/transforms/types';

export interface PreviewStep {
  /** The transform's name ("RandomAffine"). */
  name: string;
  /** The image after this step (the previous one when the step failed). */
  image: NdArray;
  /** The first label class after this step, if the sample had one. */
  label: NdArray | null;
  /** Why the step was skipped. */
  error?: string;
  /** Parameters the step drew (angles, crop window…), for the caption. */
  params?: Record<string, unknown>;
}

interface Entry {
  name: string;
  transform?: Transform;
  error?: string;
  preprocessing: boolean;
}

/** The entries of `transformation` in ivadomed's order for `datasetType` (NumpyToTensor dropped). */
function pipelineEntries(transformation: Record<string, unknown>, datasetType: DatasetType): Entry[] {
  const entries: Entry[] = [];
  for (const [name, options] of Object.entries(transformation)) {
    if (name === 'NumpyToTensor') continue;
    const preprocessing = (PREPROCESSING_TRANSFORMS as readonly string[]).includes(name);
    try {
      const t = createTransform(name, (options ?? {}) as Record<string, unknown>);
      if (t.datasetTypes.has(datasetType)) entries.push({ name, transform: t, preprocessing: t.preprocessing });
    } catch (err) {
      const types = (options as { dataset_type?: unknown } | null)?.dataset_type;
      if (Array.isArray(types) && !types.includes(datasetType)) continue;
      entries.push({ name, error: (err as Error).message, preprocessing });
    }
  }
  return [...entries.filter((e) => e.preprocessing), ...entries.filter((e) => !e.preprocessing)];
}

/** The names of the steps previewSteps will show, for `datasetType`. */
export function pipelineNames(transformation: Record<string, unknown> | null | undefined, datasetType: DatasetType): string[] {
  return pipelineEntries(transformation ?? {}, datasetType).map((e) => e.name);
}

/** Bookkeeping parameters (shapes before and after) that the caption leaves out: the canvas shows the shape. */
const UNSHOWN_PARAMS = new Set(['original', 'outShape', 'zoomsBefore', 'shape', 'size']);

function describeParams(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k.startsWith('_') || UNSHOWN_PARAMS.has(k)) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.length <= 6 && v.every((x) => typeof x === 'number'))) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Runs the pipeline on `sample`, one step per transform; random parameters come from `seed`. */
export function previewSteps(transformation: Record<string, unknown> | null | undefined, datasetType: DatasetType, sample: TransformSample, seed: number): PreviewStep[] {
  const rng = new DataRng(seed);
  const steps: PreviewStep[] = [];
  let current = sample;
  for (const entry of pipelineEntries(transformation ?? {}, datasetType)) {
    if (!entry.transform) {
      steps.push({ name: entry.name, image: current.input[0]!, label: current.gt[0] ?? null, error: entry.error });
      continue;
    }
    try {
      const next = applyTransform(entry.transform, current, rng);
      current = next;
      const record = next.meta.applied[next.meta.applied.length - 1];
      steps.push({ name: entry.name, image: next.input[0]!, label: next.gt[0] ?? null, params: record ? describeParams(record.params) : undefined });
    } catch (err) {
      steps.push({ name: entry.name, image: current.input[0]!, label: current.gt[0] ?? null, error: (err as Error).message });
    }
  }
  return steps;
}

/**
 * An [H, W] (or [H, W, D], at depth `d`) array as RGBA pixels for a canvas of width H and height W:
 * the first array axis runs left to right and the second bottom to top (for axial RAS slices: right
 * to the right, anterior up). Grey levels span the array's own 1st-99th percentiles; label voxels
 * (> 0.5) are tinted red.
 */
export function toRgba(image: NdArray, label: NdArray | null, d = 0): { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> } {
  const [H, W] = image.shape as [number, number];
  const D = image.shape[2] ?? 1;
  const z = Math.min(Math.max(0, Math.round(d)), D - 1);
  const at = (a: NdArray, h: number, w: number) => a.data[(h * W + w) * (a.shape[2] ?? 1) + (a.shape.length > 2 ? Math.min(z, a.shape[2]! - 1) : 0)]!;
  const values: number[] = [];
  const step = Math.max(1, Math.floor((H * W) / 4096));
  for (let p = 0; p < H * W; p += step) {
    const v = at(image, Math.floor(p / W), p % W);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const lo = values.length ? values[Math.floor(values.length * 0.01)]! : 0;
  const hi = values.length ? values[Math.min(values.length - 1, Math.ceil(values.length * 0.99))]! : 1;
  const span = hi > lo ? hi - lo : 1;
  const labelFits = label !== null && label.shape[0] === H && label.shape[1] === W;
  const rgba = new Uint8ClampedArray(H * W * 4);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const g = Math.round(((at(image, h, w) - lo) / span) * 255);
      const o = ((W - 1 - w) * H + h) * 4;
      const inLabel = labelFits && at(label!, h, w) > 0.5;
      rgba[o] = inLabel ? Math.round(0.5 * g + 127) : g;
      rgba[o + 1] = inLabel ? Math.round(0.5 * g) : g;
      rgba[o + 2] = inLabel ? Math.round(0.5 * g) : g;
      rgba[o + 3] = 255;
    }
  }
  return { width: H, height: W, rgba };
}
