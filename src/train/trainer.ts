/**
 * ivadomed's training loop (training.py::train, INVENTORY §g) on the engine: Adam, the configured
 * scheduler (CyclicLR per batch), the configured loss with DiceLoss logged beside it, mixup, balanced
 * sampling, HeMIS missing-modality curriculum, FiLM metadata, transfer learning, validation with
 * ivadomed's metrics every epoch, early stopping on consecutive epochs, best-model and per-epoch
 * checkpoints (resume after an interruption), and a run record. It reads the dataset from one
 * FileSource and writes path_output into another, so the same code runs in the Worker and the CLI.
 */
import type { IvadomedConfig } from '../config/index';
import { resolveModelParams, serializeConfig } from '../config/index';
import { DataRng, bidsDataframeCsv, epochBatches, balanceLabels, serializeSplit, type Batch, type FileSource } from '../data/index';
import { getBackend, max as tmax, memory, noGrad, scope, stack, tensor, type Tensor } from '../engine/index';
import { MetricManager } from '../eval/index';
import { createLoss, type Loss } from '../nn/losses/index';
import { createModel, type BuiltModel, type ModelSpec } from '../nn/models/index';
import { decodeSafetensors, encodeSafetensors, type StateDict } from '../nn/index';
import type { TrainControl } from './control';
import { EarlyStopping } from './early_stopping';
import type { EpochRecord, TrainEvent } from './events';
import { buildConditioning, type Conditioning } from './conditioning';
import { mixupInPlace } from './mixup';
import { Adam, type AdamState } from './optim';
import { createScheduler } from './schedulers';
import { encodeGif, gifName, renderGifFrame, type GifFrame } from './gif';
import { FixedPreviews, PreviewTracker } from './preview';
import { prepareTrainingData, type PreparedData } from './setup';
import { versionInfo } from './version_info';
import { applyRetrainFraction } from './transfer';
import { OUTPUT_FILES, writeCurvesCsv, type RunRecord } from './outputs';

export interface TrainOptions {
  config: IvadomedConfig;
  /** The BIDS dataset (loader_parameters.path_data). */
  data: FileSource;
  /** path_output, writable. */
  output: FileSource;
  /** Continue from path_output's checkpoint (ivadomed --resume-training). */
  resume?: boolean;
  control?: TrainControl;
  onEvent?: (e: TrainEvent) => void;
  /** Adapter description for the run record ("lavapipe ...", "NVIDIA H100 ..."). */
  adapter?: string;
  /** Reads transfer_learning.retrain_model (a .safetensors file or a model folder). */
  readPretrained?: (path: string) => Promise<Uint8Array>;
  /** Seed of weights, dropout, augmentation and sampling (default split_dataset.random_seed). */
  seed?: number;
  /** Upper bound on training batches per epoch (quick runs and tests); default all. */
  maxBatchesPerEpoch?: number;
  /** Emit a 'preview' event (one validation slice with its prediction) after each validation. */
  validationPreview?: boolean;
  /** ivadomed's -g N: GIFs of N random validation slices, one frame per epoch, in path_output/gifs/. */
  gifs?: number;
}

export interface TrainResult {
  epochs: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  bestValDice: number | null;
  reason: 'completed' | 'early-stopping' | 'stopped';
  model: BuiltModel;
  data: PreparedData;
  files: string[];
}

interface CheckpointJson {
  format: 'ivadomed-web-checkpoint';
  version: 1;
  epoch: number;
  optimizer: Omit<AdamState, 'm' | 'v'>;
  scheduler: object;
  earlyStopping: object;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  bestValDice: number | null;
  missingProbability: number | null;
  seed: number;
}

/** The model spec of a config: resolved parameters + what the data decide (FiLM size, HeMIS contrasts). */
export function modelSpecFor(config: IvadomedConfig, conditioning: Conditioning | null): ModelSpec {
  const resolved = resolveModelParams(config, 'train');
  const spec = { ...resolved.params, name: resolved.name, in_channel: resolved.in_channel, out_channel: resolved.out_channel, is_2d: resolved.is_2d } as ModelSpec;
  if (conditioning?.kind === 'film') spec.n_metadata = conditioning.nMetadata;
  if (resolved.name === 'HeMISUnet') spec.contrasts = (spec.contrasts as string[] | undefined) ?? [...config.loader_parameters.contrast_params.training_validation];
  return spec;
}

function toTensor(a: { data: Float32Array; shape: number[] }): Tensor {
  return tensor(a.data, a.shape);
}

async function readOptional(source: FileSource, path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await source.read(path));
  } catch {
    return null;
  }
}

function seedFor(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 2654435761) + epoch * 40503) >>> 0;
}

export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const { config, output } = opts;
  const emit = (e: TrainEvent) => opts.onEvent?.(e);
  const log = (message: string, level: 'info' | 'warning' = 'info') => emit({ type: 'log', level, message });
  if (!output.writable) throw new Error(`The output folder "${output.name}" is read-only: choose a writable folder for path_output.`);
  const tp = config.training_parameters;
  const seed = opts.seed ?? config.split_dataset.random_seed ?? 6;
  const resolved = resolveModelParams(config, 'train');

  // ---- resume state -------------------------------------------------------------------------
  let checkpoint: CheckpointJson | null = null;
  let checkpointWeights: StateDict | null = null;
  let savedSplit: string | null = null;
  if (opts.resume) {
    const json = await readOptional(output, OUTPUT_FILES.checkpointJson);
    const weights = await readOptional(output, OUTPUT_FILES.checkpointWeights);
    if (!json || !weights) throw new Error(`Cannot resume: ${output.name} has no ${OUTPUT_FILES.checkpointJson} / ${OUTPUT_FILES.checkpointWeights} (no earlier training wrote there). Start a new training instead.`);
    checkpoint = JSON.parse(new TextDecoder().decode(json)) as CheckpointJson;
    if (checkpoint.format !== 'ivadomed-web-checkpoint') throw new Error(`Cannot resume: ${OUTPUT_FILES.checkpointJson} is not an ivadomed-web checkpoint.`);
    checkpointWeights = decodeSafetensors(weights).state;
    const splitBytes = await readOptional(output, OUTPUT_FILES.split);
    savedSplit = splitBytes ? new TextDecoder().decode(splitBytes) : null;
    log(`Resuming after epoch ${checkpoint.epoch} from ${output.name}/${OUTPUT_FILES.checkpointJson}`);
  } else if (config.split_dataset.fname_split) {
    const bytes = await readOptional(opts.data, config.split_dataset.fname_split) ?? await readOptional(output, config.split_dataset.fname_split);
    if (!bytes) throw new Error(`split_dataset.fname_split "${config.split_dataset.fname_split}" was not found in the dataset or output folder.`);
    savedSplit = new TextDecoder().decode(bytes);
  }

  // ---- data -----------------------------------------------------------------------------------
  const data = await prepareTrainingData(config, resolved, opts.data, {
    savedSplit, onProgress: (stage, done, total) => emit({ type: 'setup', stage, done, total }),
  });
  for (const w of data.warnings) log(w, 'warning');
  const conditioning = await buildConditioning(config, resolved, data);

  // ---- model, loss, optimizer -------------------------------------------------------------------
  const { manualSeed } = await import('../engine/index');
  manualSeed(seed);
  const spec = modelSpecFor(config, conditioning);
  const model = createModel(spec);
  const module = model.module;
  if (tp.transfer_learning?.retrain_model && !checkpoint) {
    if (!opts.readPretrained) throw new Error('transfer_learning.retrain_model is set but this runner cannot read files: give the pretrained model to the runner.');
    const bytes = await opts.readPretrained(tp.transfer_learning.retrain_model);
    module.loadStateDict(decodeSafetensors(bytes).state);
    const plan = applyRetrainFraction(module, tp.transfer_learning.retrain_fraction, tp.transfer_learning.reset);
    log(`Transfer learning from ${tp.transfer_learning.retrain_model}: ${plan.frozen.length} parameter tensors frozen, ${plan.trained.length} trained${plan.resetLayers.length ? `, ${plan.resetLayers.length} layers re-initialised` : ''}.`);
  }
  if (checkpointWeights) module.loadStateDict(new Map([...checkpointWeights].filter(([k]) => !k.startsWith('__optimizer.'))));
  const loss: Loss = createLoss(tp.loss as { name: string });
  const diceLoss: Loss = createLoss({ name: 'DiceLoss' });
  const optimizer = new Adam(module.parameters(), { lr: tp.scheduler.initial_lr });
  const trainBatches = Math.ceil(data.train.length / tp.batch_size);
  const batchesPerEpoch = Math.min(trainBatches, opts.maxBatchesPerEpoch ?? Infinity);
  const numEpochs = tp.training_time.num_epochs;
  const scheduler = createScheduler(tp.scheduler.lr_scheduler as { name: string }, optimizer, { numEpochs, batchesPerEpoch, initialLr: tp.scheduler.initial_lr });
  const early = new EarlyStopping({ patience: tp.training_time.early_stopping_patience, epsilon: tp.training_time.early_stopping_epsilon });
  let history: EpochRecord[] = [];
  let bestEpoch = 0;
  let bestValLoss = Infinity;
  let bestValDice: number | null = null;
  let missingP = conditioning?.kind === 'hemis' ? conditioning.missingProbability : null;
  let startEpoch = 1;
  if (checkpoint && checkpointWeights) {
    const m: AdamState['m'] = [];
    const v: AdamState['v'] = [];
    checkpoint.optimizer.step.forEach((_, i) => {
      m.push(checkpointWeights!.get(`__optimizer.m.${i}`)?.data ?? null);
      v.push(checkpointWeights!.get(`__optimizer.v.${i}`)?.data ?? null);
    });
    optimizer.loadStateDict({ ...checkpoint.optimizer, m, v });
    scheduler.load(checkpoint.scheduler as never);
    early.load(checkpoint.earlyStopping as never);
    history = checkpoint.history;
    bestEpoch = checkpoint.bestEpoch;
    bestValLoss = checkpoint.bestValLoss ?? Infinity;
    bestValDice = checkpoint.bestValDice;
    missingP = checkpoint.missingProbability;
    startEpoch = checkpoint.epoch + 1;
  }

  // ---- outputs written before training -----------------------------------------------------------
  const files = new Set<string>();
  const write = async (path: string, content: Uint8Array | string) => {
    await output.write(path, content);
    files.add(path);
  };
  await write(OUTPUT_FILES.config, serializeConfig(config));
  await write(OUTPUT_FILES.split, serializeSplit(data.split));
  if (conditioning?.kind === 'film') await write(`${config.model_name}/${OUTPUT_FILES.filmEncoder}`, JSON.stringify(conditioning.encoderJson, null, 2));
  const backend = getBackend();
  const adapter = opts.adapter ?? backend;
  await write(OUTPUT_FILES.bidsDataframe, bidsDataframeCsv(data.index));
  await write(OUTPUT_FILES.versionInfo, versionInfo(config, { adapter, backend }));
  emit({
    type: 'start', model: model.name, parameters: module.numParameters(), epochs: numEpochs, startEpoch, batchesPerEpoch,
    trainItems: data.train.length, validItems: data.valid.length, backend, adapter,
  });
  log(`${model.name}: ${module.numParameters().toLocaleString('en-US')} parameters; ${data.train.length} training and ${data.valid.length} validation ${data.mode.kind === 'slices' ? 'slices' : 'patches'}; ${numEpochs} epochs of ${batchesPerEpoch} batches on ${adapter}`);

  const trainLabels = tp.balance_samples?.applied ? await balanceLabels(data.train, tp.balance_samples.type ?? 'gt') : null;
  const validLabels = tp.balance_samples?.applied ? await balanceLabels(data.valid, tp.balance_samples.type ?? 'gt') : null;
  const runStart = Date.now();
  let reason: TrainResult['reason'] = 'completed';
  const secondsPerEpoch: number[] = [];
  const preview = opts.validationPreview ? new PreviewTracker() : null;
  // -g N: N validation items drawn once (ivadomed draws them at random too); frames kept per item.
  const gifCount = Math.min(Math.max(0, Math.floor(opts.gifs ?? 0)), data.valid.length);
  const gifItems = gifCount > 0 ? new FixedPreviews(new DataRng(seedFor(seed, 7_000_001)).sample([...Array(data.valid.length).keys()], gifCount)) : null;
  const gifFrames = new Map<number, { name: string; frames: GifFrame[] }>();

  /** Forward with the inputs this architecture needs; returns prediction and target tensors. */
  const forward = (batch: Batch, training: boolean, rng: DataRng | null): { pred: Tensor; target: Tensor } => {
    const x0 = toTensor(batch.input);
    const extras = conditioning ? conditioning.extras(batch, training, rng, missingP) : {};
    const x = extras.input ?? x0;
    const pred = model.forward(x, extras);
    let target = toTensor(batch.gt!);
    if (model.task === 'classification') {
      // ivadomed: the slice's label is int(np.any(gt)).
      target = tmax(target, target.shape.slice(2).map((_, i) => i + 2));
    }
    if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
      throw new Error(`${model.name} predicts ${JSON.stringify(pred.shape)} but the ground truth is ${JSON.stringify(target.shape)}: check target_suffix (one output per class) and the model's out_channel.`);
    }
    return { pred, target };
  };

  try {
    for (let epoch = startEpoch; epoch <= numEpochs; epoch++) {
      const lr = optimizer.lr;
      const epochRng = new DataRng(seedFor(seed, epoch));
      // ---------------- training ----------------
      module.train();
      const t0 = Date.now();
      let sumLoss = 0;
      let sumDice = 0;
      let n = 0;
      let items = 0;
      for await (const raw of epochBatches(data.train, { batchSize: tp.batch_size, shuffle: true, balanceSamples: tp.balance_samples }, epochRng, trainLabels)) {
        if (n >= batchesPerEpoch) break;
        if (opts.control?.paused) {
          emit({ type: 'paused' });
          await opts.control.waitIfPaused();
          if (!opts.control.stopped) emit({ type: 'resumed' });
        }
        if (opts.control?.stopped) break;
        const batch = raw;
        if (tp.mixup_alpha && batch.gt) mixupInPlace([batch.input, batch.gt], tp.mixup_alpha, epochRng);
        // Both scalars in one tensor: one GPU readback per batch, not two.
        const losses = scope(() => {
          const { pred, target } = forward(batch, true, epochRng);
          const lv = loss(pred, target);
          const dv = noGrad(() => diceLoss(pred, target));
          lv.backward();
          return noGrad(() => stack([lv, dv]));
        });
        scope(() => optimizer.step());
        optimizer.zeroGrad();
        if (scheduler.perBatch) scheduler.step();
        const [lossValue, diceValue] = await losses.data();
        losses.dispose();
        if (!Number.isFinite(lossValue)) {
          throw new Error(`The training loss became ${lossValue} at epoch ${epoch}, batch ${n + 1}: lower training_parameters.scheduler.initial_lr or check the inputs (NormalizeInstance) and labels.`);
        }
        sumLoss += lossValue;
        sumDice += diceValue;
        n++;
        items += batch.items.length;
        const elapsed = (Date.now() - t0) / 1000;
        const perBatch = elapsed / n;
        const meanEpoch = secondsPerEpoch.length ? secondsPerEpoch.reduce((a, b) => a + b, 0) / secondsPerEpoch.length : perBatch * batchesPerEpoch * 1.2;
        emit({
          type: 'batch', epoch, batch: n, batches: batchesPerEpoch, loss: lossValue, lr: optimizer.lr,
          etaSeconds: perBatch * (batchesPerEpoch - n) + meanEpoch * (numEpochs - epoch), itemsPerSecond: items / Math.max(elapsed, 1e-6),
        });
      }
      if (opts.control?.stopped) {
        reason = 'stopped';
        log(`Stopped during epoch ${epoch}; the checkpoint of epoch ${epoch - 1} is kept.`);
        break;
      }
      const trainSeconds = (Date.now() - t0) / 1000;
      // ---------------- validation ----------------
      module.eval();
      const t1 = Date.now();
      const metrics = new MetricManager();
      let vLoss = 0;
      let vDice = 0;
      let vn = 0;
      const validBatches = Math.ceil(data.valid.length / tp.batch_size);
      for await (const batch of epochBatches(data.valid, { batchSize: tp.batch_size, shuffle: false, balanceSamples: tp.balance_samples }, new DataRng(seedFor(seed, 100000 + epoch)), validLabels)) {
        const [ld, p, t] = noGrad(() => scope(() => {
          const { pred, target } = forward(batch, false, null);
          return [stack([loss(pred, target), diceLoss(pred, target)]), pred, target] as const;
        }));
        const [lv, dv] = await ld.data();
        vLoss += lv;
        vDice += dv;
        const predData = await p.data();
        // Segmentation targets are the batch's own labels: no need to read them back from the GPU.
        const gtData = model.task === 'classification' ? await t.data() : batch.gt!.data;
        // Classifiers predict [N, C]: metrics see one 'voxel' per class.
        metrics.addBatch(predData, gtData, p.shape.length === 2 ? [...p.shape, 1] : [...p.shape], model.task === 'segmentation');
        const metas = batch.items.map((it) => it.meta);
        preview?.offer(epoch, batch.indices, metas, batch.input, batch.gt, { data: predData, shape: [...p.shape] });
        gifItems?.offer(epoch, batch.indices, metas, batch.input, batch.gt, { data: predData, shape: [...p.shape] });
        for (const x of [ld, p, t]) x.dispose();
        vn++;
        emit({ type: 'validation', epoch, batch: vn, batches: validBatches });
      }
      const valSeconds = (Date.now() - t1) / 1000;
      const shown = preview?.take(epoch);
      if (shown) emit({ type: 'preview', ...shown });
      for (const { index, preview: item, meta } of gifItems?.take(epoch) ?? []) {
        const entry = gifFrames.get(index) ?? { name: gifName(meta, index), frames: [] };
        entry.frames.push(renderGifFrame(item, epoch, numEpochs));
        gifFrames.set(index, entry);
      }
      const valLoss = vLoss / Math.max(vn, 1);
      const results = metrics.getResults();
      if (!scheduler.perBatch) scheduler.step();
      const es = early.update(valLoss);
      if (es.improvedBest) {
        bestEpoch = epoch;
        bestValLoss = valLoss;
        bestValDice = results.dice_score ?? null;
      }
      const record: EpochRecord = {
        epoch, lr, train_loss: sumLoss / Math.max(n, 1), train_dice_loss: sumDice / Math.max(n, 1), val_loss: valLoss, val_dice_loss: vDice / Math.max(vn, 1),
        metrics: results, train_seconds: trainSeconds, val_seconds: valSeconds, best: es.improvedBest, patience_count: es.patienceCount,
      };
      history.push(record);
      secondsPerEpoch.push(trainSeconds + valSeconds);
      const meanEpoch = secondsPerEpoch.reduce((a, b) => a + b, 0) / secondsPerEpoch.length;
      emit({ type: 'epoch', epochs: numEpochs, etaSeconds: meanEpoch * (numEpochs - epoch), ...record });
      log(`Epoch ${epoch}/${numEpochs}: train loss ${record.train_loss.toFixed(4)}, val loss ${valLoss.toFixed(4)}, val Dice ${results.dice_score?.toFixed(4) ?? 'n/a'}, lr ${lr.toExponential(3)} (${(trainSeconds + valSeconds).toFixed(1)} s)${es.improvedBest ? ' [best]' : ''}`);
      if (missingP !== null && conditioning?.kind === 'hemis') missingP = missingP ** conditioning.missingProbabilityGrowth;

      // ---------------- checkpoints ----------------
      const weights = await module.stateDict();
      if (es.improvedBest) {
        await write(OUTPUT_FILES.bestModel, encodeSafetensors(weights, { model: model.name, epoch: String(epoch) }));
      }
      const opt = await optimizer.stateDict();
      const withOptimizer: StateDict = new Map(weights);
      opt.m.forEach((a, i) => { if (a) withOptimizer.set(`__optimizer.m.${i}`, { shape: [a.length], data: Float32Array.from(a) }); });
      opt.v.forEach((a, i) => { if (a) withOptimizer.set(`__optimizer.v.${i}`, { shape: [a.length], data: Float32Array.from(a) }); });
      const { m: _m, v: _v, ...optRest } = opt;
      void _m; void _v;
      const ck: CheckpointJson = {
        format: 'ivadomed-web-checkpoint', version: 1, epoch, optimizer: optRest, scheduler: scheduler.state(), earlyStopping: early.state(),
        history, bestEpoch, bestValLoss, bestValDice, missingProbability: missingP, seed,
      };
      await write(OUTPUT_FILES.checkpointWeights, encodeSafetensors(withOptimizer));
      await write(OUTPUT_FILES.checkpointJson, JSON.stringify(ck));
      await write(OUTPUT_FILES.curvesCsv, writeCurvesCsv(history));
      emit({ type: 'checkpoint', epoch, files: [OUTPUT_FILES.checkpointJson, OUTPUT_FILES.checkpointWeights, ...(es.improvedBest ? [OUTPUT_FILES.bestModel] : [])] });
      if (es.stop) {
        reason = 'early-stopping';
        log(`Early stopping after epoch ${epoch}: the validation loss did not improve by ${tp.training_time.early_stopping_epsilon}% for ${es.patienceCount} consecutive epochs.`);
        break;
      }
      if (opts.control?.stopped) {
        reason = 'stopped';
        break;
      }
    }

    // ---- final outputs ------------------------------------------------------------------------------
    if (history.length) {
      await write(OUTPUT_FILES.finalModel, encodeSafetensors(await module.stateDict(), { model: model.name }));
      const best = await readOptional(output, OUTPUT_FILES.bestModel);
      if (best) {
        await write(`${config.model_name}/${config.model_name}.safetensors`, best);
        const modelConfig = { ...JSON.parse(serializeConfig(config)), ivadomed_web: { model: spec, best_epoch: bestEpoch } };
        await write(`${config.model_name}/${config.model_name}.json`, JSON.stringify(modelConfig, null, 2));
      }
    }
    for (const { name, frames } of gifFrames.values()) {
      await write(`gifs/${name}`, encodeGif(frames));
    }
    if (gifFrames.size) log(`-g: ${gifFrames.size} GIF(s) of validation slices in gifs/ (${[...gifFrames.values()][0].frames.length} frame(s), one per epoch of this run).`);
    const record: RunRecord = {
      format: 'ivadomed-web-run', version: 1, created: new Date().toISOString(), adapter, backend, model: spec, parameters: module.numParameters(),
      config: JSON.parse(serializeConfig(config)), split: data.split, epochs: history, bestEpoch, bestValLoss: Number.isFinite(bestValLoss) ? bestValLoss : null,
      bestValDice, reason, seconds: (Date.now() - runStart) / 1000, peakGpuBytes: backend === 'webgpu' ? memory('webgpu').peakBytes : null,
      warnings: data.warnings,
    };
    await write(OUTPUT_FILES.runRecord, JSON.stringify(record, null, 2));
    emit({ type: 'done', reason, epochs: history.length, bestEpoch, bestValLoss, bestValDice });
    return { epochs: history, bestEpoch, bestValLoss, bestValDice, reason, model, data, files: [...files] };
  } finally {
    optimizer.dispose();
  }
}
