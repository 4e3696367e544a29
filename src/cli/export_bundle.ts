/**
 * `ivadomed-web --export-bundle -c config.json [-po path_output]` or `--export-bundle --model <folder>`:
 * packs a trained model folder (<path_output>/<model_name>: config + spec, best weights, FiLM
 * encoder) with path_output's run record and a fresh ONNX export (model.onnx, preprocessing in its
 * metadata_props) into `<path_output>/<model_name>.ivadomed-web.zip` (docs/bundle.md), the file the
 * studio and `--bundle` open. Runs on the engine's CPU backend: it only reads weights.
 */
import { existsSync, mkdirSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { bundleFileName, createBundle, readBundle } from '../bundle/index';
import { createNodeSource } from '../data/node';
import { loadConfigFile } from './config_file';
import { pickBackend } from './device';
import { CliError, EXIT } from './errors';
import { exportModelFolderOnnx } from '../bundle/onnx_model';
import type { CliIO } from './train';

export interface ExportBundleOptions {
  /** The training's config file: path_output and model_name locate the model folder. */
  config?: string;
  /** -po: where the bundle goes (and, with -c, the training's output folder). */
  pathOutput?: string;
  /** --model: the model folder itself; the bundle goes beside it unless -po or -c says otherwise. */
  model?: string;
}

export interface ExportBundleResult {
  file: string;
  bytes: number;
  members: string[];
}

/** Writes the bundle; returns its path, size and members. Errors are CliErrors. */
export async function exportBundle(opts: ExportBundleOptions): Promise<ExportBundleResult> {
  let modelDir: string;
  let outputFolder: string;
  if (opts.config) {
    const { config } = await loadConfigFile(opts.config, 'segment', { pathOutput: opts.pathOutput });
    outputFolder = path.resolve(config.path_output);
    modelDir = opts.model ? path.resolve(opts.model) : path.join(outputFolder, config.model_name);
  } else if (opts.model) {
    modelDir = path.resolve(opts.model);
    outputFolder = opts.pathOutput ? path.resolve(opts.pathOutput) : path.dirname(modelDir);
  } else {
    throw new CliError('--export-bundle needs -c/--config <file> (the training\'s config) or --model <folder>.', EXIT.usage);
  }
  if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) {
    throw new CliError(
      `--export-bundle: there is no trained model folder at ${modelDir}. Train first (--train -c config.json -po <path_output> writes ` +
        '<path_output>/<model_name>/), check -po / path_output and model_name, or give the folder with --model <folder>.',
      EXIT.failure,
    );
  }
  await pickBackend({ cpu: true });
  const source = createNodeSource(path.dirname(modelDir), { writable: false });
  const folder = path.basename(modelDir);
  let zip: Uint8Array;
  try {
    // Exported from the weights being packed (a .onnx already in the folder could be older).
    const onnx = await exportModelFolderOnnx(source, folder);
    zip = await createBundle(source, folder, { onnx });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.failure);
  }
  mkdirSync(outputFolder, { recursive: true });
  const file = path.join(outputFolder, bundleFileName(folder));
  await fs.writeFile(file, zip);
  const members = [...(await readBundle(zip, { validate: false })).members.keys()];
  return { file, bytes: zip.byteLength, members };
}

export async function runExportBundleCommand(opts: ExportBundleOptions, io: CliIO): Promise<number> {
  const result = await exportBundle(opts);
  io.stdout.write(`Model bundle written: ${result.file} (${result.bytes.toLocaleString('en-US')} bytes: ${result.members.join(', ')})\n`);
  io.stdout.write(`Use it with: ivadomed-web --segment --bundle ${result.file} -pd <data> -po <output> [--onnx], or open it in the studio.\n`);
  return EXIT.ok;
}
