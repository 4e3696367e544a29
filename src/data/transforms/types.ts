/**
 * The sample the transforms act on and the record they leave behind for undo.
 */
import type { DataRng } from '../rng';
import type { NdArray } from './ndarray';

/** ivadomed's applied_to values: image channels, label classes, ROI. */
export type Role = 'im' | 'gt' | 'roi';
export type DatasetType = 'training' | 'validation' | 'testing';
export const ROLES: readonly Role[] = ['im', 'gt', 'roi'];
export const DATASET_TYPES: readonly DatasetType[] = ['training', 'validation', 'testing'];

/** One applied transform with the parameters it drew, enough to undo it. */
export interface AppliedTransform {
  name: string;
  appliedTo: Role[];
  params: Record<string, unknown>;
}

export interface SampleMetadata {
  /**
   * Voxel size (mm) along each array axis ([H, W] or [H, W, D]); Resample reads and updates it.
   * For 2D slices ivadomed keeps the slice's 3 zooms (H, W, D): a third value is accepted and ignored.
   */
  zooms: number[];
  /** Bounding box [h_min, h_max, w_min, w_max, d_min, d_max] for BoundingBoxCrop (cascaded models). */
  boundingBox?: number[];
  /** Transforms applied so far, in order. */
  applied: AppliedTransform[];
}

export interface TransformSample {
  /** Image channels (contrasts), all the same shape. */
  input: NdArray[];
  /** Label classes (may be empty at inference). */
  gt: NdArray[];
  /** ROI mask(s) (empty when there is none). */
  roi: NdArray[];
  meta: SampleMetadata;
}

/**
 * One transform. `draw` picks the random parameters once per sample (shared by every channel, class
 * and ROI); `apply` maps one array with them; `undo` (when the transform can be undone) maps a
 * prediction back.
 */
export interface Transform {
  readonly name: string;
  readonly appliedTo: ReadonlySet<Role>;
  readonly datasetTypes: ReadonlySet<DatasetType>;
  /** Resample, CenterCrop, ROICrop: applied once when the data are loaded, not per epoch. */
  readonly preprocessing: boolean;
  /** Whether `undo` exists (ivadomed drops the others when predictions must be mapped back). */
  readonly undoable: boolean;
  draw(sample: TransformSample, rng: DataRng): Record<string, unknown>;
  apply(arr: NdArray, role: Role, params: Record<string, unknown>, rng: DataRng): NdArray;
  undo?(arr: NdArray, role: Role, params: Record<string, unknown>): NdArray;
  /** Metadata changes (Resample updates zooms). */
  updateMeta?(meta: SampleMetadata, params: Record<string, unknown>): void;
}

/** Common options of every transform entry of the config. */
export interface TransformOptions {
  applied_to?: Role[];
  dataset_type?: DatasetType[];
}
