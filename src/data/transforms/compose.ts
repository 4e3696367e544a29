/**
 * Building transforms from ivadomed's "transformation" object, applying them to a sample (parameters
 * drawn once, every array of the sample gets them) and undoing them on predictions.
 */
import type { DataRng } from '../rng';
import { BoundingBoxCrop, CenterCrop, ElasticTransform, RandomAffine, RandomReverse, Resample, ROICrop } from './geometric';
import { AdditiveGaussianNoise, Clahe, HistogramClipping, NormalizeInstance, RandomBiasField, RandomBlur, RandomGamma, RandomShiftIntensity } from './intensity';
import { DilateGT } from './labels';
import type { NdArray } from './ndarray';
import type { AppliedTransform, DatasetType, Role, Transform, TransformSample } from './types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (options: any) => Transform;

const REGISTRY: Record<string, Ctor> = {
  Resample, CenterCrop, ROICrop, BoundingBoxCrop, NormalizeInstance, RandomAffine, RandomReverse,
  RandomShiftIntensity, ElasticTransform, AdditiveGaussianNoise, DilateGT, HistogramClipping, Clahe,
  RandomGamma, RandomBiasField, RandomBlur,
};

/** Names accepted in a "transformation" object (NumpyToTensor is accepted and ignored, as ivadomed). */
export const TRANSFORM_NAMES = Object.keys(REGISTRY);

/** One transform from its config entry, e.g. createTransform('CenterCrop', { size: [128, 128] }). */
export function createTransform(name: string, options: Record<string, unknown> = {}): Transform {
  const ctor = REGISTRY[name];
  if (!ctor) throw new Error(`transformation.${name}: unknown transform. Known: ${TRANSFORM_NAMES.join(', ')}.`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error(`transformation.${name} must be an object of parameters, got ${JSON.stringify(options)}.`);
  // "preprocessing" inside an entry is ignored by ivadomed (it decides by transform name)
  const { preprocessing: _ignored, ...rest } = options;
  void _ignored;
  return new ctor(rest);
}

/** Every transform of a "transformation" object, in config (insertion) order. */
export function buildTransforms(transformation: Record<string, unknown> | null | undefined): Transform[] {
  const out: Transform[] = [];
  for (const [name, options] of Object.entries(transformation ?? {})) {
    if (name === 'NumpyToTensor') continue;
    out.push(createTransform(name, (options ?? {}) as Record<string, unknown>));
  }
  return out;
}

/** Clears the arrays a transform produced from drawn parameters that must not be kept (keys "_…"). */
function recordParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (!k.startsWith('_')) out[k] = v;
  return out;
}

/** Applies one transform to every array it is meant for (ROI first, then image, then label) and records it. */
export function applyTransform(t: Transform, sample: TransformSample, rng: DataRng): TransformSample {
  const params = t.draw(sample, rng);
  const next: TransformSample = { ...sample, meta: { ...sample.meta, applied: sample.meta.applied.slice() } };
  const map = (arrays: NdArray[], role: Role): NdArray[] => (t.appliedTo.has(role) ? arrays.map((a) => t.apply(a, role, params, rng)) : arrays);
  next.roi = map(sample.roi, 'roi');
  next.input = map(sample.input, 'im');
  next.gt = map(sample.gt, 'gt');
  t.updateMeta?.(next.meta, params);
  next.meta.applied.push({ name: t.name, appliedTo: [...t.appliedTo], params: recordParams(params) });
  return next;
}

/**
 * A pipeline for one dataset type: ivadomed's order, i.e. the preprocessing transforms (Resample,
 * CenterCrop, ROICrop; applied once at load) in config order, then the others in config order.
 */
export class Compose {
  readonly preprocessing: Transform[];
  readonly augmentation: Transform[];
  /** Transforms left out because they cannot be undone (requiresUndo). */
  readonly dropped: string[];
  private readonly byName: Map<string, Transform>;

  constructor(transforms: Transform[], readonly datasetType: DatasetType, options: { requiresUndo?: boolean } = {}) {
    const kept: Transform[] = [];
    const dropped: string[] = [];
    for (const t of transforms) {
      if (!t.datasetTypes.has(datasetType)) continue;
      if (options.requiresUndo && !t.undoable) { dropped.push(t.name); continue; }
      kept.push(t);
    }
    this.preprocessing = kept.filter((t) => t.preprocessing);
    this.augmentation = kept.filter((t) => !t.preprocessing);
    this.dropped = dropped;
    this.byName = new Map(kept.map((t) => [t.name, t]));
  }

  static fromConfig(transformation: Record<string, unknown> | null | undefined, datasetType: DatasetType, options: { requiresUndo?: boolean } = {}): Compose {
    return new Compose(buildTransforms(transformation), datasetType, options);
  }

  get transforms(): Transform[] { return [...this.preprocessing, ...this.augmentation]; }

  /** The once-per-load part. */
  preprocess(sample: TransformSample, rng: DataRng): TransformSample {
    return this.preprocessing.reduce((s, t) => applyTransform(t, s, rng), sample);
  }

  /** The per-item (per-epoch random) part. */
  augment(sample: TransformSample, rng: DataRng): TransformSample {
    return this.augmentation.reduce((s, t) => applyTransform(t, s, rng), sample);
  }

  /** Both parts. */
  apply(sample: TransformSample, rng: DataRng): TransformSample {
    return this.augment(this.preprocess(sample, rng), rng);
  }

  /**
   * Maps an array (a prediction, shaped like the transformed label) back through the recorded
   * transforms in reverse, as ivadomed's UndoCompose does for the label pipeline. Records of
   * transforms not applied to `role` are skipped; a non-undoable record is an error.
   */
  undo(arr: NdArray, applied: AppliedTransform[], role: Role = 'gt'): NdArray {
    return undoTransforms(arr, applied, role, (name) => this.byName.get(name));
  }
}

/** Undo with transforms rebuilt from a "transformation" object (e.g. a saved model's config). */
export function undoTransforms(arr: NdArray, applied: AppliedTransform[], role: Role, lookup: (name: string) => Transform | undefined): NdArray {
  let out = arr;
  for (let i = applied.length - 1; i >= 0; i--) {
    const rec = applied[i];
    if (!rec.appliedTo.includes(role)) continue;
    const t = lookup(rec.name) ?? createTransform(rec.name, defaultOptionsFor(rec.name));
    if (!t.undo) throw new Error(`${rec.name} cannot be undone: build the testing pipeline with requiresUndo so that it is left out.`);
    out = t.undo(out, role, rec.params);
  }
  return out;
}

/** Minimal options that construct a transform only for its undo (the record holds the parameters). */
function defaultOptionsFor(name: string): Record<string, unknown> {
  if (name === 'CenterCrop' || name === 'ROICrop') return { size: [1, 1] };
  if (name === 'RandomShiftIntensity') return { shift_range: [0, 0] };
  return {};
}

/** ivadomed's get_subdatasets_transforms: the three pipelines of a config. */
export function pipelinesFromConfig(transformation: Record<string, unknown> | null | undefined, options: { requiresUndo?: boolean } = {}): Record<DatasetType, Compose> {
  const transforms = buildTransforms(transformation);
  return {
    training: new Compose(transforms, 'training'),
    validation: new Compose(transforms, 'validation'),
    testing: new Compose(transforms, 'testing', options),
  };
}
