/**
 * `--test` and `--segment`: resolve the config, open path_data (read-only) and path_output (which
 * holds <model_name>/ from the training and receives pred_masks/, results_eval/), pick the backend
 * and hand over to src/infer/run.ts (runTest / runSegment). --no-patch and --overlap-2d change the
 * 2D patching of the config as ivadomed does for --segment.
 * The model: path_output/<model_name>/ by default, `--model <folder>`, or `--bundle <file.zip>` (whose
 * config is used when no -c is given; for --test its run record supplies split_datasets.json when
 * path_output has none). `--onnx`: the forward passes run in onnxruntime-web (wasm) from the model's
 * .onnx (the bundle's model.onnx, `<model_name>/<model_name>.onnx`, or an export on the fly); the
 * engine then only builds the model, on its CPU backend (no GPU needed).
 */
import { existsSync, mkdirSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { bundleConfig, bundleModelSource, readBundle, type Bundle } from '../bundle/index';
import type { IvadomedConfig } from '../config/index';
import type { FileSource } from '../data/index';
import { createNodeSource } from '../data/node';
import { runSegment, runTest, type InferenceEvent, type InferenceOptions, type InferenceResult } from '../infer/run';
import { OUTPUT_FILES } from '../train/outputs';
import { dataFolders, loadConfigFile, type LoadedConfig } from './config_file';
import { pickBackend } from './device';
import { CliError, EXIT } from './errors';
import { RunLog } from './log';
import { exportModelOnnx, modelOnnxPath, readModelOnnx } from '../bundle/onnx_model';
import { OnnxBatchPredictor } from '../infer/onnx_predictor';
import { renderThresholdPng, THRESHOLD_PNG } from './curves_png';
import { TrainProgress } from './progress';
import type { CliIO } from './train';

export interface InferCommandOptions {
  command: 'test' | 'segment';
  /** The config file; without it, the bundle's config (--bundle). */
  config?: string;
  pathData?: string[];
  pathOutput?: string;
  cpu?: boolean;
  seed?: number;
  /** -t/--thr-increment: threshold analysis step (ivadomed --test). */
  thrIncrement?: number;
  /** --no-patch: segment whole images with a model trained on 2D patches. */
  noPatch?: boolean;
  /** --overlap-2d X Y: patch overlap (pixels) at segmentation time. */
  overlap2d?: [number, number];
  /** -g/--gif: accepted for compatibility, unused by --test/--segment (as in ivadomed). */
  gif?: number;
  /** --bundle: a model bundle file. */
  bundle?: string;
  /** --model: a trained model folder on disk (default path_output/<model_name>). */
  model?: string;
  /** --onnx: forward passes through onnxruntime-web (wasm). */
  onnx?: boolean;
}

/** Reads and checks a bundle file; a missing or unreadable file is a usage error. */
export async function readBundleFile(file: string): Promise<Bundle> {
  const abs = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(abs));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `--bundle: ${abs} was not found.` : `--bundle: cannot read ${abs} (${(err as Error).message}).`, EXIT.usage);
  }
  try {
    return await readBundle(bytes, { name: path.basename(abs) });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** The config of the run: the -c file, else the bundle's config.json with the command and -pd/-po. */
function resolveConfig(opts: InferCommandOptions, bundle: Bundle | null): Promise<LoadedConfig> | LoadedConfig {
  const overrides = { pathData: opts.pathData, pathOutput: opts.pathOutput };
  if (opts.config) return loadConfigFile(opts.config, opts.command, overrides);
  if (!bundle) throw new CliError('Missing -c/--config <file> (or --bundle <file.zip>, whose config is used).', EXIT.usage);
  try {
    const config = bundleConfig(bundle, {
      command: opts.command, ...(opts.pathData ? { path_data: opts.pathData } : {}), ...(opts.pathOutput !== undefined ? { path_output: opts.pathOutput } : {}),
    });
    return { config, file: `${path.resolve(opts.bundle!)} (config.json)`, notes: [] };
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** Where the model is read from: {source, folder} as runTest/runSegment take them. */
interface ModelLocation {
  source: FileSource;
  folder: string;
  /** For logs. */
  where: string;
}

async function modelLocation(opts: InferCommandOptions, bundle: Bundle | null, config: IvadomedConfig, output: FileSource, outputFolder: string): Promise<ModelLocation> {
  if (bundle) {
    const { source, folder } = await bundleModelSource(bundle);
    return { source, folder, where: `bundle ${path.resolve(opts.bundle!)}` };
  }
  if (opts.model) {
    const dir = path.resolve(opts.model);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--model: ${dir} is not a folder (give the trained model folder, <path_output>/<model_name>).`, EXIT.usage);
    return { source: createNodeSource(path.dirname(dir), { writable: false }), folder: path.basename(dir), where: dir };
  }
  return { source: output, folder: config.model_name, where: path.join(outputFolder, config.model_name) };
}

/**
 * ivadomed's --segment patch options on default_model: --no-patch drops length_2D/stride_2D (whole
 * slices); --overlap-2d X Y sets stride_2D = length_2D - [Y, X] (overlap given as X, Y; patches are H, W).
 */
export function applyPatchOptions(config: IvadomedConfig, opts: Pick<InferCommandOptions, 'noPatch' | 'overlap2d'>): void {
  const model = config.default_model as unknown as Record<string, unknown>;
  if (opts.noPatch) {
    delete model.length_2D;
    delete model.stride_2D;
    return;
  }
  if (opts.overlap2d) {
    const length = model.length_2D as number[] | undefined;
    if (!length || length.length !== 2) throw new CliError('--overlap-2d needs a model trained on 2D patches (default_model.length_2D of two sizes).', EXIT.usage);
    const [x, y] = opts.overlap2d;
    const stride = [length[0]! - y, length[1]! - x];
    if (stride.some((s, i) => !(s > 0 && s <= length[i]!))) {
      throw new CliError(`--overlap-2d ${x} ${y}: the stride would be ${JSON.stringify(stride)} for patches of ${JSON.stringify(length)}; each overlap must lie in [0, patch size).`, EXIT.usage);
    }
    model.stride_2D = stride;
  }
}

export async function runInferCommand(opts: InferCommandOptions, io: CliIO): Promise<number> {
  const progress = new TrainProgress(io.stdout);
  const log = new RunLog(progress, { line: (t) => { progress.finish(); io.stderr.write(`${t}\n`); } });
  const bundle = opts.bundle ? await readBundleFile(opts.bundle) : null;
  const loaded = await resolveConfig(opts, bundle);
  const { config } = loaded;
  const dataset = await dataFolders(config);
  const outputFolder = path.resolve(config.path_output);
  mkdirSync(outputFolder, { recursive: true });
  log.open(path.join(outputFolder, config.log_file));
  log.info(`ivadomed-web --${opts.command}: config ${loaded.file}, data ${dataset.folders.join(' + ')}, output ${outputFolder}`);
  for (const n of loaded.notes) (n.startsWith('config warning') ? log.warning(n) : log.info(n));
  if (opts.command === 'segment') applyPatchOptions(config, opts);
  else if (opts.noPatch || opts.overlap2d) log.warning('--no-patch and --overlap-2d apply to --segment only; ignored.');
  if (opts.command === 'segment' && opts.thrIncrement !== undefined) log.warning('-t/--thr-increment applies to --test only; ignored.');

  if (bundle) log.info(`Model bundle: ${path.resolve(opts.bundle!)} (${bundle.manifest.model_name}, ${bundle.spec.name}, best epoch ${bundle.manifest.best_epoch ?? 'n/a'})`);

  let backend;
  try {
    // --onnx: the engine only builds the model (and exports it when needed): its CPU backend does.
    backend = await pickBackend({ cpu: opts.cpu || opts.onnx });
  } catch (err) {
    // Logged (file included) here; main() prints nothing more.
    log.error((err as Error).message);
    return err instanceof CliError ? err.exitCode : EXIT.failure;
  }
  log.info(opts.onnx ? 'Backend: onnxruntime-web (wasm) for the model; the engine (CPU) builds it' : `Backend: ${backend.backend} on ${backend.adapter}`);
  const output = createNodeSource(outputFolder, { writable: true });
  const model = await modelLocation(opts, bundle, config, output, outputFolder);
  if (opts.model || bundle) log.info(`Model: ${model.where}`);
  if (opts.command === 'test' && bundle && !existsSync(path.join(outputFolder, OUTPUT_FILES.split))) {
    // The bundle's run record holds the training's split: --test needs its test list.
    if (bundle.runRecord?.split) {
      await output.write(OUTPUT_FILES.split, `${JSON.stringify(bundle.runRecord.split, null, 2)}\n`);
      log.info(`${OUTPUT_FILES.split} written from the bundle's run record (test: ${bundle.runRecord.split.test.length} file(s)).`);
    } else {
      log.warning(`${outputFolder} has no ${OUTPUT_FILES.split} and the bundle has no run record: --test needs the training's split (split_dataset.fname_split).`);
    }
  }
  const uncertainty = (config as unknown as { uncertainty?: { epistemic?: boolean; n_it?: number } }).uncertainty;
  if (opts.onnx && uncertainty?.epistemic && (uncertainty.n_it ?? 0) > 0) {
    log.warning('--onnx: the ONNX graph has no dropout, so the Monte Carlo dropout passes (uncertainty.epistemic) all give the same prediction.');
  }
  let onnxPredictor: OnnxBatchPredictor | null = null;
  const createPredictor: InferenceOptions['createPredictor'] = opts.onnx
    ? (built, spec, batch) => {
      onnxPredictor = new OnnxBatchPredictor(built, batch, async () => {
        const shipped = bundle ? bundle.onnx : await readModelOnnx(model.source, model.folder);
        if (shipped) {
          log.info(`ONNX model: ${bundle ? "the bundle's model.onnx" : path.join(model.where, path.basename(modelOnnxPath(model.folder)))} (${shipped.byteLength.toLocaleString('en-US')} bytes)`);
          return shipped;
        }
        log.info(`ONNX model: none in ${bundle ? 'the bundle' : model.where}; exported from the weights for this run.`);
        return exportModelOnnx(built, spec, config as unknown as Record<string, unknown>);
      });
      return onnxPredictor;
    }
    : undefined;
  const onEvent = (e: InferenceEvent) => {
    if (e.type === 'log') {
      if (e.level === 'warning') log.warning(e.message);
      else log.info(e.message);
    } else {
      progress.onEvent({ type: 'setup', stage: e.stage, done: e.done, total: e.total });
    }
  };
  const common: InferenceOptions = {
    config, data: dataset.source, output, onEvent, seed: opts.seed,
    modelSource: model.source, modelFolder: model.folder, createPredictor,
  };
  let result: InferenceResult;
  try {
    result = opts.command === 'test'
      ? await runTest({ ...common, thrIncrement: opts.thrIncrement })
      : await runSegment(common);
  } catch (err) {
    progress.finish();
    log.error((err as Error).message);
    return EXIT.failure;
  } finally {
    await (onnxPredictor as OnnxBatchPredictor | null)?.release();
  }
  progress.finish();
  log.info('');
  if (result.thresholdCurve) {
    await output.write(THRESHOLD_PNG, renderThresholdPng(result.thresholdCurve));
    result.files.push(THRESHOLD_PNG);
  }
  if (result.threshold !== undefined) log.info(`Threshold chosen by -t: ${result.threshold} (${THRESHOLD_PNG})`);
  if (result.metrics) {
    const dice = result.metrics.dice_class0;
    log.info(`Test mean Dice: ${dice === null || dice === undefined ? 'n/a' : dice.toFixed(4)} (results_eval/evaluation_3Dmetrics.csv)`);
  }
  log.info(`Files written in ${outputFolder}: ${result.files.length} (${result.files.filter((f) => f.startsWith('pred_masks/')).length} in pred_masks/)`);
  return EXIT.ok;
}
