/**
 * Using a read bundle: as a model folder (the layout loadTrainedModel / runTest / runSegment read), as a
 * built model, or its config as a typed IvadomedConfig.
 */
import { parseConfig, type ConfigOverrides, type IvadomedConfig } from '../config/index';
import { createMemorySource, normalizePath, type FileSource, type MemorySource } from '../data/index';
import type { BuiltModel } from '../nn/models/index';
import { OUTPUT_FILES } from '../train/outputs';
import { BUNDLE_MEMBERS, type Bundle } from './format';
import { buildWithWeights } from './weights';

/** `<name>.json` as the trainer writes it: the config + `ivadomed_web` {model, best_epoch}. */
function modelJson(bundle: Bundle): string {
  const described = { ...bundle.config, ivadomed_web: { model: bundle.spec, best_epoch: bundle.manifest.best_epoch } };
  return JSON.stringify(described, null, 2);
}

/**
 * Writes the model folder layout into `target`:
 *   <folder>/<name>.json, <folder>/<name>.safetensors (the bundle's bytes), <folder>/film_encoder.json,
 *   <folder>/run_record.json, <folder>/<name>.onnx (when the bundle has them)
 * where <name> is the folder's last component (default folder: the bundle's model_name).
 * Returns the written paths.
 */
export async function bundleToModelFolder(bundle: Bundle, target: FileSource, folder: string = bundle.manifest.model_name): Promise<string[]> {
  if (!target.writable) throw new Error(`Model bundle: "${target.name}" is read-only; choose a writable folder to unpack the model into.`);
  const dir = normalizePath(folder);
  const name = dir.split('/').pop() ?? '';
  if (!name) throw new Error(`Model bundle: the model folder "${folder}" has no name; give e.g. "${bundle.manifest.model_name}".`);
  const files: Array<[string, Uint8Array | string]> = [
    [`${dir}/${name}.json`, modelJson(bundle)],
    [`${dir}/${name}.safetensors`, bundle.weights],
  ];
  const film = bundle.members.get(BUNDLE_MEMBERS.filmEncoder);
  if (film) files.push([`${dir}/${OUTPUT_FILES.filmEncoder}`, film]);
  const record = bundle.members.get(BUNDLE_MEMBERS.runRecord);
  if (record) files.push([`${dir}/${OUTPUT_FILES.runRecord}`, record]);
  if (bundle.onnx) files.push([`${dir}/${name}.onnx`, bundle.onnx]);
  for (const [path, data] of files) await target.write(path, data);
  return files.map(([p]) => p);
}

/**
 * The bundle as an in-memory model folder, for runTest / runSegment without touching the disk:
 *   const { source, folder } = await bundleModelSource(bundle);
 *   await runSegment({ config, data, output, modelSource: source, modelFolder: folder });
 */
export async function bundleModelSource(bundle: Bundle): Promise<{ source: MemorySource; folder: string }> {
  const source = createMemorySource(`${bundle.manifest.model_name} (bundle)`);
  const folder = bundle.manifest.model_name;
  await bundleToModelFolder(bundle, source, folder);
  return { source, folder };
}

/** The bundle's model on the current backend, weights loaded, in eval mode (dispose model.module when done). */
export function loadBundleModel(bundle: Bundle): BuiltModel {
  return buildWithWeights(bundle.spec, bundle.state, BUNDLE_MEMBERS.weights, `the ${bundle.spec.name} of ${BUNDLE_MEMBERS.manifest}`);
}

/**
 * The bundle's config.json validated as an IvadomedConfig, with the command-line overrides
 * (command, path_data, path_output) applied, e.g. to segment a new dataset with the training's settings.
 */
export function bundleConfig(bundle: Bundle, overrides: ConfigOverrides = {}): IvadomedConfig {
  const result = parseConfig(bundle.config, { overrides });
  if (!result.ok) {
    throw new Error(`Model bundle: its ${BUNDLE_MEMBERS.config} is not a valid ivadomed config: ${result.errors.map((e) => e.message).join('; ')}. Give a config file of your own instead.`);
  }
  return result.config;
}
