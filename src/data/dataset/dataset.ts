/**
 * SegmentationDataset: ivadomed's MRI2DSegmentationDataset (slices, 2D patches) and
 * MRI3DSubVolumeSegmentationDataset (3D patches) over lazily decoded volumes.
 *
 * prepare() walks the entries once (one entry's volumes in memory at a time) to apply the slice
 * filter, the preprocessing transforms and the patch filter, and keeps only the item index.
 * getItem() fetches the entry's preprocessed arrays from a byte-bounded LRU (decoding again when
 * evicted), cuts the patch, runs the per-item transforms with the given rng, binarises the label
 * (unless soft_gt) and applies input dropout.
 */
import { hwdAxes, reorientToRAS, sliceAxisIndex } from '../orientation';
import { extractPatch, checkIvadomed3DPatches, patchGrid, type PatchIndex } from '../patches/patches';
import type { DataRng } from '../rng';
import type { Compose } from '../transforms/compose';
import type { NdArray } from '../transforms/ndarray';
import type { AppliedTransform, DatasetType, TransformSample } from '../transforms/types';
import type { Volume } from '../volume';
import { ByteLruCache } from './cache';
import { keepRoi, keepSample } from './filters';
import { sliceOf, volumeToHWD, zoomsHWD } from './hwd';
import type { DatasetEntry, DatasetItem, DatasetMode, ItemMetadata, LoaderParams } from './types';

/** Preprocessed arrays of one slice (2D) or of the whole volume (3D). */
interface PreparedUnit {
  input: NdArray[];
  /** [class][rater] */
  gt: NdArray[][];
  roi: NdArray[];
  applied: AppliedTransform[];
  zooms: number[];
}

interface PreparedEntry {
  shapeHWD: [number, number, number];
  /** 2D: slice index -> unit (kept slices only); 3D: key -1 -> the volume. */
  units: Map<number, PreparedUnit>;
  bytes: number;
  /** Slices left out by the slice filter and by the ROI filter. */
  filteredSlices: number;
  filteredRoi: number;
}

interface ItemRef {
  entry: number;
  unit: number;
  patch?: PatchIndex;
}

export interface DatasetOptions {
  datasetType: DatasetType;
  mode: DatasetMode;
  /** The pipeline for this dataset type (Compose.fromConfig(transformation, datasetType)). */
  transforms: Compose;
  /** Budget of the decoded-volume cache in bytes (default 512 MiB). */
  cacheBytes?: number;
  /** Called after each entry is indexed by prepare(). */
  onProgress?: (done: number, total: number) => void;
}

function bytesOf(arrays: NdArray[]): number {
  return arrays.reduce((s, a) => s + a.data.byteLength, 0);
}

export class SegmentationDataset {
  readonly entries: readonly DatasetEntry[];
  readonly params: LoaderParams;
  readonly options: DatasetOptions;
  private items: ItemRef[] = [];
  private prepared = false;
  private readonly cache: ByteLruCache<PreparedEntry>;
  private readonly sliceAxis: 0 | 1 | 2;
  private readonly raters: number;
  /** Slices/patches/entries left out by the filters, per reason (filled by prepare). */
  readonly filtered = { slices: 0, roi: 0, patches: 0 };

  constructor(entries: readonly DatasetEntry[], params: LoaderParams, options: DatasetOptions) {
    this.entries = entries;
    this.params = params;
    this.options = options;
    this.sliceAxis = sliceAxisIndex(params.slice_axis ?? 'axial');
    this.cache = new ByteLruCache<PreparedEntry>(options.cacheBytes ?? 512 * 1024 * 1024, (p) => p.bytes);
    this.raters = Math.max(1, ...params.target_suffix.map((t) => (Array.isArray(t) ? t.length : 1)));
    if (this.raters > 1 && options.datasetType !== 'training') {
      // ivadomed's check_multiple_raters: several raters are only used to train
      throw new Error(`target_suffix lists several raters per class: that is only supported for training (this dataset is ${options.datasetType}). Use one rater's suffix for validation and testing.`);
    }
    if (options.mode.kind === 'patches3d' && params.roi_params?.suffix && options.transforms.transforms.some((t) => t.name === 'ROICrop')) {
      throw new Error('ROICrop is not available with 3D sub-volumes (ivadomed): use CenterCrop.');
    }
  }

  get length(): number {
    if (!this.prepared) throw new Error('SegmentationDataset: call await dataset.prepare() before reading items.');
    return this.items.length;
  }

  /** Number of classes (target_suffix entries). */
  get classes(): number { return this.params.target_suffix.length; }
  /** Number of input channels. */
  get channels(): number { return this.entries[0]?.images.length ?? 0; }

  /** Cache statistics (decoded-entry loads and bytes held). */
  get cacheStats(): { loads: number; bytes: number; entries: number } {
    return { loads: this.cache.loads, bytes: this.cache.bytes, entries: this.cache.size };
  }

  /** The item references (entry, slice, patch) in dataset order. */
  itemRef(i: number): Readonly<ItemRef> { return this.items[i]; }

  async prepare(): Promise<void> {
    const items: ItemRef[] = [];
    this.filtered.slices = 0; this.filtered.roi = 0; this.filtered.patches = 0;
    const patchFilter = this.options.datasetType === 'testing' ? undefined : this.params.patch_filter_params;
    for (let e = 0; e < this.entries.length; e++) {
      const prep = await this.cache.get(String(e), () => this.prepareEntry(e));
      this.filtered.slices += prep.filteredSlices;
      this.filtered.roi += prep.filteredRoi;
      for (const [u, unit] of prep.units) {
        const mode = this.options.mode;
        if (mode.kind === 'slices') { items.push({ entry: e, unit: u }); continue; }
        const shape = unit.input[0].shape;
        const grid = patchGrid(shape, mode.length, mode.stride);
        for (const patch of grid) {
          if (patchFilter) {
            const inP = unit.input.map((a) => extractPatch(a, patch));
            const gtP = unit.gt.map((raters) => extractPatch(raters[0], patch));
            if (!keepSample(inP, gtP, patchFilter)) { this.filtered.patches++; continue; }
          }
          items.push({ entry: e, unit: u, patch });
        }
      }
      this.options.onProgress?.(e + 1, this.entries.length);
    }
    this.items = items;
    this.prepared = true;
  }

  private async loadRAS(ref: { path: string; load(): Promise<Volume> }): Promise<Volume> {
    let v: Volume;
    try {
      v = await ref.load();
    } catch (err) {
      throw new Error(`${ref.path}: could not be read (${err instanceof Error ? err.message : String(err)}).`);
    }
    if (v.shape.length > 3 && v.shape[3] > 1) throw new Error(`${ref.path}: 4D images (shape [${v.shape.join(', ')}]) are not supported; split the volumes into 3D files.`);
    return reorientToRAS(v).volume;
  }

  /** Decodes one entry's volumes, filters slices, applies the preprocessing transforms. */
  private async prepareEntry(e: number): Promise<PreparedEntry> {
    const entry = this.entries[e];
    const axis = this.sliceAxis;
    const images = await Promise.all(entry.images.map((r) => this.loadRAS(r)));
    const ref = images[0];
    const shapeHWD = volumeToHWDShape(ref.shape, axis);
    const check = (v: Volume, path: string): void => {
      const same = v.shape.slice(0, 3).every((n, i) => n === ref.shape[i]);
      if (!same) throw new Error(`${path}: shape [${v.shape.slice(0, 3).join(', ')}] differs from its image ${entry.images[0].path} [${ref.shape.slice(0, 3).join(', ')}]; labels and channels must share the image grid.`);
    };
    images.forEach((v, i) => check(v, entry.images[i].path));
    const zero = (): NdArray => ({ data: new Float32Array(shapeHWD[0] * shapeHWD[1] * shapeHWD[2]), shape: [...shapeHWD] });
    const inputHWD = images.map((v) => volumeToHWD(v, axis));
    const gtHWD: NdArray[][] = [];
    for (const raters of entry.targets) {
      const row: NdArray[] = [];
      for (const r of raters) {
        if (!r) { row.push(zero()); continue; }
        const v = await this.loadRAS(r);
        check(v, r.path);
        row.push(volumeToHWD(v, axis));
      }
      gtHWD.push(row);
    }
    let roiHWD: NdArray | null = null;
    if (entry.roi) {
      const v = await this.loadRAS(entry.roi);
      check(v, entry.roi.path);
      roiHWD = volumeToHWD(v, axis);
    }
    const zooms = zoomsHWD(ref, axis);
    const units = new Map<number, PreparedUnit>();
    let filteredSlices = 0, filteredRoi = 0;
    const pre = this.options.transforms;
    const unitOf = (input: NdArray[], gt: NdArray[][], roi: NdArray[], z: number[]): PreparedUnit => {
      const flatGt = gt.flat();
      const sample: TransformSample = { input, gt: flatGt, roi, meta: { zooms: z, applied: [] } };
      // preprocessing is deterministic (Resample, CenterCrop, ROICrop): no randomness consumed
      const out = pre.preprocess(sample, NO_RANDOM);
      const R = gt[0]?.length ?? 1;
      const regrouped = gt.map((_, c) => out.gt.slice(c * R, (c + 1) * R));
      return { input: out.input, gt: regrouped, roi: out.roi, applied: out.meta.applied, zooms: out.meta.zooms };
    };
    if (this.options.mode.kind === 'patches3d') {
      const unit = unitOf(inputHWD, gtHWD, roiHWD ? [roiHWD] : [], [...zooms]);
      if (this.options.mode.strict) checkIvadomed3DPatches(unit.input[0].shape, this.options.mode.length, this.options.mode.stride);
      units.set(-1, unit);
    } else {
      const sf = this.params.slice_filter_params ?? { filter_empty_input: true };
      const roiThr = this.params.roi_params?.slice_filter_roi;
      const roiFilter = roiHWD && Number.isInteger(roiThr) && pre.transforms.some((t) => t.name === 'ROICrop');
      for (let d = 0; d < shapeHWD[2]; d++) {
        const input = inputHWD.map((a) => sliceOf(a, d));
        const gt = gtHWD.map((raters) => raters.map((a) => sliceOf(a, d)));
        // ivadomed filters on the raw slice (before preprocessing), with the first rater's labels
        if (!keepSample(input, gt.map((r) => r[0]), sf)) { filteredSlices++; continue; }
        const roi = roiHWD ? [sliceOf(roiHWD, d)] : [];
        if (roiFilter && !keepRoi(roi[0], roiThr as number)) { filteredRoi++; continue; }
        units.set(d, unitOf(input, gt, roi, [...zooms]));
      }
    }
    let bytes = 0;
    for (const u of units.values()) bytes += bytesOf(u.input) + bytesOf(u.gt.flat()) + bytesOf(u.roi);
    return { shapeHWD, units, bytes, filteredSlices, filteredRoi };
  }

  /**
   * BalancedSampler's label of item i without augmentation: "gt" → 1 when the first class (first
   * rater) of the preprocessed slice / patch is non-empty; any other value → that metadata column.
   */
  async balanceLabel(i: number, type: string): Promise<string | number | null> {
    const ref = this.items[i];
    if (!ref) throw new Error(`SegmentationDataset: item ${i} is outside 0..${this.items.length - 1}.`);
    if (type !== 'gt') {
      const v = this.entries[ref.entry].metadata[type];
      if (v === undefined) throw new Error(`balance_samples.type "${type}" is neither "gt" nor a metadata column of ${this.entries[ref.entry].id}.`);
      return v === null ? null : typeof v === 'number' ? v : String(v);
    }
    const prep = await this.cache.get(String(ref.entry), () => this.prepareEntry(ref.entry));
    const unit = prep.units.get(ref.unit) as PreparedUnit;
    const g = unit.gt[0]?.[0];
    if (!g) return 0;
    const a = ref.patch ? extractPatch(g, ref.patch) : g;
    return a.data.some((v) => v !== 0) ? 1 : 0;
  }

  /** Item i with freshly drawn augmentation parameters from `rng`. */
  async getItem(i: number, rng: DataRng): Promise<DatasetItem> {
    if (!this.prepared) throw new Error('SegmentationDataset: call await dataset.prepare() before reading items.');
    const ref = this.items[i];
    if (!ref) throw new Error(`SegmentationDataset: item ${i} is outside 0..${this.items.length - 1}.`);
    const entry = this.entries[ref.entry];
    const prep = await this.cache.get(String(ref.entry), () => this.prepareEntry(ref.entry));
    const unit = prep.units.get(ref.unit) as PreparedUnit;
    const rater = this.raters > 1 ? rng.int(this.raters) : 0;
    let input = unit.input;
    let gt = unit.gt.map((raters) => raters[Math.min(rater, raters.length - 1)]);
    let roi = unit.roi;
    if (ref.patch) {
      const p = ref.patch;
      input = input.map((a) => extractPatch(a, p));
      gt = gt.map((a) => extractPatch(a, p));
      roi = []; // ivadomed: no ROI with patches
    }
    const sample: TransformSample = { input, gt, roi, meta: { zooms: unit.zooms.slice(), applied: unit.applied.slice() } };
    const out = this.options.transforms.augment(sample, rng);
    const gtOut = this.params.soft_gt ? out.gt : out.gt.map(binarize);
    const meta: ItemMetadata = {
      subject: entry.subject,
      filenames: entry.filenames,
      contrasts: entry.contrasts,
      entry: ref.entry,
      sliceIndex: this.options.mode.kind === 'patches3d' ? undefined : ref.unit,
      patch: ref.patch,
      preprocessedShape: unit.input[0].shape.slice(),
      shapeHWD: prep.shapeHWD,
      sliceAxis: this.sliceAxis,
      zooms: out.meta.zooms,
      rater: this.raters > 1 ? rater : undefined,
      applied: out.meta.applied,
      preprocessingCount: unit.applied.length,
      metadata: entry.metadata,
    };
    let inputOut = out.input;
    if (this.params.is_input_dropout && this.options.datasetType === 'training') {
      const d = dropoutInput(inputOut, rng);
      inputOut = d.input;
      meta.droppedChannels = d.dropped;
    }
    return { input: inputOut, gt: gtOut, roi: out.roi, meta };
  }
}

/** (H, W, D) sizes of a RAS shape for a slice axis. */
function volumeToHWDShape(shape: readonly number[], axis: 0 | 1 | 2): [number, number, number] {
  const [h, w, d] = hwdAxes(axis);
  return [shape[h] ?? 1, shape[w] ?? 1, shape[d] ?? 1];
}

/** ivadomed threshold_predictions(gt, 0.5): 1 where >= 0.5. */
function binarize(a: NdArray): NdArray {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] >= 0.5 ? 1 : 0;
  return { data: out, shape: a.shape.slice() };
}

/**
 * is_input_dropout: between 0 and C − 1 channels zeroed, channels already empty counting as dropped;
 * at least one non-empty channel is kept.
 */
export function dropoutInput(input: NdArray[], rng: DataRng): { input: NdArray[]; dropped: number[] } {
  const C = input.length;
  if (C < 2) return { input, dropped: [] };
  const empty = input.map((a, i) => (a.data.every((v) => v === 0) ? i : -1)).filter((i) => i >= 0);
  const nonEmpty = input.map((_, i) => i).filter((i) => !empty.includes(i));
  const total = rng.int(C); // 0 .. C-1 channels dropped in all
  const extra = Math.min(Math.max(0, total - empty.length), nonEmpty.length - 1);
  const drop = rng.sample(nonEmpty, Math.max(0, extra));
  const out = input.map((a, i) => (drop.includes(i) ? { data: new Float32Array(a.data.length), shape: a.shape.slice() } : a));
  return { input: out, dropped: [...empty, ...drop].sort((a, b) => a - b) };
}

/** A DataRng stand-in for the deterministic preprocessing transforms: any draw is a bug. */
const NO_RANDOM = new Proxy({} as DataRng, {
  get() { throw new Error('a preprocessing transform drew a random number; only Resample, CenterCrop and ROICrop are preprocessing.'); },
});
