/**
 * Predictions of a (testing) SegmentationDataset mapped back to whole volumes (ivadomed's
 * volume_reconstruction for 3D, pred_to_nib for 2D): per item the per-item transforms are undone,
 * patches are averaged into their slice / volume, the preprocessing is undone once per slice /
 * volume, slices are stacked at their index (zeros for filtered slices), and the result is turned
 * back into the RAS grid or the image's own orientation.
 */
import { reorientFromRAS, reorientToRAS } from '../orientation';
import { PatchAccumulator, stackSlices } from '../patches/patches';
import type { Compose } from '../transforms/compose';
import type { NdArray } from '../transforms/ndarray';
import type { Volume } from '../volume';
import { hwdToVolumeData } from './hwd';
import type { DatasetItem, ItemMetadata } from './types';

interface UnitState {
  meta: ItemMetadata;
  /** per class */
  acc: PatchAccumulator[] | null;
  whole: NdArray[] | null;
}

/** Collects the predictions of one entry (all its items) and assembles them. */
export class VolumeAssembler {
  private readonly units = new Map<number, UnitState>();
  private meta: ItemMetadata | null = null;

  /** `transforms` must be the pipeline the dataset used (for its undo). */
  constructor(private readonly transforms: Compose) {}

  /** One item's prediction, one [..spatial] array per class, shaped like item.gt. */
  add(item: DatasetItem, prediction: NdArray[]): void {
    const m = item.meta;
    if (this.meta && this.meta.entry !== m.entry) throw new Error(`VolumeAssembler: item of entry ${m.entry} added to the assembler of entry ${this.meta.entry}; use one assembler per entry.`);
    this.meta ??= m;
    const key = m.sliceIndex ?? -1;
    // undo the per-item transforms first (they acted on this slice / patch only)
    const itemLevel = m.applied.slice(m.preprocessingCount);
    const undone = prediction.map((p) => this.transforms.undo(p, itemLevel));
    let u = this.units.get(key);
    if (!m.patch) {
      this.units.set(key, { meta: m, acc: null, whole: undone });
      return;
    }
    if (!u) {
      u = { meta: m, acc: undone.map(() => new PatchAccumulator(m.preprocessedShape)), whole: null };
      this.units.set(key, u);
    }
    undone.forEach((p, c) => (u as UnitState).acc![c].add(m.patch!, p));
  }

  /** Per class, the [H, W, D] prediction on the native (H, W, D) grid of the entry. */
  assembleHWD(): NdArray[] {
    if (!this.meta) throw new Error('VolumeAssembler: no prediction was added.');
    const pre = (m: ItemMetadata) => m.applied.slice(0, m.preprocessingCount);
    const unitArrays = (u: UnitState): NdArray[] => {
      const arrays = u.whole ?? u.acc!.map((a) => a.result());
      return arrays.map((a) => this.transforms.undo(a, pre(u.meta)));
    };
    const shapeHWD = this.meta.shapeHWD;
    const whole = this.units.get(-1);
    if (whole && this.meta.sliceIndex === undefined) {
      const out = unitArrays(whole);
      for (const a of out) {
        if (a.shape.join() !== shapeHWD.join()) throw new Error(`VolumeAssembler: undone volume [${a.shape.join(', ')}] differs from the image [${shapeHWD.join(', ')}].`);
      }
      return out;
    }
    const perUnit = [...this.units.entries()].map(([d, u]) => ({ d, arrays: unitArrays(u) }));
    const classes = perUnit[0].arrays.length;
    return Array.from({ length: classes }, (_, c) => stackSlices(perUnit.map((p) => ({ sliceIndex: p.d, data: p.arrays[c] })), shapeHWD));
  }

  /** Per class, the prediction on the image's RAS grid (x-fastest data). */
  assembleRAS(rasShape: readonly number[]): Float32Array[] {
    const axis = this.meta?.sliceAxis ?? 2;
    return this.assembleHWD().map((a) => hwdToVolumeData(a, axis, rasShape));
  }

  /**
   * Per class, a Volume on the grid and in the orientation of `image` (the source image as read,
   * before RAS reorientation), ready to be written with the image's header.
   */
  assembleNative(image: Volume): Volume[] {
    const { volume: ras, transform } = reorientToRAS(image);
    return this.assembleRAS(ras.shape).map((data) => reorientFromRAS({ ...ras, data, shape: ras.shape.slice(0, 3) }, transform));
  }
}
