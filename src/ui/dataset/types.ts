/**
 * What the Dataset panel shows about an indexed dataset: a small, display-oriented view of the data
 * layer's BidsIndex (./indexDataset.ts adapts it), so the table components do not depend on every
 * field of the indexer.
 */
import type { FileSource } from '../../data/sources';

export type ImageFormat = 'nifti' | 'png' | 'tiff' | 'jpeg';

export interface DatasetLabel {
  /** Relative path of the derivative, e.g. "derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz". */
  path: string;
  /** What follows the image's stem: "_seg-manual" (ivadomed's target_suffix). */
  suffix: string;
  shape?: number[];
}

export interface DatasetImage {
  path: string;
  /** "sub-unf01" */
  subject: string;
  /** "ses-01", when the name has a session. */
  session?: string;
  /** BIDS suffix: "T1w", "T2star", "SEM", "ct". */
  contrast: string;
  format: ImageFormat;
  /** Voxel grid, from the header (NIfTI) or the decoded image (2D formats, when read). */
  shape?: number[];
  /** Voxel size in mm. */
  spacing?: number[];
  datatype?: string;
  /** The JSON sidecar next to the image, if any. */
  sidecar?: Record<string, unknown>;
  sidecarPath?: string;
  labels: DatasetLabel[];
}

export interface DatasetProblem {
  /** The file concerned (relative path), or the dataset root. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface DatasetIndex {
  name: string;
  images: DatasetImage[];
  /** Sorted subject ids ("sub-…"). */
  subjects: string[];
  /** Sorted contrasts (BIDS suffixes). */
  contrasts: string[];
  /** Every label suffix found ("_seg-manual", "_lesion-manual", …). */
  labelSuffixes: string[];
  /** participants.tsv, when present. */
  participants?: { columns: string[]; rows: Record<string, string | null>[] };
  problems: DatasetProblem[];
  fileCount: number;
}

export interface IndexProgress {
  phase: 'listing' | 'reading headers' | 'done';
  done: number;
  total: number;
  /** File being read. */
  current?: string;
}

export type IndexDataset = (source: FileSource, onProgress?: (p: IndexProgress) => void) => Promise<DatasetIndex>;
