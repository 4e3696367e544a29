/**
 * `ivadomed-web --train -c config.json [-pd data] [-po output] [--resume-training] [--cpu]`:
 * resolve the config, open the dataset and path_output folders, pick the backend, train with a
 * progress bar and a log file, draw training_curves.png after every epoch, print a summary.
 * Ctrl-C once stops after the current batch (the last epoch's checkpoint is kept, exit 130); twice
 * exits at once.
 */
import { promises as fs, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createNodeSource, type FileSource } from '../data/node';
import { TrainControl } from '../train/control';
import type { EpochRecord, TrainEvent } from '../train/events';
import { OUTPUT_FILES } from '../train/outputs';
import { trainModel, type TrainResult } from '../train/trainer';
import { dataFolders, loadConfigFile, resolveConfigPath } from './config_file';
import { renderCurvesPng, renderThresholdPng, THRESHOLD_PNG } from './curves_png';
import { pickBackend } from './device';
import { CliError, EXIT } from './errors';
import { RunLog } from './log';
import { exportModelFolderOnnx, modelOnnxPath } from '../bundle/onnx_model';
import { runThresholdAnalysis } from '../infer/run';
import { TrainProgress, type ProgressStream } from './progress';

export interface TrainCommandOptions {
  config: string;
  pathData?: string[];
  pathOutput?: string;
  resume?: boolean;
  cpu?: boolean;
  seed?: number;
  maxBatchesPerEpoch?: number;
  /** ivadomed's -g/--gif: GIFs of N validation slices over the epochs (path_output/gifs/). */
  gif?: number;
  /** ivadomed's -t/--thr-increment: threshold analysis on the validation set after training; the threshold is saved in the config files. */
  thrIncrement?: number;
}

export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

/** A FileSource that answers `extra` paths from memory (a split file given as a path on disk). */
export function withExtraFiles(source: FileSource, extra: Map<string, Uint8Array>): FileSource {
  const bytes = (p: string) => {
    const b = extra.get(p)!;
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  return {
    name: source.name,
    writable: source.writable,
    list: () => source.list(),
    read: async (p) => (extra.has(p) ? bytes(p) : source.read(p)),
    readRange: async (p, s, e) => (extra.has(p) ? bytes(p).slice(s, e) : source.readRange(p, s, e)),
    write: (p, d) => source.write(p, d),
  };
}

/** transfer_learning.retrain_model: a .safetensors file, or a model folder holding <name>/<name>.safetensors. */
async function readPretrainedFrom(p: string, configFile: string): Promise<Uint8Array> {
  const found = resolveConfigPath(p, configFile);
  if (!found) throw new Error(`transfer_learning.retrain_model: ${p} was not found (relative paths are read from the working directory).`);
  let file = found;
  if (statSync(found).isDirectory()) file = path.join(found, `${path.basename(found)}.safetensors`);
  if (/\.(pt|pth|onnx)$/i.test(file)) {
    throw new Error(`transfer_learning.retrain_model: ${file} is a PyTorch/ONNX file; ivadomed-web reads .safetensors weights (a model folder trained by ivadomed-web, or converted with safetensors' torch.save_file).`);
  }
  return new Uint8Array(await fs.readFile(file));
}

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

export async function runTrainCommand(opts: TrainCommandOptions, io: CliIO): Promise<number> {
  const progress = new TrainProgress(io.stdout);
  const log = new RunLog(progress, { line: (t) => { progress.finish(); io.stderr.write(`${t}\n`); } });

  const loaded = await loadConfigFile(opts.config, 'train', { pathData: opts.pathData, pathOutput: opts.pathOutput });
  const { config } = loaded;
  const dataset = await dataFolders(config);
  const outputFolder = path.resolve(config.path_output);
  if (opts.resume && !existsSync(path.join(outputFolder, OUTPUT_FILES.checkpointJson))) {
    throw new CliError(
      `--resume-training: ${outputFolder} has no ${OUTPUT_FILES.checkpointJson} (no earlier training was interrupted there). ` +
        'Check -po / path_output, or start a new training without --resume-training.',
      EXIT.usage,
    );
  }
  try {
    mkdirSync(outputFolder, { recursive: true });
  } catch (err) {
    throw new CliError(`path_output: cannot create ${outputFolder} (${(err as Error).message}).`, EXIT.failure);
  }
  log.open(path.join(outputFolder, config.log_file));
  log.info(`ivadomed-web --train: config ${loaded.file}, data ${dataset.folders.join(' + ')}, output ${outputFolder}`);
  for (const n of loaded.notes) (n.startsWith('config warning') ? log.warning(n) : log.info(n));

  let data: FileSource = dataset.source;
  const output = createNodeSource(outputFolder, { writable: true });
  const fnameSplit = config.split_dataset.fname_split;
  if (fnameSplit && !opts.resume) {
    const onDisk = resolveConfigPath(fnameSplit, loaded.file);
    if (onDisk && statSync(onDisk).isFile()) {
      data = withExtraFiles(data, new Map([[fnameSplit, new Uint8Array(await fs.readFile(onDisk))]]));
      log.info(`Split read from ${onDisk} (split_dataset.fname_split).`);
    }
  }

  let backend;
  try {
    backend = await pickBackend({ cpu: opts.cpu });
  } catch (err) {
    // Logged (file included) here; main() prints nothing more.
    log.error((err as Error).message);
    return err instanceof CliError ? err.exitCode : EXIT.failure;
  }
  log.info(`Backend: ${backend.backend} on ${backend.adapter}${backend.driver && backend.driver !== 'system' ? ` (Vulkan driver ${backend.driver})` : ''}`);

  // Ctrl-C: first stops after the current batch, second quits at once.
  const control = new TrainControl();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      control.stop();
      log.warning('Ctrl-C: stopping after the current batch; the last epoch checkpoint is kept (Ctrl-C again to quit now).');
    } else {
      progress.finish();
      io.stderr.write('Interrupted.\n');
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSigint);

  // training_curves.png after each epoch (from the checkpoint's full history, earlier runs included),
  // written one after the other in the background; the last write is awaited before the summary.
  const writeCurves = async (history: readonly EpochRecord[]) => {
    try {
      await output.write(OUTPUT_FILES.curvesPng, renderCurvesPng(history));
    } catch (err) {
      log.warning(`${OUTPUT_FILES.curvesPng} not written: ${(err as Error).message}`);
    }
  };
  let pngChain: Promise<void> = Promise.resolve();
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'log') {
      if (e.level === 'warning') log.warning(e.message);
      else log.info(e.message);
      return;
    }
    progress.onEvent(e);
    if (e.type === 'checkpoint') {
      pngChain = pngChain.then(async () => {
        const ck = JSON.parse(new TextDecoder().decode(await output.read(OUTPUT_FILES.checkpointJson))) as { history: EpochRecord[] };
        await writeCurves(ck.history);
      }).catch(() => { /* the final write below reports problems */ });
    }
  };

  let result: TrainResult;
  try {
    result = await trainModel({
      config, data, output, resume: opts.resume, control, onEvent, adapter: backend.adapter, seed: opts.seed,
      maxBatchesPerEpoch: opts.maxBatchesPerEpoch, readPretrained: (p) => readPretrainedFrom(p, loaded.file), gifs: opts.gif,
    });
  } catch (err) {
    await pngChain;
    process.off('SIGINT', onSigint);
    progress.finish();
    // Reported here so that the log file has it too; main() prints nothing more.
    log.error((err as Error).message);
    return EXIT.failure;
  }
  await pngChain;
  process.off('SIGINT', onSigint);
  progress.finish();
  const files = new Set(result.files);
  if (result.epochs.length) {
    await writeCurves(result.epochs);
    files.add(OUTPUT_FILES.curvesPng);
  }
  result.model.module.dispose();

  // ---- <model_name>/<model_name>.onnx (ivadomed packages the ONNX beside the weights) -------------------
  // From the model folder's best weights, as ivadomed reloads the best checkpoint before exporting.
  if (existsSync(path.join(outputFolder, config.model_name, `${config.model_name}.safetensors`))) {
    const onnxPath = modelOnnxPath(config.model_name);
    try {
      await output.write(onnxPath, await exportModelFolderOnnx(output, config.model_name));
      files.add(onnxPath);
    } catch (err) {
      log.warning(`${onnxPath} not written: ${(err as Error).message}`);
    }
  }

  // ---- -t: threshold analysis with the best model, saved into the config files (as ivadomed) ------
  let threshold: number | undefined;
  if (opts.thrIncrement !== undefined && existsSync(path.join(outputFolder, config.model_name, `${config.model_name}.safetensors`))) {
    try {
      const analysis = await runThresholdAnalysis({
        config, data, output, thrIncrement: opts.thrIncrement, seed: opts.seed,
        onEvent: (e) => { if (e.type === 'log') (e.level === 'warning' ? log.warning(e.message) : log.info(e.message)); },
      });
      threshold = analysis.threshold!;
      analysis.files.forEach((f) => files.add(f));
      await output.write(THRESHOLD_PNG, renderThresholdPng(analysis.thresholdCurve!));
      files.add(THRESHOLD_PNG);
      for (const file of [OUTPUT_FILES.config, `${config.model_name}/${config.model_name}.json`]) {
        const saved = JSON.parse(new TextDecoder().decode(await output.read(file))) as { postprocessing?: Record<string, unknown> };
        const post = saved.postprocessing ?? {};
        post.binarize_prediction = { ...((post.binarize_prediction as object | undefined) ?? {}), thr: threshold };
        saved.postprocessing = post;
        await output.write(file, JSON.stringify(saved, null, file === OUTPUT_FILES.config ? 4 : 2));
      }
    } catch (err) {
      log.warning(`Threshold analysis (-t) failed: ${(err as Error).message}`);
    }
  }

  // ---- summary ----------------------------------------------------------------------------------
  const last = result.epochs.at(-1);
  const modelFolder = path.join(outputFolder, config.model_name);
  const reasons = { completed: 'completed', 'early-stopping': 'stopped early (early stopping)', stopped: 'stopped by the user' } as const;
  log.info('');
  log.info(`Training ${reasons[result.reason]}: ${result.epochs.length} epoch${result.epochs.length === 1 ? '' : 's'} (last ${last?.epoch ?? 0}), best epoch ${result.bestEpoch}.`);
  log.info(`Best validation loss: ${fmt(result.bestValLoss)}`);
  log.info(`Validation Dice at the best epoch: ${fmt(result.bestValDice)}`);
  if (threshold !== undefined) log.info(`Threshold (-t): postprocessing.binarize_prediction.thr = ${threshold}, saved in ${OUTPUT_FILES.config} and the model folder's config.`);
  if (existsSync(modelFolder)) log.info(`Model folder: ${modelFolder}`);
  log.info(`Files written in ${outputFolder}: ${[...files].sort().join(', ')}${log.path ? `, ${path.basename(log.path)}` : ''}`);
  if (result.reason === 'stopped') {
    log.info(`Resume with: ivadomed-web --train -c ${opts.config}${opts.pathData ? ` -pd ${opts.pathData.join(' ')}` : ''} -po ${outputFolder} --resume-training`);
    return EXIT.interrupted;
  }
  return EXIT.ok;
}
