/**
 * Packing a trained model folder (what src/train/trainer.ts writes into path_output) into a bundle.
 * The zip is deterministic: members in a fixed order, a fixed modification time, fixed compression,
 * so the same model (and `created`) gives the same bytes in the browser and in Node.
 */
import { zipSync, type Zippable } from 'fflate';
import type { FileSource } from '../data/index';
import { decodeSafetensors } from '../nn/index';
import type { ModelSpec } from '../nn/models/index';
import { OUTPUT_FILES, type RunRecord } from '../train/outputs';
import {
  BUNDLE_FORMAT, BUNDLE_MEMBERS, BUNDLE_VERSION, classNames, preprocessingSummary, sha256Hex,
  type BundleFileEntry, type BundleManifest,
} from './format';
import { checkWeightsFit } from './weights';

/** Everything a bundle holds, before packing. */
export interface BundleParts {
  modelName: string;
  spec: ModelSpec;
  /** The resolved training config (without `ivadomed_web`). */
  config: Record<string, unknown>;
  weights: Uint8Array;
  bestEpoch?: number | null;
  filmEncoder?: Uint8Array | null;
  runRecord?: Uint8Array | null;
  onnx?: Uint8Array | null;
  /** ISO date for bundle.json (default now); fix it for byte-identical bundles. */
  created?: string;
}

export interface CreateBundleOptions {
  /** model.onnx bytes (from the ONNX exporter) to ship beside the weights. */
  onnx?: Uint8Array;
  /**
   * The run record: the object or its JSON bytes/text; false leaves it out. Default: path_output's
   * run_record.json (the folder above the model folder) when it belongs to this model (same model_name).
   */
  runRecord?: RunRecord | Uint8Array | string | false;
  /** ISO date written as bundle.json's `created` (default now). */
  created?: string;
  /** Build the model and load the weights strictly before packing (default true). */
  validate?: boolean;
}

/** DOS time has no time zone: a local 1980-01-01 00:00 encodes to the same bytes everywhere. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const encoder = new TextEncoder();

/** Packs the parts into a zip (bundle.json first, then the members in BUNDLE_MEMBERS order). */
export async function assembleBundle(parts: BundleParts): Promise<Uint8Array> {
  const members: Array<[string, Uint8Array]> = [
    [BUNDLE_MEMBERS.config, encoder.encode(`${JSON.stringify(parts.config, null, 2)}\n`)],
    [BUNDLE_MEMBERS.weights, parts.weights],
  ];
  if (parts.filmEncoder) members.push([BUNDLE_MEMBERS.filmEncoder, parts.filmEncoder]);
  if (parts.runRecord) members.push([BUNDLE_MEMBERS.runRecord, parts.runRecord]);
  if (parts.onnx) members.push([BUNDLE_MEMBERS.onnx, parts.onnx]);
  const files: BundleFileEntry[] = [];
  for (const [name, bytes] of members) files.push({ name, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    created: parts.created ?? new Date().toISOString(),
    generator: 'ivadomed-web',
    model_name: parts.modelName,
    model: parts.spec,
    best_epoch: parts.bestEpoch ?? null,
    classes: classNames(parts.config),
    preprocessing: preprocessingSummary(parts.config, parts.spec),
    files,
  };
  const zippable: Zippable = { [BUNDLE_MEMBERS.manifest]: encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`) };
  for (const [name, bytes] of members) zippable[name] = bytes;
  // Weights and ONNX are float data that deflate barely shrinks: store them (fast, and seekable).
  const stored = new Set<string>([BUNDLE_MEMBERS.weights, BUNDLE_MEMBERS.onnx]);
  const withOptions: Zippable = {};
  for (const [name, bytes] of Object.entries(zippable)) {
    withOptions[name] = [bytes as Uint8Array, { mtime: FIXED_MTIME, level: stored.has(name) ? 0 : 6, os: 3, attrs: 0o644 << 16 }];
  }
  return zipSync(withOptions);
}

async function readMaybe(source: FileSource, path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await source.read(path));
  } catch {
    return null;
  }
}

async function readRequired(source: FileSource, path: string, what: string): Promise<Uint8Array> {
  const bytes = await readMaybe(source, path);
  if (!bytes) {
    throw new Error(
      `Model bundle: ${what} "${path}" was not found in "${source.name}". Point to a trained model folder ` +
        '(<path_output>/<model_name>, holding <model_name>.json and <model_name>.safetensors; --train writes it).',
    );
  }
  return bytes;
}

function runRecordBytes(value: RunRecord | Uint8Array | string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return encoder.encode(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** path_output's run_record.json, when it records the training of this model. */
async function defaultRunRecord(source: FileSource, parent: string, modelName: string): Promise<Uint8Array | null> {
  const bytes = await readMaybe(source, parent ? `${parent}/${OUTPUT_FILES.runRecord}` : OUTPUT_FILES.runRecord);
  if (!bytes) return null;
  try {
    const record = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RunRecord>;
    const name = (record.config as { model_name?: unknown } | undefined)?.model_name;
    return record.format === 'ivadomed-web-run' && name === modelName ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * Bundles a trained model folder: `<modelFolder>/<name>.json` (config + `ivadomed_web.model`),
 * `<name>.safetensors`, `film_encoder.json` when present, path_output's run record, the ONNX bytes
 * given. `<name>` is the folder's last path component (ivadomed's path_output/<model_name>).
 */
export async function createBundle(source: FileSource, modelFolder: string, options: CreateBundleOptions = {}): Promise<Uint8Array> {
  const folder = modelFolder.replace(/\/+$/, '');
  const name = folder.split('/').pop() ?? '';
  if (!name) throw new Error(`Model bundle: the model folder "${modelFolder}" has no name; give e.g. "my_model" (the folder holding my_model.json and my_model.safetensors).`);
  const parent = folder.split('/').slice(0, -1).join('/');
  const jsonPath = `${folder}/${name}.json`;
  const weightsPath = `${folder}/${name}.safetensors`;
  const jsonBytes = await readRequired(source, jsonPath, 'model description');
  let described: Record<string, unknown>;
  try {
    described = JSON.parse(new TextDecoder().decode(jsonBytes)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Model bundle: "${jsonPath}" is not valid JSON (${(err as Error).message}).`);
  }
  const { ivadomed_web: meta, ...config } = described;
  const spec = (meta as { model?: ModelSpec } | undefined)?.model;
  if (!spec || typeof spec.name !== 'string') {
    throw new Error(`Model bundle: "${jsonPath}" has no "ivadomed_web.model" entry (the architecture); only models trained by ivadomed-web can be bundled.`);
  }
  const bestEpoch = (meta as { best_epoch?: unknown }).best_epoch;
  const weights = await readRequired(source, weightsPath, 'weights');
  if (options.validate ?? true) {
    let state;
    try {
      state = decodeSafetensors(weights).state;
    } catch (err) {
      throw new Error(`Model bundle: "${weightsPath}" is not a readable safetensors file (${(err as Error).message}).`);
    }
    checkWeightsFit(spec, state, `"${weightsPath}"`, `the ${spec.name} described in "${jsonPath}"`);
  }
  const filmEncoder = await readMaybe(source, `${folder}/${OUTPUT_FILES.filmEncoder}`);
  if (spec.n_metadata !== undefined && !filmEncoder) {
    throw new Error(`Model bundle: ${spec.name} is FiLM-conditioned but "${folder}/${OUTPUT_FILES.filmEncoder}" (its metadata encoder) is missing; copy it from the training output or retrain.`);
  }
  const runRecord = options.runRecord === false ? null
    : options.runRecord !== undefined ? runRecordBytes(options.runRecord)
      : await defaultRunRecord(source, parent, name);
  return assembleBundle({
    modelName: name, spec, config, weights, bestEpoch: typeof bestEpoch === 'number' ? bestEpoch : null,
    filmEncoder, runRecord, onnx: options.onnx ?? null, created: options.created,
  });
}
