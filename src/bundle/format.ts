/**
 * The model bundle format (docs/bundle.md): one deterministic .zip holding everything needed to apply
 * a trained model elsewhere (the studio, the CLI, another machine):
 *   bundle.json          manifest: format, version, model spec, classes, preprocessing summary, sha256 of every member
 *   config.json          the resolved training config (defaults merged)
 *   weights.safetensors  the best weights (safetensors, little-endian f32)
 *   film_encoder.json    FiLM models: the metadata one-hot encoder fitted on the training set
 *   run_record.json      optional: the training's run record (epochs, metrics, split, adapter)
 *   model.onnx           optional: the ONNX export
 */
import type { FilmEncoderJSON } from '../data/index';
import type { StateDict } from '../nn/index';
import type { ModelSpec } from '../nn/models/index';
import type { RunRecord } from '../train/outputs';

export const BUNDLE_FORMAT = 'ivadomed-web-bundle';
export const BUNDLE_VERSION = 1;
/** A bundle's file name is `<model_name>` + this. */
export const BUNDLE_EXTENSION = '.ivadomed-web.zip';

export const BUNDLE_MEMBERS = {
  manifest: 'bundle.json',
  config: 'config.json',
  weights: 'weights.safetensors',
  filmEncoder: 'film_encoder.json',
  runRecord: 'run_record.json',
  onnx: 'model.onnx',
} as const;

/** Members every bundle has (besides bundle.json). */
export const REQUIRED_MEMBERS: readonly string[] = [BUNDLE_MEMBERS.config, BUNDLE_MEMBERS.weights];

/** What a user of the model must do to an image before the network sees it (from the config). */
export interface BundlePreprocessing {
  slice_axis: string | null;
  multichannel: boolean;
  /** contrast_params: the contrasts trained on and those expected at test time (channel order when multichannel). */
  contrasts: { training_validation: string[]; testing: string[] };
  /** The config's transformation restricted to dataset_type "testing" (dataset_type removed), in order. */
  transforms: Record<string, Record<string, unknown>>;
  /** 2D / 3D patching (null: whole slices / not patched). */
  patch: { length_2D: number[] | null; stride_2D: number[] | null; length_3D: number[] | null; stride_3D: number[] | null };
  in_channel: number;
  out_channel: number;
}

export interface BundleFileEntry {
  name: string;
  size: number;
  /** Lower-case hex SHA-256 of the member's bytes. */
  sha256: string;
}

/** bundle.json. */
export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  /** ISO date of packaging. */
  created: string;
  generator: string;
  /** The model folder's name (its files are <model_name>.json / .safetensors). */
  model_name: string;
  /** The exact architecture (createModel(model) rebuilds it). */
  model: ModelSpec;
  best_epoch: number | null;
  /** One name per output channel: loader_parameters.target_suffix. */
  classes: string[];
  preprocessing: BundlePreprocessing;
  /** Every other member with its size and sha256. */
  files: BundleFileEntry[];
}

/** A read, checked bundle. */
export interface Bundle {
  manifest: BundleManifest;
  /** config.json: the resolved training config, as JSON (parse it with bundleConfig for a typed config). */
  config: Record<string, unknown>;
  spec: ModelSpec;
  /** weights.safetensors as stored (written back byte for byte). */
  weights: Uint8Array;
  /** The decoded weights. */
  state: StateDict;
  filmEncoder: FilmEncoderJSON | null;
  runRecord: RunRecord | null;
  onnx: Uint8Array | null;
  /** Every member's bytes by name (bundle.json included). */
  members: Map<string, Uint8Array>;
}

/** `<model_name>.ivadomed-web.zip`. */
export function bundleFileName(modelName: string): string {
  return `${modelName}${BUNDLE_EXTENSION}`;
}

/** Lower-case hex SHA-256 (Web Crypto: Node >= 20 and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const asList = (v: unknown): number[] | null => (Array.isArray(v) ? v.map(Number) : null);
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);

/** The testing transforms of a transformation dict (ivadomed's get_subdatasets_transforms(...)['testing']). */
export function testingTransforms(transformation: unknown): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (!transformation || typeof transformation !== 'object') return out;
  for (const [name, raw] of Object.entries(transformation as Record<string, unknown>)) {
    const params = (raw ?? {}) as Record<string, unknown>;
    const types = params.dataset_type;
    if (Array.isArray(types) && !types.includes('testing')) continue;
    const { dataset_type: _dropped, ...rest } = params;
    void _dropped;
    out[name] = structuredClone(rest);
  }
  return out;
}

/** The preprocessing summary of a resolved config and the model spec built from it. */
export function preprocessingSummary(config: Record<string, unknown>, spec: ModelSpec): BundlePreprocessing {
  const loader = (config.loader_parameters ?? {}) as Record<string, unknown>;
  const contrasts = (loader.contrast_params ?? {}) as Record<string, unknown>;
  return {
    slice_axis: typeof loader.slice_axis === 'string' ? loader.slice_axis : null,
    multichannel: loader.multichannel === true,
    contrasts: { training_validation: asStrings(contrasts.training_validation), testing: asStrings(contrasts.testing) },
    transforms: testingTransforms(config.transformation),
    patch: { length_2D: asList(spec.length_2D), stride_2D: asList(spec.stride_2D), length_3D: asList(spec.length_3D), stride_3D: asList(spec.stride_3D) },
    in_channel: spec.in_channel,
    out_channel: spec.out_channel,
  };
}

/** Class names: loader_parameters.target_suffix (one per output channel). */
export function classNames(config: Record<string, unknown>): string[] {
  const loader = (config.loader_parameters ?? {}) as Record<string, unknown>;
  const suffixes = Array.isArray(loader.target_suffix) ? loader.target_suffix : loader.target_suffix ? [loader.target_suffix] : [];
  // Multi-rater suffixes are lists: the class is named after its first rater.
  return suffixes.map((s: unknown) => String(Array.isArray(s) ? s[0] : s));
}
