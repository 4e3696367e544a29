/**
 * The in-memory image type shared by the data layer, transforms, training and inference.
 *
 * Voxels are stored as NIfTI stores them: x fastest, then y, then z (then channels / time), i.e. the
 * flat index of voxel (i, j, k, c) is i + nx * (j + ny * (k + nz * c)). `affine` maps voxel indices
 * (i, j, k, 1) to world millimetres in RAS+ orientation (NIfTI's sform, else qform), row-major 4x4.
 */
import type { NiftiHeader } from './nifti/header';

export type Affine = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

export interface Volume {
  /** Voxel values after scl_slope/scl_inter; float32 for every source datatype. */
  data: Float32Array;
  /** [nx, ny, nz] or [nx, ny, nz, nc] (nc: channels, time points or RGB components). */
  shape: number[];
  /** Voxel size in mm along i, j, k (pixdim[1..3]). */
  spacing: [number, number, number];
  affine: Affine;
  /**
   * The NIfTI header the volume was read from (absent for generated or 2D-image volumes). Kept so that
   * predictions and uncertainty maps are written back with the source's dims, pixdim, qform and sform.
   */
  header?: NiftiHeader;
}

export function voxelCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function identityAffine(spacing: [number, number, number] = [1, 1, 1]): Affine {
  return [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0, 0, 0, 0, 1];
}
