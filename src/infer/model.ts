/**
 * Loading a trained model from the layout the trainer writes (src/train/trainer.ts):
 *   <modelFolder>/<name>.json         the config + `ivadomed_web.model` (the ModelSpec)
 *   <modelFolder>/<name>.safetensors  the best weights
 * where <name> is the folder's last path component (ivadomed: path_output/<model_name>/<model_name>.*).
 * The model comes back in eval mode on the current backend.
 */
import type { IvadomedConfig } from '../config/index';
import type { FileSource } from '../data/index';
import { decodeSafetensors } from '../nn/index';
import { createModel, type BuiltModel, type ModelSpec } from '../nn/models/index';

export interface LoadedModel {
  model: BuiltModel;
  /** The config saved with the model (training config; may differ from the one running the test). */
  config: IvadomedConfig;
  spec: ModelSpec;
  /** Paths read, for logs. */
  files: { json: string; weights: string };
}

async function readRequired(source: FileSource, path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await source.read(path));
  } catch (err) {
    throw new Error(
      `Trained model: ${what} "${path}" was not found in "${source.name}" (${err instanceof Error ? err.message : String(err)}). ` +
        'Train first (--train writes <path_output>/<model_name>/<model_name>.json and .safetensors), or point the model folder to a trained model.',
    );
  }
}

/** Folder name without trailing slashes and its last component. */
function folderParts(modelFolder: string): { folder: string; name: string } {
  const folder = modelFolder.replace(/\/+$/, '');
  const name = folder.split('/').pop() ?? '';
  if (!name) throw new Error(`Trained model: the model folder "${modelFolder}" has no name; give e.g. "my_model" (the folder holding my_model.json and my_model.safetensors).`);
  return { folder, name };
}

export async function loadTrainedModel(source: FileSource, modelFolder: string): Promise<LoadedModel> {
  const { folder, name } = folderParts(modelFolder);
  const jsonPath = `${folder}/${name}.json`;
  const weightsPath = `${folder}/${name}.safetensors`;
  const jsonBytes = await readRequired(source, jsonPath, 'model description');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(jsonBytes)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Trained model: "${jsonPath}" is not valid JSON (${(err as Error).message}).`);
  }
  const spec = (parsed.ivadomed_web as { model?: ModelSpec } | undefined)?.model;
  if (!spec || typeof spec.name !== 'string') {
    throw new Error(`Trained model: "${jsonPath}" has no "ivadomed_web.model" entry (the architecture). It was not written by ivadomed-web's trainer; ivadomed .pt/.onnx models cannot be loaded.`);
  }
  const weightsBytes = await readRequired(source, weightsPath, 'weights');
  let state;
  try {
    state = decodeSafetensors(weightsBytes).state;
  } catch (err) {
    throw new Error(`Trained model: "${weightsPath}" is not a readable safetensors file (${(err as Error).message}).`);
  }
  const model = createModel(spec);
  try {
    model.module.loadStateDict(state);
  } catch (err) {
    model.module.dispose();
    throw new Error(`Trained model: the weights "${weightsPath}" do not fit the ${spec.name} described in "${jsonPath}": ${(err as Error).message}`);
  }
  model.module.eval();
  const { ivadomed_web: _meta, ...config } = parsed;
  void _meta;
  return { model, config: config as unknown as IvadomedConfig, spec, files: { json: jsonPath, weights: weightsPath } };
}
