/**
 * The FiLM conditioning vector (ivadomed's loader/film.py + the metadata part of bids_dataset.py):
 * per image, raw values (MRI parameters, contrast, or a participants.tsv / sidecar column) ->
 * categorical features (ivadomed's `film_input`) -> one-hot vector of length nMetadata.
 * Fitted on the training images, saved with the model as JSON (ivadomed's clustering_models.joblib,
 * one_hot_encoder.joblib and metadata_dict.joblib in one object).
 */
import { FILM_BANDWIDTHS, KdeClusterer, linspace, logspace, type KdeClustererJSON } from './kde';

/** FiLMedUnet.metadata: 'mri_params', 'contrasts', or the name of a metadata column. */
export type FilmMetadataKind = 'mri_params' | 'contrasts' | (string & {});

/** What the FiLM code reads of an image: its metadata row and its contrasts (first = the one used). */
export interface FilmMetaSource {
  metadata: Record<string, unknown>;
  contrasts: readonly string[];
  /** Named in error messages (else metadata.filename). */
  filenames?: readonly string[];
}

/** One raw value per feature: mri_params -> [FA, RT, ET, Manufacturer]; contrasts -> [index]; column -> [value | null]. */
export type FilmRawValues = (number | string | null)[];

export const MRI_PARAM_KEYS = ['FlipAngle', 'RepetitionTime', 'EchoTime'] as const;
export type MriParamKey = (typeof MRI_PARAM_KEYS)[number];

export const MANUFACTURER_CATEGORY: Readonly<Record<string, number>> = { Siemens: 0, Philips: 1, GE: 2 };

export const CONTRAST_CATEGORY: Readonly<Record<string, number>> = {
  T1w: 0, T2w: 1, T2star: 2, 'acq-MToff_MTS': 3, 'acq-MTon_MTS': 4, 'acq-T1w_MTS': 5,
};

/** ivadomed's config/contrast_dct.json: contrast name -> generic contrast (a CONTRAST_CATEGORY key). */
export const GENERIC_CONTRAST: Readonly<Record<string, string>> = {
  T2w: 'T2w', T1w: 'T1w', T2star: 'T2star',
  'acq-MToff_MTS': 'acq-MToff_MTS', 'acq-MTon_MTS': 'acq-MTon_MTS', 'acq-T1w_MTS': 'acq-T1w_MTS',
  'acq-axmid00100_T2w': 'T2w', 'acq-axbottom_T2w': 'T2w', 'acq-sagtsp_T2w': 'T2w', 'acq-sagstir_T2w': 'T2w',
  'acq-axtop_T2w': 'T2w', 'acq-ax00014_T2w': 'T2w', 'acq-axtsp_T2w': 'T2w', 'acq-axtop00100_T2w': 'T2w',
  'acq-axcsp_T2w': 'T2w', 'acq-sup_T2star': 'T2star', 'acq-ax_T2w': 'T2w', 'acq-sagcsp_T2w': 'T2w',
  'acq-axmid00005_T2w': 'T2w', 'acq-sagstirtsp_T2w': 'T2w', 'acq-ax00012_T2w': 'T2w', 'acq-axlow_T2w': 'T2w',
  'acq-sagstircsp_T2w': 'T2w', 'acq-sag_T2w': 'T2w', 'acq-sag00015_T2w': 'T2w', 'acq-inf_T2star': 'T2star',
  'acq-inf_T2w': 'T2w', 'acq-c1c3_T2star': 'T2star', 'acq-c4c7_T2star': 'T2star', 'acq-sup_T2w': 'T2w',
  'acq-sagcerv_T2w': 'T2w', 'acq-ax_T2star': 'T2star', 'acq-sagthor_T2w': 'T2w', 'acq-wat_T1w': 'T1w',
  'acq-inn_T1w': 'T1w', 'acq-fat_T1w': 'T1w', 'acq-opp_T1w': 'T1w', t1: 'T1w', t2: 'T2w', t2s: 'T2star',
};

/** ivadomed's KDE evaluation grids. */
export function filmKdeGrid(key: MriParamKey): Float64Array {
  switch (key) {
    case 'FlipAngle': return linspace(0, 360, 1000);
    case 'RepetitionTime': return logspace(-1, 1, 1000);
    case 'EchoTime': return logspace(-3, 1, 1000);
  }
}

/** An image whose metadata cannot give FiLM values (ivadomed skips it silently; we name it). */
export class FilmMetadataError extends Error {
  constructor(readonly file: string, readonly missing: string[], message: string) {
    super(message);
    this.name = 'FilmMetadataError';
  }
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function fileOf(meta: FilmMetaSource): string {
  const f = meta.filenames?.[0] ?? meta.metadata.filename ?? meta.metadata.path;
  return typeof f === 'string' ? f : '(unnamed image)';
}

/** A sidecar number; multi-echo values ("0.01,0.02" or [0.01, 0.02]) are averaged as ivadomed does. */
function mriNumber(key: string, value: unknown, file: string): number {
  const parts: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const nums = parts.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && p.trim() !== '' ? Number(p) : NaN));
  if (nums.length === 0 || nums.some((v) => !Number.isFinite(v))) {
    throw new FilmMetadataError(file, [], `${file}: sidecar ${key} = ${JSON.stringify(value)} is not a number (or comma-separated numbers). Fix the JSON sidecar.`);
  }
  return nums.reduce((a, b) => a + b, 0) / nums.length;
}

/**
 * The raw FiLM values of one image (first channel). Throws FilmMetadataError naming the file and
 * what is missing: an mri_params key absent from the sidecar, a contrast with no generic category,
 * or a column that is not in the metadata.
 */
export function rawFilmValues(kind: FilmMetadataKind, meta: FilmMetaSource): FilmRawValues {
  const file = fileOf(meta);
  if (kind === 'mri_params') {
    const keys = [...MRI_PARAM_KEYS, 'Manufacturer'];
    const missing = keys.filter((k) => meta.metadata[k] === undefined || meta.metadata[k] === null);
    if (missing.length) {
      throw new FilmMetadataError(file, missing, `${file}: FiLM metadata "mri_params" needs ${missing.join(', ')} in the JSON sidecar (missing). Add ${missing.length > 1 ? 'them' : 'it'} to the sidecar or leave the image out.`);
    }
    return [...MRI_PARAM_KEYS.map((k) => mriNumber(k, meta.metadata[k], file)), String(meta.metadata.Manufacturer)];
  }
  if (kind === 'contrasts') {
    const contrast = meta.contrasts[0];
    const generic = contrast === undefined ? undefined
      : own(GENERIC_CONTRAST, contrast) ? GENERIC_CONTRAST[contrast] : own(CONTRAST_CATEGORY, contrast) ? contrast : undefined;
    if (generic === undefined) {
      throw new FilmMetadataError(file, ['contrast'], `${file}: contrast "${contrast}" has no FiLM category; known contrasts: ${Object.keys(GENERIC_CONTRAST).join(', ')} (generic: ${Object.keys(CONTRAST_CATEGORY).join(', ')}).`);
    }
    return [CONTRAST_CATEGORY[generic]];
  }
  if (!own(meta.metadata, kind)) {
    throw new FilmMetadataError(file, [kind], `${file}: FiLM metadata column "${kind}" is not among this image's sidecar keys / participants.tsv columns. Use "mri_params", "contrasts" or an existing column.`);
  }
  const v = meta.metadata[kind];
  return [v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v)];
}

/** The images that cannot be encoded (ivadomed drops them from the dataset), with why. */
export function filmProblems(kind: FilmMetadataKind, metas: readonly FilmMetaSource[]): { index: number; file: string; problem: string }[] {
  const out: { index: number; file: string; problem: string }[] = [];
  metas.forEach((m, index) => {
    try {
      rawFilmValues(kind, m);
    } catch (e) {
      out.push({ index, file: fileOf(m), problem: (e as Error).message });
    }
  });
  return out;
}

/** Python sorted() of a column's values: numeric order when every value is a number, else string order. */
function sortColumnValues(values: string[]): string[] {
  const numeric = values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return [...values].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface FilmEncoderJSON {
  format: 'ivadomed-web-film';
  version: 1;
  kind: FilmMetadataKind;
  /** Per feature, the fitted categories (sorted): OneHotEncoder.categories_. */
  categories: number[][];
  /** mri_params: the KDE clusterings (clustering_models.joblib). */
  clustering?: Record<MriParamKey, KdeClustererJSON>;
  /** column kind: value -> index (metadata_dict.joblib). */
  metadataDict?: Record<string, number>;
}

/** Categorical features of an image -> one-hot FiLM vector (OneHotEncoder(handle_unknown='ignore')). */
export class FilmEncoder {
  private constructor(
    readonly kind: FilmMetadataKind,
    readonly categories: readonly (readonly number[])[],
    readonly clustering: Readonly<Record<MriParamKey, KdeClusterer>> | null,
    readonly metadataDict: Readonly<Record<string, number>> | null,
  ) {}

  /**
   * Fit on the training images (one meta per image, as ivadomed's per-file metadata lists; per-slice
   * duplicates would weigh the KDE). Throws listing every image that cannot be encoded: leave those out
   * of the dataset first (filmProblems).
   */
  static fit(kind: FilmMetadataKind, metas: readonly FilmMetaSource[], bandwidths: readonly number[] = FILM_BANDWIDTHS): FilmEncoder {
    if (metas.length === 0) throw new Error(`FilmEncoder.fit: no training images to fit FiLM metadata "${kind}" on.`);
    const problems = filmProblems(kind, metas);
    if (problems.length) {
      const shown = problems.slice(0, 5).map((p) => p.problem).join('\n  ');
      throw new Error(`FilmEncoder.fit: ${problems.length} training image(s) cannot be encoded:\n  ${shown}${problems.length > 5 ? `\n  ... and ${problems.length - 5} more` : ''}\nLeave them out (filmProblems) or fix their metadata.`);
    }
    const raws = metas.map((m) => rawFilmValues(kind, m));
    let clustering: Record<MriParamKey, KdeClusterer> | null = null;
    let metadataDict: Record<string, number> | null = null;
    if (kind === 'mri_params') {
      const c = {} as Record<MriParamKey, KdeClusterer>;
      MRI_PARAM_KEYS.forEach((k, f) => {
        c[k] = KdeClusterer.fit(raws.map((r) => r[f] as number), filmKdeGrid(k), bandwidths);
      });
      clustering = c;
    } else if (kind !== 'contrasts') {
      // ivadomed: sorted(set(column.dropna())) -> index; n/a values stay out (encoded as zeros)
      const values = [...new Set(raws.map((r) => r[0]).filter((v): v is string => v !== null))];
      metadataDict = Object.fromEntries(sortColumnValues(values).map((v, i) => [v, i]));
    }
    const partial = new FilmEncoder(kind, [], clustering, metadataDict);
    const inputs = raws.map((r) => partial.featuresOf(r));
    const nFeatures = inputs[0].length;
    const categories = Array.from({ length: nFeatures }, (_, f) =>
      [...new Set(inputs.map((x) => x[f]).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b));
    return new FilmEncoder(kind, categories, clustering, metadataDict);
  }

  /** Raw values -> categorical features (ivadomed's film_input); NaN = value unknown to the fit. */
  private featuresOf(raw: FilmRawValues): number[] {
    if (this.kind === 'mri_params') {
      const c = this.clustering as Record<MriParamKey, KdeClusterer>;
      const manufacturer = raw[3] as string;
      return [
        ...MRI_PARAM_KEYS.map((k, f) => c[k].predict(raw[f] as number)),
        own(MANUFACTURER_CATEGORY, manufacturer) ? MANUFACTURER_CATEGORY[manufacturer] : -1,
      ];
    }
    if (this.kind === 'contrasts') return [raw[0] as number];
    const v = raw[0];
    const dict = this.metadataDict as Record<string, number>;
    return [v !== null && own(dict, v as string) ? dict[v as string] : NaN];
  }

  /** Categorical features of an image (ivadomed's film_input). */
  filmInput(meta: FilmMetaSource): number[] {
    return this.featuresOf(rawFilmValues(this.kind, meta));
  }

  /** Length of the one-hot vector (FiLMedUnet's n_metadata). */
  get nMetadata(): number {
    return this.categories.reduce((n, c) => n + c.length, 0);
  }

  /** The one-hot FiLM vector of an image; a category not seen in training gives zeros for that feature. */
  encode(meta: FilmMetaSource): Float32Array {
    return this.oneHot(this.filmInput(meta));
  }

  /** One-hot of categorical features (OneHotEncoder.transform with handle_unknown='ignore'). */
  oneHot(features: readonly number[]): Float32Array {
    if (features.length !== this.categories.length) {
      throw new Error(`FilmEncoder.oneHot: expected ${this.categories.length} features, got ${features.length}.`);
    }
    const out = new Float32Array(this.nMetadata);
    let offset = 0;
    this.categories.forEach((cats, f) => {
      const i = cats.indexOf(features[f]);
      if (i >= 0) out[offset + i] = 1;
      offset += cats.length;
    });
    return out;
  }

  toJSON(): FilmEncoderJSON {
    const json: FilmEncoderJSON = { format: 'ivadomed-web-film', version: 1, kind: this.kind, categories: this.categories.map((c) => [...c]) };
    if (this.clustering) {
      json.clustering = Object.fromEntries(MRI_PARAM_KEYS.map((k) => [k, this.clustering![k].toJSON()])) as Record<MriParamKey, KdeClustererJSON>;
    }
    if (this.metadataDict) json.metadataDict = { ...this.metadataDict };
    return json;
  }

  static fromJSON(json: FilmEncoderJSON): FilmEncoder {
    if (!json || json.format !== 'ivadomed-web-film' || json.version !== 1) {
      throw new Error(`FilmEncoder.fromJSON: not a saved FiLM encoder (expected format "ivadomed-web-film", version 1; got ${JSON.stringify(json && { format: json.format, version: json.version })}).`);
    }
    if (!Array.isArray(json.categories) || json.categories.some((c) => !Array.isArray(c))) {
      throw new Error('FilmEncoder.fromJSON: "categories" must be an array of number arrays.');
    }
    let clustering: Record<MriParamKey, KdeClusterer> | null = null;
    if (json.kind === 'mri_params') {
      if (!json.clustering) throw new Error('FilmEncoder.fromJSON: kind "mri_params" needs "clustering" (FlipAngle, RepetitionTime, EchoTime).');
      const c = {} as Record<MriParamKey, KdeClusterer>;
      for (const k of MRI_PARAM_KEYS) {
        if (!json.clustering[k]) throw new Error(`FilmEncoder.fromJSON: "clustering" lacks ${k}.`);
        c[k] = KdeClusterer.fromJSON(json.clustering[k]);
      }
      clustering = c;
    }
    let metadataDict: Record<string, number> | null = null;
    if (json.kind !== 'mri_params' && json.kind !== 'contrasts') {
      if (!json.metadataDict) throw new Error(`FilmEncoder.fromJSON: column kind "${json.kind}" needs "metadataDict".`);
      metadataDict = { ...json.metadataDict };
    }
    return new FilmEncoder(json.kind, json.categories.map((c) => [...c]), clustering, metadataDict);
  }
}
