/**
 * The ONNX file of a trained model folder, as ivadomed packages it (`<model_name>/<model_name>.onnx`
 * beside the weights, INVENTORY §g end / §j): exported from the folder's best weights with the
 * preprocessing a user of the file needs in metadata_props.
 */
import { preprocessingSummary } from './format';
import type { FileSource } from '../data/index';
import { loadTrainedModel } from '../infer/model';
import type { BuiltModel, ModelSpec } from '../nn/models/index';
import { exportOnnx } from '../onnx/index';

/** `<folder>/<name>.onnx`, <name> being the folder's last component. */
export function modelOnnxPath(modelFolder: string): string {
  const folder = modelFolder.replace(/\/+$/, '');
  return `${folder}/${folder.split('/').pop()}.onnx`;
}

/**
 * metadata_props describing the preprocessing (strings; JSON for structured values): the bundle's
 * preprocessing summary as one entry, plus its main fields as their own keys for tools that read one.
 * The exporter adds model_name / model_class / input_names / output_names / model_spec itself.
 */
export function onnxPreprocessingMetadata(config: Record<string, unknown>, spec: ModelSpec): Record<string, string> {
  const summary = preprocessingSummary(config, spec);
  const loader = (config.loader_parameters ?? {}) as Record<string, unknown>;
  const meta: Record<string, string> = {
    preprocessing: JSON.stringify(summary),
    slice_axis: summary.slice_axis ?? '',
    multichannel: String(summary.multichannel),
    contrasts: JSON.stringify(summary.contrasts.testing),
    target_suffix: JSON.stringify(loader.target_suffix ?? []),
    transforms: JSON.stringify(summary.transforms),
    postprocessing: JSON.stringify(config.postprocessing ?? {}),
  };
  if (typeof config.model_name === 'string') meta.ivadomed_model_name = config.model_name;
  for (const [key, value] of Object.entries(summary.patch)) if (value) meta[key] = JSON.stringify(value);
  return meta;
}

/** The ONNX bytes of a loaded model (inference semantics), with the preprocessing metadata. */
export async function exportModelOnnx(model: BuiltModel, spec: ModelSpec, config: Record<string, unknown>): Promise<Uint8Array> {
  return exportOnnx(model, spec, { metadata: onnxPreprocessingMetadata(config, spec) });
}

/**
 * Exports the model of `<modelFolder>` (its best weights, on the current backend) to ONNX. The model
 * is built, exported and disposed; returns the bytes.
 */
export async function exportModelFolderOnnx(source: FileSource, modelFolder: string): Promise<Uint8Array> {
  const loaded = await loadTrainedModel(source, modelFolder);
  try {
    return await exportModelOnnx(loaded.model, loaded.spec, loaded.config as unknown as Record<string, unknown>);
  } finally {
    loaded.model.module.dispose();
  }
}

/** `<modelFolder>/<name>.onnx` when the folder has it, else null. */
export async function readModelOnnx(source: FileSource, modelFolder: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await source.read(modelOnnxPath(modelFolder)));
  } catch {
    return null;
  }
}
