/**
 * The viewer's layer model: what the UI says about each image it shows (pure data, no NiiVue).
 *
 * Layer 0 is the base image; every other layer is an overlay drawn on the base image's grid (NiiVue
 * reslices overlays to the background grid). The kind decides how values are coloured:
 * - image: greyscale (or any continuous colormap), the base image or another contrast;
 * - label: a discrete colour per integer value (0 transparent), for ground truth and predictions;
 * - probability / uncertainty: a continuous colormap with an adjustable range and a colorbar.
 */
import type { Volume } from '../../data/volume';

export type LayerKind = 'image' | 'label' | 'probability' | 'uncertainty';

/** Where a layer's voxels come from. */
export type ImageSource =
  /** NIfTI file bytes (.nii or .nii.gz, told apart by `name`). */
  | { type: 'bytes'; bytes: ArrayBuffer | Uint8Array; name: string }
  /** A File from an <input>, a drop or a File System Access handle. */
  | { type: 'file'; file: File }
  /** An in-memory volume (turned into NIfTI bytes with the data layer's writeNifti). */
  | { type: 'volume'; volume: Volume; name: string }
  /**
   * Voxels on the base image's grid (same dims, NIfTI x-fastest order): the overlay is made by cloning
   * the base image, so it inherits the base affine exactly (predictions, probabilities, uncertainty).
   */
  | { type: 'grid'; data: Float32Array | Uint8Array; name: string };

export interface ViewerLayer {
  /** Stable id chosen by the caller; a layer whose source object changes is reloaded. */
  id: string;
  /** Shown in the layer list and the crosshair readout. */
  name: string;
  kind: LayerKind;
  source: ImageSource;
  visible: boolean;
  /** 0..1 */
  opacity: number;
  /** A NiiVue colormap name (ignored for labels, which use a discrete lookup table). */
  colormap: string;
  /** Display range; undefined: NiiVue's robust range of the image (2nd-98th percentile). */
  calMin?: number;
  calMax?: number;
  /** Draw this layer's colorbar (continuous kinds). */
  colorbar: boolean;
  /** Labels: start the colour cycle this many colours later (tells several label layers apart). */
  paletteOffset?: number;
}

/** Facts about a loaded layer, reported back so the controls can offer sensible ranges. */
export interface LayerInfo {
  /** [nx, ny, nz] as stored. */
  dims: number[];
  /** Voxel size in mm. */
  pixDims: number[];
  /** Smallest and largest voxel value. */
  min: number;
  max: number;
  /** Display range NiiVue chose (robust range) or the caller set. */
  calMin: number;
  calMax: number;
}

export type ViewMode = 'axial' | 'coronal' | 'sagittal' | 'multiplanar' | 'render';

export const VIEW_MODES: { id: ViewMode; label: string }[] = [
  { id: 'axial', label: 'Axial' },
  { id: 'coronal', label: 'Coronal' },
  { id: 'sagittal', label: 'Sagittal' },
  { id: 'multiplanar', label: 'Multiplanar' },
  { id: 'render', label: '3D' },
];

/** Continuous colormaps offered in the controls (all NiiVue built-ins). */
export const CONTINUOUS_COLORMAPS = ['gray', 'viridis', 'inferno', 'plasma', 'hot', 'warm', 'cool', 'redyell', 'jet', 'blue', 'red', 'green'];

export const DEFAULT_COLORMAP: Record<LayerKind, string> = {
  image: 'gray',
  label: 'label',
  probability: 'viridis',
  uncertainty: 'inferno',
};

export const DEFAULT_OPACITY: Record<LayerKind, number> = { image: 1, label: 0.6, probability: 0.7, uncertainty: 0.7 };

/**
 * The display range used when the caller set none: [0, 1] for probabilities (zeros transparent), the
 * image's robust range (2nd-98th percentile, from NiiVue) for everything else.
 */
export function autoRange(kind: LayerKind, robust: [number, number]): [number, number] {
  return kind === 'probability' ? [0, 1] : robust;
}

/** File names NiiVue is asked to read: NIfTI-1/2, optionally gzipped. */
export function isNiftiName(name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name);
}

/** The name of the image a source holds. */
export function sourceName(source: ImageSource): string {
  return source.type === 'file' ? source.file.name : source.name;
}

let counter = 0;
/** A fresh layer id (unique within the page). */
export function newLayerId(prefix = 'layer'): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A layer with the defaults of its kind. The first layer of a list is the base image. */
export function makeLayer(source: ImageSource, kind: LayerKind, overrides: Partial<ViewerLayer> = {}): ViewerLayer {
  return {
    id: overrides.id ?? newLayerId(kind),
    name: overrides.name ?? sourceName(source),
    kind,
    source,
    visible: true,
    opacity: DEFAULT_OPACITY[kind],
    colormap: DEFAULT_COLORMAP[kind],
    colorbar: kind === 'probability' || kind === 'uncertainty',
    ...overrides,
  };
}

/**
 * Guess a layer's kind from its file name, BIDS-style: "_seg", "_label", "_mask", "_pred" and "dseg" are
 * labels; "prob"/"soft" probabilities; "unc", "entropy", "variance" uncertainty maps; anything else an image.
 */
export function guessKind(name: string): LayerKind {
  const stem = name.toLowerCase().replace(/\.nii(\.gz)?$/, '');
  if (/(unc|uncertainty|entropy|variance|_var|_std|_iou|_cv)(\b|_|-|$)/.test(stem)) return 'uncertainty';
  if (/(prob|soft|_pred_soft)(\b|_|-|$)/.test(stem)) return 'probability';
  if (/(_seg|seg-|dseg|_label|_labels|_mask|_pred|_lesion|_manual)(\b|_|-|$)/.test(stem)) return 'label';
  return 'image';
}

/** Ten distinct colours (Okabe-Ito-like, readable on grey MRI) for label values 1, 2, 3, ... */
const LABEL_PALETTE: [number, number, number][] = [
  [230, 75, 53],
  [77, 187, 213],
  [0, 160, 135],
  [240, 228, 66],
  [204, 121, 167],
  [86, 180, 233],
  [213, 94, 0],
  [145, 209, 79],
  [160, 110, 250],
  [255, 170, 60],
];

export interface LabelLut {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

/**
 * The discrete colour table for a label layer with values 0..maxLabel: 0 is transparent, others cycle
 * through the palette. At least two entries (NiiVue ignores a table of one colour).
 */
export function labelLut(maxLabel: number, names?: string[], paletteOffset = 0): LabelLut {
  const n = Math.max(1, Math.min(Math.round(maxLabel), 4095));
  const lut: LabelLut = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [names?.[0] ?? 'background'] };
  for (let v = 1; v <= n; v++) {
    const [r, g, b] = LABEL_PALETTE[(v - 1 + paletteOffset) % LABEL_PALETTE.length];
    lut.R.push(r);
    lut.G.push(g);
    lut.B.push(b);
    lut.A.push(255);
    lut.I.push(v);
    lut.labels.push(names?.[v] ?? `label ${v}`);
  }
  return lut;
}

/** Largest value of an array (NaN-safe, no spread: volumes have millions of voxels). */
export function maxValue(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > m) m = v;
  }
  return m;
}

/**
 * Smallest and largest finite value ([0, 0] when there is none). NiiVue's own range comes out as
 * Infinity…-Infinity for a constant volume (e.g. an unc-cv map that is 0 everywhere).
 */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** A voxel value for the readout: integers as is, others with 4 significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** Step for a range slider over [min, max]: about 200 steps, 1 for integer ranges of that size. */
export function rangeStep(min: number, max: number): number {
  const span = max - min;
  if (!(span > 0)) return 0.01;
  const raw = span / 200;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return Number((Math.ceil(raw / pow) * pow).toPrecision(2));
}
