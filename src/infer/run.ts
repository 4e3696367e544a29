/**
 * ivadomed's --test and --segment on FileSources (the same code runs in the CLI and the Worker).
 *
 * runTest: the test set of split_datasets.json through the trained model, written as
 *   pred_masks/<id>_pred.nii.gz (postprocessed; 3D for one class, 4D [X,Y,Z,C] otherwise, on the
 *   source image's grid with its header), with uncertainty (n_it > 0 and epistemic/aleatoric) also
 *   <id>_pred_00.. (each pass, soft, values <= 0.01 zeroed), <id>_soft, <id>_unc-vox, <id>_unc-iou,
 *   <id>_unc-cv, <id>_unc-avgUnc; then the evaluation: results_eval/evaluation_3Dmetrics.csv and
 *   pred_masks/<id>_pred_TP-FP-FN.nii.gz (object metrics on). <id> is the ground truth's file name
 *   before target_suffix[0] (sub-unf01_T2w), as ivadomed. With thrIncrement (-t), the binarisation
 *   threshold is first chosen on the validation set (thresholdAnalysis) and used for the test.
 * runSegment: every image of the testing contrasts (no labels needed; multichannel: one entry per
 *   subject) → pred_masks/<image prefix>_class-<k>_pred.nii.gz, one file per class.
 * Both: FiLM / HeMIS models get their conditioning from the model folder (conditioning.ts); 2D image
 *   inputs (PNG/TIF) also get <id>_class-<k>_pred.png (png.ts), and with object metrics
 *   <id>_class-<k>_pred_TP-FP-FN.png.
 */
import { resolveModelParams, type IvadomedConfig } from '../config/index';
import {
  SegmentationDataset, dataframeRow, entriesFromBids, entriesIn, indexBids, loadVolume, parseSplit, writeNifti,
  type BidsImage, type Compose, type DatasetEntry, type FileSource, type LoaderParams, type Volume,
} from '../data/index';
import { evaluateImages, thresholdAnalysis, type EvaluationParams, type ThresholdCurve } from '../eval/index';
import { datasetMode } from '../train/setup';
import { inferenceCompose, monteCarloSamples, passRng, setMcDropout, uncertaintySettings } from './mc';
import { loadTrainedModel } from './model';
import { applyPostprocessing, type PostprocessingConfig } from './postprocess';
import { InferenceConditioning, loadInferenceConditioning } from './conditioning';
import { classToPng, isImage2DPath } from './png';
import { BatchPredictor, itemsByEntry, predictEntry, type BatchOptions } from './segment';
import { computeUncertainty, UNCERTAINTY_SUFFIXES } from './uncertainty';
import type { BlendMode } from './blend';
import type { BuiltModel, ModelSpec } from '../nn/models/index';

export type InferenceEvent =
  | { type: 'log'; level: 'info' | 'warning'; message: string }
  | { type: 'progress'; stage: string; done: number; total: number };

export interface InferenceOptions extends BatchOptions {
  config: IvadomedConfig;
  /** The BIDS dataset. */
  data: FileSource;
  /** path_output (holds <model_name>/ and receives pred_masks/, results_eval/). */
  output: FileSource;
  /** Folder of the trained model inside `output` (default config.model_name). */
  modelFolder?: string;
  /** Source of the model folder when it is not in `output`. */
  modelSource?: FileSource;
  onEvent?: (e: InferenceEvent) => void;
  /** -t: choose binarize_prediction.thr on the validation set with this increment. */
  thrIncrement?: number;
  /** 3D patches: 'constant' (ivadomed) or 'gaussian' blending of overlaps. */
  blend?: BlendMode;
  /** Seed of the Monte Carlo passes (default split_dataset.random_seed). */
  seed?: number;
  /**
   * Another runtime for the forward passes (e.g. ONNX Runtime, src/infer/onnx_predictor.ts): builds
   * the predictor of the loaded model. Default: the engine's BatchPredictor.
   */
  createPredictor?: (model: BuiltModel, spec: ModelSpec, options: BatchOptions) => BatchPredictor;
}

function makePredictor(opts: InferenceOptions, model: BuiltModel, spec: ModelSpec): BatchPredictor {
  const options: BatchOptions = { maxBatch: opts.maxBatch ?? opts.config.training_parameters?.batch_size, memoryBudgetBytes: opts.memoryBudgetBytes };
  return opts.createPredictor ? opts.createPredictor(model, spec, options) : new BatchPredictor(model, options);
}

export interface InferenceResult {
  files: string[];
  /** Mean of each evaluation column over the test images (runTest only). */
  metrics?: Record<string, number | null>;
  /** The threshold chosen by -t, when asked. */
  threshold?: number;
  /** The -t curve (mean Dice, recall, specificity per threshold) it was chosen on. */
  thresholdCurve?: ThresholdCurve;
}

const NIFTI_EXT = /\.nii(\.gz)?$|\.png$|\.tiff?$/i;

/** ivadomed's prediction id: the ground truth's name before target_suffix[0] (else the image stem). */
export function predictionId(entry: DatasetEntry, targetSuffix: string): string {
  const gt = entry.targets[0]?.[0];
  const base = (p: string) => (p.split('/').pop() ?? p);
  if (gt) {
    const name = base(gt.path);
    const at = name.indexOf(targetSuffix);
    if (targetSuffix && at > 0) return name.slice(0, at);
  }
  return base(entry.images[0].path).replace(NIFTI_EXT, '').split('.')[0];
}

/** One Volume [X,Y,Z] (one class) or [X,Y,Z,C] from per-class volumes on the same grid. */
export function stackClasses(classes: readonly Volume[]): Volume {
  const first = classes[0];
  const n = first.data.length;
  if (classes.length === 1) return { ...first, shape: first.shape.slice(0, 3), data: first.data };
  const data = new Float32Array(n * classes.length);
  classes.forEach((v, c) => data.set(v.data, c * n));
  return { ...first, shape: [...first.shape.slice(0, 3), classes.length], data };
}

function discardNoise(data: Float32Array, thr = 0.01): Float32Array {
  const out = Float32Array.from(data);
  for (let i = 0; i < out.length; i++) if (out[i] <= thr) out[i] = 0;
  return out;
}

function asVolume(ref: Volume, data: Float32Array): Volume {
  return { ...ref, data };
}

interface Session {
  opts: InferenceOptions;
  files: Set<string>;
  log: (message: string, level?: 'info' | 'warning') => void;
  write: (path: string, bytes: Uint8Array | string) => Promise<void>;
}

function session(opts: InferenceOptions): Session {
  if (!opts.output.writable) throw new Error(`The output folder "${opts.output.name}" is read-only: choose a writable folder for path_output.`);
  const files = new Set<string>();
  return {
    opts,
    files,
    log: (message, level = 'info') => opts.onEvent?.({ type: 'log', level, message }),
    write: async (path, bytes) => {
      await opts.output.write(path, bytes);
      files.add(path);
    },
  };
}

async function readSplit(config: IvadomedConfig, data: FileSource, output: FileSource) {
  const candidates = ['split_datasets.json', config.split_dataset?.fname_split].filter((p): p is string => !!p);
  for (const src of [output, data]) {
    for (const p of candidates) {
      try {
        return parseSplit(new TextDecoder().decode(await src.read(p)), p);
      } catch (err) {
        if (err instanceof Error && /is not JSON/.test(err.message)) throw err;
      }
    }
  }
  throw new Error(`--test needs the split of the training: ${candidates.join(' or ')} was not found in "${output.name}" (path_output) or the dataset. Train first, or set split_dataset.fname_split.`);
}

function modelSetup(config: IvadomedConfig) {
  const resolved = resolveModelParams(config, 'test');
  return { resolved, mode: datasetMode(resolved) };
}

/** Soft per-class predictions of each entry (one pass), native grid. */
async function predictDataset(
  s: Session, dataset: SegmentationDataset, compose: Compose, model: import('../nn/models/index').BuiltModel,
  predictor: BatchPredictor, conditioning: InferenceConditioning, rng: () => import('../data/index').DataRng, stage: string,
  each: (entry: DatasetEntry, index: number, image: Volume, classes: Volume[]) => Promise<void>,
): Promise<void> {
  const groups = itemsByEntry(dataset);
  const total = dataset.entries.length;
  for (let e = 0; e < total; e++) {
    const entry = dataset.entries[e];
    const items = groups.get(e);
    const image = await entry.images[0].load();
    let classes: Volume[];
    if (!items || items.length === 0) {
      s.log(`${entry.id}: every slice was filtered out (slice_filter_params); its prediction is empty.`, 'warning');
      classes = Array.from({ length: dataset.classes }, () => ({ ...image, shape: image.shape.slice(0, 3), data: new Float32Array(image.shape[0] * image.shape[1] * image.shape[2]) }));
    } else {
      classes = await predictEntry(model, dataset, items, compose, image, { rng: rng(), predictor, conditioning, blend: s.opts.blend });
    }
    await each(entry, e, image, classes);
    s.opts.onEvent?.({ type: 'progress', stage, done: e + 1, total });
  }
}

async function groundTruth(entry: DatasetEntry, image: Volume): Promise<Volume> {
  const n = image.shape[0] * image.shape[1] * image.shape[2];
  const classes: Volume[] = [];
  for (const raters of entry.targets) {
    const ref = raters[0];
    const v = ref ? await ref.load() : { ...image, data: new Float32Array(n) };
    if (v.data.length !== n) throw new Error(`${ref?.path}: label has ${v.data.length} voxels, its image ${n}`);
    classes.push({ ...image, shape: image.shape.slice(0, 3), data: v.data });
  }
  return stackClasses(classes);
}

/** `<prefix>_class-<k><suffix>` PNG per class (ivadomed pred_to_png), for 2D image inputs. */
async function writePngs(s: Session, prefix: string, volume: Volume, classes: number, suffix: string, maxValue: number): Promise<void> {
  for (let k = 0; k < classes; k++) await s.write(`${prefix}_class-${k}${suffix}`, classToPng(volume, k, maxValue));
}

function logConditioning(s: Session, c: InferenceConditioning, testing: readonly string[]): void {
  if (c.kind === 'film') s.log(`FiLM: metadata "${c.encoder!.kind}" encoded with the training set's encoder (${c.encoder!.nMetadata} values)`);
  if (c.kind === 'hemis') {
    const absent = c.contrasts!.filter((m) => !testing.includes(m));
    s.log(`HeMIS: model contrasts ${c.contrasts!.join(', ')}${absent.length ? `; absent at test: ${absent.join(', ')} (zeroed, marked missing)` : ' (all present)'}`);
  }
}

interface ThresholdContext {
  config: IvadomedConfig;
  data: FileSource;
  index: Awaited<ReturnType<typeof indexBids>>;
  params: LoaderParams;
  split: Awaited<ReturnType<typeof readSplit>>;
  mode: ReturnType<typeof modelSetup>['mode'];
  model: BuiltModel;
  predictor: BatchPredictor;
  conditioning: InferenceConditioning;
  seed: number;
  increment: number;
}

/**
 * ivadomed's threshold analysis (-t) on the split's validation images: predicted with the validation
 * transforms and no postprocessing; the curve goes to results_eval/threshold_analysis.csv; returns
 * the chosen binarize_prediction.thr (largest threshold at the best Dice, or Youden for classifiers).
 */
async function chooseThreshold(s: Session, c: ThresholdContext): Promise<ThresholdCurve> {
  const { entries } = entriesFromBids(c.data, c.index, c.params, 'validation');
  const valid = entriesIn(entries, c.split.valid);
  if (valid.length === 0) throw new Error('Threshold analysis (-t) needs validation images: split_datasets.json lists none that match the config.');
  const compose = inferenceCompose(c.config, false);
  const ds = new SegmentationDataset(valid, c.params, { datasetType: 'validation', mode: c.mode, transforms: compose });
  await ds.prepare();
  setMcDropout(c.model.module, false);
  const preds: Float32Array[] = [], gts: Float32Array[] = [];
  await predictDataset(s, ds, compose, c.model, c.predictor, c.conditioning, () => passRng(c.seed, 0), 'threshold analysis', async (entry, _e, image, classes) => {
    preds.push(stackClasses(classes).data);
    gts.push((await groundTruth(entry, image)).data);
  });
  const curve = thresholdAnalysis(preds, gts, { increment: c.increment, metric: c.model.task === 'classification' ? 'recall_specificity' : 'dice' });
  const threshold = curve.optimalThreshold;
  const fmt = (v: number | null) => (v === null ? '' : String(v));
  const csv = ['threshold,dice,recall,specificity,fpr', ...curve.thresholds.map((t, i) => [t, fmt(curve.dice[i]), fmt(curve.recall[i]), fmt(curve.specificity[i]), fmt(curve.fpr[i])].join(','))].join('\n') + '\n';
  await s.write('results_eval/threshold_analysis.csv', csv);
  s.log(`Threshold analysis on ${valid.length} validation image(s): binarize_prediction.thr = ${threshold} (${curve.metric} ${curve.criterion[curve.optimalIndex]?.toFixed(4)})`);
  return curve;
}

/** What --test and the threshold analysis after --train share: the trained model, its data and split. */
interface OpenedRun {
  model: BuiltModel;
  spec: ModelSpec;
  mode: ReturnType<typeof modelSetup>['mode'];
  params: LoaderParams;
  conditioning: InferenceConditioning;
  split: Awaited<ReturnType<typeof readSplit>>;
  index: Awaited<ReturnType<typeof indexBids>>;
}

/** Loads the trained model of path_output (disposed by the caller) and reads the dataset index and split. */
async function openRun(s: Session, opts: InferenceOptions): Promise<OpenedRun> {
  const { config, data, output } = opts;
  const { resolved, mode } = modelSetup(config);
  const folder = opts.modelFolder ?? config.model_name;
  const loaded = await loadTrainedModel(opts.modelSource ?? output, folder);
  const model = loaded.model;
  s.log(`Model ${loaded.spec.name} from ${loaded.files.weights} (${model.module.numParameters().toLocaleString('en-US')} parameters)`);
  try {
    if (loaded.spec.is_2d !== undefined && loaded.spec.is_2d !== resolved.is_2d) {
      throw new Error(`The model in "${folder}" is ${loaded.spec.is_2d ? '2D' : '3D'} but the config describes a ${resolved.is_2d ? '2D' : '3D'} ${resolved.name}; use the model's config.`);
    }
    const params = config.loader_parameters as unknown as LoaderParams;
    const conditioning = await loadInferenceConditioning(model, loaded.spec, opts.modelSource ?? output, folder);
    logConditioning(s, conditioning, params.contrast_params?.testing ?? []);
    const split = await readSplit(config, data, output);
    const index = await indexBids(data);
    return { model, spec: loaded.spec, mode, params, conditioning, split, index };
  } catch (err) {
    model.module.dispose();
    throw err;
  }
}

/**
 * ivadomed's -t after --train: binarize_prediction.thr chosen with the trained model on the split's
 * validation images (results_eval/threshold_analysis.csv). The caller re-saves the config files.
 */
export async function runThresholdAnalysis(opts: InferenceOptions & { thrIncrement: number }): Promise<InferenceResult> {
  const s = session(opts);
  const run = await openRun(s, opts);
  try {
    const seed = opts.seed ?? opts.config.split_dataset?.random_seed ?? 6;
    const curve = await chooseThreshold(s, {
      ...run, config: opts.config, data: opts.data, seed, predictor: makePredictor(opts, run.model, run.spec), increment: opts.thrIncrement,
    });
    return { files: [...s.files], threshold: curve.optimalThreshold, thresholdCurve: curve };
  } finally {
    run.model.module.dispose();
  }
}

/** ivadomed --test. */
export async function runTest(opts: InferenceOptions): Promise<InferenceResult> {
  const s = session(opts);
  const { config, data } = opts;
  const { model, spec, mode, params, conditioning, split, index } = await openRun(s, opts);
  try {
    const unc = uncertaintySettings(config);
    const seed = opts.seed ?? config.split_dataset?.random_seed ?? 6;
    const predictor = makePredictor(opts, model, spec);
    const postprocessing = structuredClone((config.postprocessing ?? {}) as PostprocessingConfig);
    const evalParams = (config.evaluation_parameters ?? {}) as EvaluationParams;
    const targetSuffix = String([params.target_suffix[0]].flat()[0] ?? '');
    let thresholdCurve: ThresholdCurve | undefined;
    let threshold: number | undefined;

    // ---- -t: threshold analysis on the validation set -----------------------------------------
    if (opts.thrIncrement !== undefined) {
      thresholdCurve = await chooseThreshold(s, { data, index, params, split, mode, model, predictor, conditioning, seed, config, increment: opts.thrIncrement });
      threshold = thresholdCurve.optimalThreshold;
      postprocessing.binarize_prediction = { ...(postprocessing.binarize_prediction ?? {}), thr: threshold };
    }

    // ---- test set ------------------------------------------------------------------------------------
    const { entries, problems } = entriesFromBids(data, index, params, 'testing');
    for (const p of problems) s.log(`${p.file}: ${p.problem}`, 'warning');
    const test = entriesIn(entries, split.test);
    if (test.length === 0) throw new Error(`The test set is empty: split_datasets.json lists ${split.test.length} test file(s), none of which matches contrast_params.testing ${JSON.stringify(params.contrast_params?.testing ?? [])} with labels ${JSON.stringify(params.target_suffix)}.`);
    const compose = inferenceCompose(config, unc.enabled && unc.aleatoric);
    if (compose.dropped.length) s.log(`Left out at inference (no undo): ${compose.dropped.join(', ')}`);
    const ds = new SegmentationDataset(test, params, { datasetType: 'testing', mode, transforms: compose });
    await ds.prepare();
    const active = setMcDropout(model.module, unc.enabled && unc.epistemic);
    if (unc.enabled) {
      s.log(`Uncertainty: ${unc.nIt} Monte Carlo passes (${[unc.epistemic ? `MC dropout, ${active} active dropout layer(s)` : '', unc.aleatoric ? 'test-time augmentation' : ''].filter(Boolean).join(' + ')})`);
      if (unc.epistemic && active === 0 && !unc.aleatoric) s.log('uncertainty.epistemic: the model has no dropout with p > 0, so every pass gives the same prediction.', 'warning');
    }
    const groups = itemsByEntry(ds);
    const evalItems: Array<{ imageId: string; prediction: Volume; groundTruth: Volume; image2D: boolean; classes: number }> = [];
    for (let e = 0; e < ds.entries.length; e++) {
      const entry = ds.entries[e];
      const id = predictionId(entry, targetSuffix);
      const image = await entry.images[0].load();
      const items = groups.get(e) ?? [];
      const once = async (rng: import('../data/index').DataRng): Promise<Volume> => {
        if (items.length === 0) {
          s.log(`${entry.id}: every slice was filtered out (slice_filter_params); its prediction is empty.`, 'warning');
          const n = image.shape[0] * image.shape[1] * image.shape[2];
          return stackClasses(Array.from({ length: ds.classes }, () => ({ ...image, shape: image.shape.slice(0, 3), data: new Float32Array(n) })));
        }
        return stackClasses(await predictEntry(model, ds, items, compose, image, { rng, predictor, conditioning, blend: opts.blend }));
      };
      let pred: Volume;
      const maps: Record<string, Float32Array> = {};
      if (unc.enabled) {
        const samples = await monteCarloSamples(unc.nIt, seed + e, async (i, rng) => {
          const v = await once(rng);
          const soft = asVolume(v, discardNoise(v.data));
          await s.write(`pred_masks/${id}_pred_${String(i).padStart(2, '0')}.nii.gz`, writeNifti(soft));
          return soft;
        });
        const u = computeUncertainty(samples.map((v) => v.data), samples[0].shape);
        const ref = samples[0];
        maps[UNCERTAINTY_SUFFIXES.soft] = u.soft;
        maps[UNCERTAINTY_SUFFIXES.uncVox] = u.uncVox;
        maps[UNCERTAINTY_SUFFIXES.uncIou] = u.uncIou;
        maps[UNCERTAINTY_SUFFIXES.uncCv] = u.uncCv;
        maps[UNCERTAINTY_SUFFIXES.uncAvgUnc] = u.uncAvgUnc;
        for (const [suffix, m] of Object.entries(maps)) await s.write(`pred_masks/${id}${suffix}`, writeNifti(asVolume(ref, m)));
        pred = asVolume(ref, u.hard);
      } else {
        const v = await once(passRng(seed, e));
        pred = asVolume(v, discardNoise(v.data));
      }
      const post = applyPostprocessing(pred, postprocessing, { uncertaintyMaps: maps });
      await s.write(`pred_masks/${id}_pred.nii.gz`, writeNifti(post));
      if (isImage2DPath(entry.images[0].path)) await writePngs(s, `pred_masks/${id}`, post, ds.classes, '_pred.png', 1);
      evalItems.push({ imageId: id, prediction: post, groundTruth: await groundTruth(entry, image), image2D: isImage2DPath(entry.images[0].path), classes: ds.classes });
      opts.onEvent?.({ type: 'progress', stage: 'test', done: e + 1, total: ds.entries.length });
      s.log(`${id}: prediction written (${items.length} item(s), batch ${predictor.batchSize})`);
    }

    // ---- evaluation ----------------------------------------------------------------------------------
    const { table, painted } = evaluateImages(evalItems, evalParams);
    await s.write('results_eval/evaluation_3Dmetrics.csv', table.toCSV());
    for (const it of evalItems) {
      const map = painted.get(it.imageId);
      if (map) await s.write(`pred_masks/${it.imageId}_pred_TP-FP-FN.nii.gz`, writeNifti(asVolume(it.prediction, map)));
      // ivadomed: the painted map of 2D image inputs also as PNGs, 1/2/3 -> 85/170/255.
      if (map && it.image2D) await writePngs(s, `pred_masks/${it.imageId}`, asVolume(it.prediction, map), it.classes, '_pred_TP-FP-FN.png', 3);
    }
    const metrics = table.means();
    s.log(`Evaluation of ${evalItems.length} test image(s): mean Dice ${metrics.dice_class0 == null ? 'n/a' : metrics.dice_class0.toFixed(4)} → results_eval/evaluation_3Dmetrics.csv`);
    return { files: [...s.files], metrics, threshold, thresholdCurve };
  } finally {
    model.module.dispose();
  }
}

export interface SegmentOptions extends InferenceOptions {
  /** Image paths (in `data`) to segment; default every image of contrast_params.testing. */
  images?: string[];
}

/** ivadomed's contrast of an image among the listed ones (acq-<x>_<suffix> first, as entriesFromBids). */
function contrastOf(image: BidsImage, contrasts: readonly string[]): string {
  const acq = image.entities.acq ? `acq-${image.entities.acq}_${image.suffix}` : image.suffix;
  return contrasts.find((c) => acq === c) ?? contrasts.find((c) => image.suffix.includes(c)) ?? image.suffix;
}

/**
 * --segment entries: one per image, or with multichannel one per subject (ivadomed's key:
 * filename.split('.')[0].split('_')[0]) with its images in contrast_params.testing order. A subject
 * lacking a contrast is segmented only by HeMIS (the channel is zeroed and marked missing); other
 * models need every channel, so the subject is left out with a warning.
 */
function segmentEntries(
  s: Session, data: FileSource, images: readonly BidsImage[], params: LoaderParams, contrasts: readonly string[], nClasses: number, hemis: boolean,
): DatasetEntry[] {
  const entryOf = (chans: readonly BidsImage[]): DatasetEntry => ({
    id: chans[0].filename, filenames: chans.map((im) => im.filename), subject: chans[0].participantId,
    contrasts: chans.map((im) => contrastOf(im, contrasts)),
    images: chans.map((im) => ({ path: im.path, load: () => loadVolume(data, im, { sidecar: im.sidecar }) })),
    targets: Array.from({ length: nClasses }, () => [null]), roi: null,
    metadata: { participant_id: chans[0].participantId, ...dataframeRow(chans[0]) },
  });
  if (!params.multichannel) return images.map((im) => entryOf([im]));
  if (contrasts.length === 0) throw new Error('--segment with loader_parameters.multichannel needs contrast_params.testing to list the channels in order.');
  const groups = new Map<string, BidsImage[]>();
  for (const im of images) {
    const key = im.filename.split('.')[0].split('_')[0];
    groups.set(key, [...(groups.get(key) ?? []), im]);
  }
  const entries: DatasetEntry[] = [];
  for (const [subject, files] of groups) {
    const byContrast = contrasts.map((c) => files.find((f) => contrastOf(f, contrasts) === c));
    const missing = contrasts.filter((_, i) => !byContrast[i]);
    if (missing.length && !hemis) {
      s.log(`multichannel: ${subject} lacks contrast(s) ${missing.join(', ')}: not segmented (only HeMISUnet accepts missing contrasts).`, 'warning');
      continue;
    }
    entries.push(entryOf(byContrast.filter((f): f is BidsImage => !!f)));
  }
  return entries;
}

/** ivadomed --segment: predictions for images without labels. */
export async function runSegment(opts: SegmentOptions): Promise<InferenceResult> {
  const s = session(opts);
  const { config, data } = opts;
  const { mode } = modelSetup(config);
  const folder = opts.modelFolder ?? config.model_name;
  const loaded = await loadTrainedModel(opts.modelSource ?? opts.output, folder);
  const model = loaded.model;
  try {
    const params = config.loader_parameters as unknown as LoaderParams;
    const conditioning = await loadInferenceConditioning(model, loaded.spec, opts.modelSource ?? opts.output, folder);
    const index = await indexBids(data);
    const contrasts = params.contrast_params?.testing ?? [];
    logConditioning(s, conditioning, contrasts);
    const extensions = params.extensions?.length ? params.extensions : ['.nii', '.nii.gz'];
    const wanted = opts.images ? new Set(opts.images) : null;
    const images = index.images.filter((im) => (wanted ? wanted.has(im.path) : (contrasts.length === 0 || contrasts.includes(contrastOf(im, contrasts))) && extensions.some((x) => im.filename.endsWith(x))));
    if (images.length === 0) throw new Error(`No image to segment in "${data.name}": ${wanted ? `none of ${[...wanted].join(', ')} was found` : `no ${extensions.join('/')} image of contrast ${JSON.stringify(contrasts)}`}.`);
    const nClasses = params.target_suffix.length;
    const entries = segmentEntries(s, data, images, params, contrasts, nClasses, conditioning.kind === 'hemis');
    if (entries.length === 0) throw new Error(`No subject of "${data.name}" has every contrast of ${JSON.stringify(contrasts)} (loader_parameters.multichannel).`);
    // No label: a slice filter on the label would drop every slice (ivadomed's segment_volume turns it off).
    const segParams: LoaderParams = { ...params, slice_filter_params: { ...(params.slice_filter_params ?? {}), filter_empty_mask: false, filter_absent_class: false } };
    const compose = inferenceCompose(config, false);
    const ds = new SegmentationDataset(entries, segParams, { datasetType: 'testing', mode, transforms: compose });
    await ds.prepare();
    setMcDropout(model.module, false);
    const predictor = makePredictor(opts, model, loaded.spec);
    const seed = opts.seed ?? 6;
    await predictDataset(s, ds, compose, model, predictor, conditioning, () => passRng(seed, 0), 'segment', async (entry, _e, _image, classes) => {
      const stem = (entry.images[0].path.split('/').pop() ?? entry.id).replace(NIFTI_EXT, '').split('.')[0];
      const pred = stackClasses(classes);
      const post = applyPostprocessing(asVolume(pred, discardNoise(pred.data)), (config.postprocessing ?? {}) as PostprocessingConfig);
      const n = post.shape[0] * post.shape[1] * post.shape[2];
      for (let k = 0; k < classes.length; k++) {
        const v: Volume = { ...post, shape: post.shape.slice(0, 3), data: post.data.slice(k * n, (k + 1) * n) };
        await s.write(`pred_masks/${stem}_class-${k}_pred.nii.gz`, writeNifti(v));
      }
      if (isImage2DPath(entry.images[0].path)) await writePngs(s, `pred_masks/${stem}`, post, classes.length, '_pred.png', 1);
      s.log(`${stem}: ${classes.length} class prediction(s) written`);
    });
    return { files: [...s.files] };
  } finally {
    model.module.dispose();
  }
}
