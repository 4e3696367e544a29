/**
 * `--test` and `--segment`: resolve the config, open path_data (read-only) and path_output (which
 * holds <model_name>/ from the training and receives pred_masks/, results_eval/), pick the backend
 * and hand over to src/infer/run.ts (runTest / runSegment). --no-patch and --overlap-2d change the
 * 2D patching of the config as ivadomed does for --segment.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { IvadomedConfig } from '../config/index';
import { createNodeSource } from '../data/node';
import { runSegment, runTest, type InferenceEvent, type InferenceResult } from '../infer/run';
import { loadConfigFile, singleDataFolder } from './config_file';
import { pickBackend } from './device';
import { CliError, EXIT } from './errors';
import { RunLog } from './log';
import { TrainProgress } from './progress';
import type { CliIO } from './train';

export interface InferCommandOptions {
  command: 'test' | 'segment';
  config: string;
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
  const loaded = await loadConfigFile(opts.config, opts.command, { pathData: opts.pathData, pathOutput: opts.pathOutput });
  const { config } = loaded;
  const dataFolder = singleDataFolder(config);
  const outputFolder = path.resolve(config.path_output);
  mkdirSync(outputFolder, { recursive: true });
  log.open(path.join(outputFolder, config.log_file));
  log.info(`ivadomed-web --${opts.command}: config ${loaded.file}, data ${dataFolder}, output ${outputFolder}`);
  for (const n of loaded.notes) (n.startsWith('config warning') ? log.warning(n) : log.info(n));
  if (opts.command === 'segment') applyPatchOptions(config, opts);
  else if (opts.noPatch || opts.overlap2d) log.warning('--no-patch and --overlap-2d apply to --segment only; ignored.');
  if (opts.command === 'segment' && opts.thrIncrement !== undefined) log.warning('-t/--thr-increment applies to --test only; ignored.');

  let backend;
  try {
    backend = await pickBackend({ cpu: opts.cpu });
  } catch (err) {
    // Logged (file included) here; main() prints nothing more.
    log.error((err as Error).message);
    return err instanceof CliError ? err.exitCode : EXIT.failure;
  }
  log.info(`Backend: ${backend.backend} on ${backend.adapter}`);
  const onEvent = (e: InferenceEvent) => {
    if (e.type === 'log') {
      if (e.level === 'warning') log.warning(e.message);
      else log.info(e.message);
    } else {
      progress.onEvent({ type: 'setup', stage: e.stage, done: e.done, total: e.total });
    }
  };
  const common = {
    config, data: createNodeSource(dataFolder, { writable: false }), output: createNodeSource(outputFolder, { writable: true }), onEvent, seed: opts.seed,
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
  }
  progress.finish();
  log.info('');
  if (result.threshold !== undefined) log.info(`Threshold chosen by -t: ${result.threshold}`);
  if (result.metrics) {
    const dice = result.metrics.dice_class0;
    log.info(`Test mean Dice: ${dice === null || dice === undefined ? 'n/a' : dice.toFixed(4)} (results_eval/evaluation_3Dmetrics.csv)`);
  }
  log.info(`Files written in ${outputFolder}: ${result.files.length} (${result.files.filter((f) => f.startsWith('pred_masks/')).length} in pred_masks/)`);
  return EXIT.ok;
}
