/**
 * Types of the dataset layer: what a dataset is built from (entries: one image, or one subject's
 * channels, with its labels), the loader_parameters it reads, and the items it yields.
 */
import type { NdArray } from '../transforms/ndarray';
import type { AppliedTransform } from '../transforms/types';
import type { PatchIndex } from '../patches/patches';
import type { Volume } from '../volume';

/** A file that can be decoded on demand (the dataset never holds voxels it is not using). */
export interface FileRef {
  path: string;
  load(): Promise<Volume>;
}

/** One dataset entry: one image (single channel) or one subject's contrasts (multichannel). */
export interface DatasetEntry {
  /** Filename of the first channel (the split lists filenames). */
  id: string;
  /** Filenames of every channel (all of them belong to the split the entry is in). */
  filenames: string[];
  /** participant_id ("sub-unf01"). */
  subject: string;
  /** Contrast of each channel. */
  contrasts: string[];
  images: FileRef[];
  /** Per class (target_suffix order), per rater; null = class missing for this image (zeros). */
  targets: (FileRef | null)[][];
  roi: FileRef | null;
  /** Sidecar keys and table columns of the first channel (FiLM metadata, balance columns). */
  metadata: Record<string, unknown>;
}

/** The loader_parameters keys the dataset reads (ivadomed names and defaults). */
export interface LoaderParams {
  target_suffix: (string | string[])[];
  contrast_params?: { training_validation?: string[]; testing?: string[]; balance?: Record<string, number> };
  multichannel?: boolean;
  slice_axis?: 'axial' | 'sagittal' | 'coronal' | 0 | 1 | 2;
  slice_filter_params?: { filter_empty_mask?: boolean; filter_empty_input?: boolean; filter_absent_class?: boolean };
  patch_filter_params?: { filter_empty_mask?: boolean; filter_empty_input?: boolean; filter_absent_class?: boolean };
  roi_params?: { suffix?: string | null; slice_filter_roi?: number | null };
  soft_gt?: boolean;
  is_input_dropout?: boolean;
  extensions?: string[];
}

/** How items are cut: whole 2D slices, 2D patches of slices, or 3D sub-volumes. */
export type DatasetMode =
  | { kind: 'slices' }
  | { kind: 'patches2d'; length: [number, number]; stride: [number, number] }
  | { kind: 'patches3d'; length: [number, number, number]; stride: [number, number, number]; strict?: boolean };

export interface ItemMetadata {
  subject: string;
  filenames: string[];
  contrasts: string[];
  /** Index in the dataset's entries. */
  entry: number;
  /** Slice along the slice axis (2D modes). */
  sliceIndex?: number;
  /** Patch location in the preprocessed slice / volume (patch modes). */
  patch?: PatchIndex;
  /** Shape of the preprocessed slice / volume the patch was cut from (for reconstruction). */
  preprocessedShape: number[];
  /** [H, W, D] of the whole volume before preprocessing (for slice-wise reconstruction). */
  shapeHWD: [number, number, number];
  sliceAxis: 0 | 1 | 2;
  /** Voxel size along the item's axes after preprocessing. */
  zooms: number[];
  /** Rater drawn for this item (multi-rater labels). */
  rater?: number;
  /** Channels zeroed by is_input_dropout. */
  droppedChannels?: number[];
  /** Transforms applied (preprocessing, then augmentation), for undo. */
  applied: AppliedTransform[];
  /** How many of `applied` are preprocessing (whole slice / volume); the rest were applied to this item. */
  preprocessingCount: number;
  /** Sidecar values and table columns (FiLM). */
  metadata: Record<string, unknown>;
}

export interface DatasetItem {
  input: NdArray[];
  gt: NdArray[];
  roi: NdArray[];
  meta: ItemMetadata;
}
