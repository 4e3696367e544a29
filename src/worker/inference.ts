/**
 * Inference in the GPU worker (the studio's Results tab): ivadomed's --test and --segment
 * (src/infer/run.ts) on what the page can send through postMessage: a config as JSON text (or the
 * model's own), a dataset (synthetic sample / directory handle / File list / the page's FileSource on
 * a MessagePort), and a model (a training run's OPFS folder, or a bundle's bytes). The forward passes
 * run on the engine (WebGPU) or in onnxruntime-web (WebGPU or wasm; issue 8: a page without WebGPU
 * still segments on wasm, the engine then only builds the model on its CPU backend).
 *
 * Outputs go into the run's OPFS folder (pred_masks/, results_eval/ beside the model, as ivadomed's
 * path_output), or into memory for a bundle (or when OPFS cannot be written). The result lists the
 * files (with their bytes up to a budget), the evaluation table parsed, and per evaluated subject its
 * image, ground truth and output maps, so the page can open them in the Viewer.
 */
import { bundleConfig, bundleModelSource, createBundle, readBundle, type Bundle } from '../bundle/index';
import { parseConfig, type IvadomedConfig } from '../config/index';
import {
  createHandleSource, createMemorySource, indexBids,
  type BidsIndex, type FileSource,
} from '../data/index';
import { setBackend } from '../engine/index';
import type { AcquiredDevice } from '../engine/webgpu/device';
import { adapterName } from '../engine/webgpu/device';
import { runSegment, runTest, type InferenceEvent, type InferenceOptions, type InferenceResult } from '../infer/run';
import { UNCERTAINTY_SUFFIXES } from '../infer/uncertainty';
import { OUTPUT_FILES } from '../train/outputs';
// The ONNX predictor and export helpers live with the CLI but use no Node API: the studio shares them.
import { exportModelFolderOnnx, exportModelOnnx, readModelOnnx } from '../bundle/onnx_model';
import { OnnxBatchPredictor } from '../infer/onnx_predictor';
import type { OutputInfo, TrainData } from './training';
import { dataSource, timestamp } from './datasource';

export type InferBackend = 'engine' | 'onnx-webgpu' | 'onnx-wasm';

export type InferModel =
  /** A training run's folder in OPFS (`runs/<model_name>-<timestamp>`: path_output of the training). */
  | { kind: 'run'; folder: string }
  /** A model bundle's bytes (.ivadomed-web.zip). */
  | { kind: 'bundle'; bytes: Uint8Array; name?: string };

export interface InferRequest {
  kind: 'test' | 'segment';
  /** Config file text; default the model's own (the run's config_file.json, the bundle's config.json). */
  configJson?: string;
  data: TrainData;
  model: InferModel;
  /** Overrides the config's `uncertainty` section (Monte Carlo dropout / test-time augmentation). */
  uncertainty?: { epistemic: boolean; aleatoric: boolean; n_it: number };
  backend: InferBackend;
  /** --segment: image paths (in the dataset) to segment; default every image of the testing contrasts. */
  images?: string[];
  /** Files up to this many bytes in all come back with their bytes (default 64 MiB); the rest as paths. */
  inlineBytes?: number;
}

export interface ResultFile {
  /** Path inside the output folder ("pred_masks/sub-01_T2w_pred.nii.gz"). */
  path: string;
  size: number;
  /** The file's bytes, when within the inline budget (always for outputs kept in memory). */
  bytes?: Uint8Array;
}

/** A file of the dataset (the image or a ground truth), with its bytes when within the budget. */
export interface DataFile {
  path: string;
  bytes?: Uint8Array;
}

/** One evaluated (--test) or segmented (--segment) image and what was written for it. */
export interface SubjectResult {
  /** The table's image_id (--test) or the image's stem (--segment). */
  id: string;
  image: DataFile | null;
  groundTruth: DataFile[];
  /** Output paths by role: pred, soft, unc-vox, unc-iou, unc-cv, unc-avgUnc, TP-FP-FN, class-<k>. */
  outputs: Record<string, string>;
}

export interface EvaluationTable {
  columns: string[];
  rows: Record<string, string>[];
}

export interface InferResult {
  kind: 'test' | 'segment';
  output: OutputInfo;
  files: ResultFile[];
  /** results_eval/evaluation_3Dmetrics.csv, parsed (--test). */
  table: EvaluationTable | null;
  /** Column means (--test). */
  metrics: Record<string, number | null> | null;
  subjects: SubjectResult[];
  backend: InferBackend;
  /** What ran the forward passes ("WebGPU on <adapter>", "onnxruntime-web wasm"). */
  runtime: string;
  modelName: string;
  seconds: number;
}

export type InferEventSink = (event: InferenceEvent) => void;

const DEFAULT_INLINE_BYTES = 64 * 1024 * 1024;

/** Parses a CSV of ivadomed's evaluation (comma-separated, fields quoted with "" when needed). */
export function parseCsv(text: string): EvaluationTable {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { record.push(field); field = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += ch;
  }
  if (field !== '' || record.length) { record.push(field); records.push(record); }
  const [header, ...rows] = records;
  if (!header) return { columns: [], rows: [] };
  return {
    columns: header,
    rows: rows.map((r, n) => {
      if (r.length !== header.length) throw new Error(`evaluation CSV line ${n + 2}: ${r.length} fields for ${header.length} columns`);
      return Object.fromEntries(header.map((c, k) => [c, r[k]]));
    }),
  };
}

/** The output role of a file of pred_masks/ for an id: "pred", "soft", "unc-vox", ..., or null. */
export function outputRole(file: string, id: string): string | null {
  const name = file.split('/').pop() ?? file;
  if (!name.startsWith(id)) return null;
  const rest = name.slice(id.length);
  if (rest === UNCERTAINTY_SUFFIXES.hard) return 'pred';
  if (rest === UNCERTAINTY_SUFFIXES.soft) return 'soft';
  for (const suffix of [UNCERTAINTY_SUFFIXES.uncVox, UNCERTAINTY_SUFFIXES.uncIou, UNCERTAINTY_SUFFIXES.uncCv, UNCERTAINTY_SUFFIXES.uncAvgUnc]) {
    if (rest === suffix) return suffix.slice(1).replace(/\.nii\.gz$/, '');
  }
  if (rest === '_pred_TP-FP-FN.nii.gz') return 'TP-FP-FN';
  const cls = rest.match(/^_class-(\d+)_pred\.nii\.gz$/);
  return cls ? `class-${cls[1]}` : null;
}

async function opfsFolder(folder: string, create: boolean): Promise<FileSource> {
  if (!self.navigator.storage?.getDirectory) throw new Error("this browser has no private storage (navigator.storage.getDirectory)");
  let dir = await self.navigator.storage.getDirectory();
  for (const part of folder.split('/').filter(Boolean)) {
    try {
      dir = await dir.getDirectoryHandle(part, { create });
    } catch (err) {
      if ((err as DOMException).name === 'NotFoundError') throw new Error(`The run folder "${folder}" is not in the browser's storage (deleted?): train again or choose another run.`);
      throw err;
    }
  }
  return createHandleSource(dir);
}

/** The run's model_name: from config_file.json (the training's resolved config). */
async function runModelName(run: FileSource, folder: string): Promise<{ name: string; configText: string }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await run.read(OUTPUT_FILES.config));
  } catch {
    throw new Error(`${folder}/${OUTPUT_FILES.config} was not found: this folder holds no finished training (choose another run, or train first).`);
  }
  const name = (JSON.parse(text) as { model_name?: unknown }).model_name;
  if (typeof name !== 'string' || !name) throw new Error(`${folder}/${OUTPUT_FILES.config} has no model_name.`);
  return { name, configText: text };
}

function parseConfigText(text: string, where: string): IvadomedConfig {
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(`The configuration (${where}) is not valid:\n${parsed.errors.map((e) => `• ${e.message}`).join('\n')}`);
  return parsed.config;
}

interface ModelPlace {
  modelName: string;
  source: FileSource;
  folder: string;
  output: FileSource;
  info: OutputInfo;
  config: IvadomedConfig;
  bundle: Bundle | null;
}

async function placeModel(req: InferRequest, log: (m: string, level?: 'info' | 'warning') => void): Promise<ModelPlace> {
  if (req.model.kind === 'run') {
    const folder = req.model.folder;
    const run = await opfsFolder(folder, false);
    const { name, configText } = await runModelName(run, folder);
    const config = req.configJson ? parseConfigText(req.configJson, 'the Configuration tab') : parseConfigText(configText, `${folder}/${OUTPUT_FILES.config}`);
    return { modelName: name, source: run, folder: name, output: run, info: { kind: 'opfs', path: folder }, config, bundle: null };
  }
  const bundle = await readBundle(req.model.bytes, { name: req.model.name ?? 'the uploaded bundle' });
  const { source, folder } = await bundleModelSource(bundle);
  const config = req.configJson ? parseConfigText(req.configJson, 'the Configuration tab') : bundleConfig(bundle, { command: req.kind });
  const path = `results/${bundle.manifest.model_name}-${timestamp()}`;
  const output = createMemorySource(path);
  if (req.kind === 'test') {
    if (!bundle.runRecord?.split) throw new Error('--test needs the split of the training, and this bundle has no run record: segment instead (no labels needed), or export the bundle again from its run.');
    await output.write(OUTPUT_FILES.split, `${JSON.stringify(bundle.runRecord.split, null, 2)}\n`);
    log(`${OUTPUT_FILES.split} from the bundle's run record (test: ${bundle.runRecord.split.test.length} file(s)).`);
  }
  return {
    modelName: bundle.manifest.model_name, source, folder, output, config, bundle,
    info: { kind: 'memory', path, note: "A bundle's outputs stay in this page's memory: download them or write them into the dataset folder." },
  };
}

/** Files of the result, with bytes while the budget lasts. */
async function collectFiles(output: FileSource, paths: readonly string[], budget: number): Promise<ResultFile[]> {
  const out: ResultFile[] = [];
  let left = budget;
  for (const path of [...paths].sort()) {
    const bytes = new Uint8Array(await output.read(path));
    if (bytes.byteLength <= left) {
      left -= bytes.byteLength;
      out.push({ path, size: bytes.byteLength, bytes });
    } else out.push({ path, size: bytes.byteLength });
  }
  return out;
}

async function dataFile(data: FileSource, path: string, budget: { left: number }): Promise<DataFile> {
  const bytes = new Uint8Array(await data.read(path));
  if (bytes.byteLength > budget.left) return { path };
  budget.left -= bytes.byteLength;
  return { path, bytes };
}

/** Per subject: the image and ground truth in the dataset, and the outputs written for it. */
async function subjectsOf(
  kind: 'test' | 'segment', ids: readonly string[], files: readonly string[], index: BidsIndex, data: FileSource, targetSuffix: readonly string[], budget: { left: number },
): Promise<SubjectResult[]> {
  const out: SubjectResult[] = [];
  for (const id of ids) {
    const image = index.images.find((im) => im.stem === id) ?? null;
    const outputs: Record<string, string> = {};
    for (const f of files) {
      if (!f.startsWith('pred_masks/')) continue;
      const role = outputRole(f, id);
      if (role) outputs[role] = f;
    }
    const labels = kind === 'test' && image ? targetSuffix.map((s) => image.labels.find((l) => l.suffix === s)).filter((l) => !!l) : [];
    out.push({
      id,
      image: image ? await dataFile(data, image.path, budget) : null,
      groundTruth: await Promise.all(labels.map((l) => dataFile(data, l.path, budget))),
      outputs,
    });
  }
  return out;
}

/**
 * One runner per worker; one inference at a time, never during a training (both use the engine's
 * global backend).
 * @param getDevice the worker's device (shared with training and diagnostics).
 * @param isTraining whether a training holds the engine now.
 */
export function createInferenceRunner(getDevice: () => Promise<AcquiredDevice>, isTraining: () => boolean) {
  let busy = false;

  /** Engine backend for this run: WebGPU for 'engine'; for ONNX the engine only builds the model (WebGPU when there is one, else CPU). */
  async function engineBackend(backend: InferBackend, log: (m: string, level?: 'info' | 'warning') => void): Promise<string> {
    try {
      const acquired = await getDevice();
      setBackend('webgpu', { device: acquired.device });
      return adapterName(acquired.report);
    } catch (err) {
      if (backend === 'engine') {
        throw new Error(`The engine needs WebGPU, which this page does not have (${(err as Error).message}). Choose the backend "ONNX (wasm)": it runs on the CPU in every browser.`);
      }
      setBackend('cpu');
      log(`No WebGPU here (${(err as Error).message}): the engine builds the model on the CPU; ${backend === 'onnx-wasm' ? 'onnxruntime-web (wasm) runs it' : 'onnxruntime-web WebGPU will fail too; choose ONNX (wasm)'}.`, backend === 'onnx-wasm' ? 'info' : 'warning');
      return 'CPU';
    }
  }

  async function infer(req: InferRequest, onEvent: InferEventSink): Promise<InferResult> {
    if (busy) throw new Error('An inference is already running in this page: wait for it to finish.');
    if (isTraining()) throw new Error('A training is running on the GPU: wait for it to finish (or stop it) before running inference.');
    busy = true;
    const t0 = Date.now();
    const cleanup: (() => void)[] = [];
    const send = (e: InferenceEvent) => {
      try {
        onEvent(e);
      } catch {
        // The page went away: the inference goes on, nobody is listening.
      }
    };
    const log = (message: string, level: 'info' | 'warning' = 'info') => send({ type: 'log', level, message });
    let onnxPredictor: OnnxBatchPredictor | null = null;
    try {
      if (req.kind !== 'test' && req.kind !== 'segment') throw new Error(`Unknown inference kind ${JSON.stringify(req.kind)}: use 'test' or 'segment'.`);
      if (!['engine', 'onnx-webgpu', 'onnx-wasm'].includes(req.backend)) throw new Error(`Unknown backend ${JSON.stringify(req.backend)}: use 'engine', 'onnx-webgpu' or 'onnx-wasm'.`);
      const adapter = await engineBackend(req.backend, log);
      const place = await placeModel(req, log);
      const config = place.config;
      if (req.uncertainty) {
        (config as unknown as { uncertainty: InferRequest['uncertainty'] }).uncertainty = { ...req.uncertainty };
      }
      const unc = req.uncertainty;
      const onnx = req.backend !== 'engine';
      if (onnx && unc?.epistemic && unc.n_it > 0) log('ONNX: the exported graph has no dropout, so the Monte Carlo dropout passes all give the same prediction (use the engine for epistemic uncertainty).', 'warning');
      const data = await dataSource(req.data, cleanup);
      const runtime = onnx ? `onnxruntime-web ${req.backend === 'onnx-webgpu' ? 'WebGPU' : 'wasm'}` : `the engine (WebGPU on ${adapter})`;
      log(`--${req.kind} with ${place.modelName} (${place.bundle ? 'bundle' : place.info.path}) on "${data.name}"; forward passes in ${runtime}.`);

      const createPredictor: InferenceOptions['createPredictor'] = onnx
        ? (built, spec, batch) => {
          onnxPredictor = new OnnxBatchPredictor(built, batch, async () => {
            const shipped = place.bundle ? place.bundle.onnx : await readModelOnnx(place.source, place.folder);
            if (shipped) {
              log(`ONNX model: ${place.bundle ? "the bundle's model.onnx" : `${place.folder}/${place.folder}.onnx`} (${shipped.byteLength.toLocaleString('en-US')} bytes).`);
              return shipped;
            }
            log('ONNX model: exported from the weights for this run.');
            return exportModelOnnx(built, spec, config as unknown as Record<string, unknown>);
          }, req.backend === 'onnx-webgpu' ? 'webgpu' : 'wasm');
          return onnxPredictor;
        }
        : undefined;
      const common: InferenceOptions = {
        config, data, output: place.output, modelSource: place.source, modelFolder: place.folder, onEvent: send, createPredictor,
      };
      let result: InferenceResult;
      if (req.kind === 'test') result = await runTest(common);
      else result = await runSegment({ ...common, images: req.images });

      const files = await collectFiles(place.output, result.files, place.info.kind === 'memory' ? Infinity : (req.inlineBytes ?? DEFAULT_INLINE_BYTES));
      let table: EvaluationTable | null = null;
      const csv = files.find((f) => f.path === 'results_eval/evaluation_3Dmetrics.csv');
      if (csv) table = parseCsv(new TextDecoder().decode(csv.bytes ?? new Uint8Array(await place.output.read(csv.path))));
      const ids = table
        ? table.rows.map((r) => r.image_id)
        : [...new Set(result.files.map((f) => f.match(/^pred_masks\/(.+)_class-\d+_pred\.nii\.gz$/)?.[1]).filter((s): s is string => !!s))];
      const index = await indexBids(data);
      const used = files.reduce((n, f) => n + (f.bytes?.byteLength ?? 0), 0);
      const budget = { left: Math.max(0, (req.inlineBytes ?? DEFAULT_INLINE_BYTES) - used) };
      const targetSuffix = [config.loader_parameters.target_suffix].flat().map((s) => String([s].flat()[0]));
      const subjects = await subjectsOf(req.kind, ids, result.files, index, data, targetSuffix, budget);
      log(`Done: ${result.files.length} file(s) written in ${place.info.kind === 'opfs' ? `the browser's storage, ${place.info.path}` : 'memory'}.`);
      return {
        kind: req.kind, output: place.info, files, table, metrics: result.metrics ?? null, subjects, backend: req.backend, runtime,
        modelName: place.modelName, seconds: (Date.now() - t0) / 1000,
      };
    } catch (err) {
      const e = err as Error;
      throw new Error(e?.message ?? String(err));
    } finally {
      await (onnxPredictor as OnnxBatchPredictor | null)?.release().catch(() => undefined);
      for (const c of cleanup) c();
      busy = false;
    }
  }

  /**
   * The model bundle of a training run (createBundle on its OPFS folder), with model.onnx exported
   * from the same weights when `onnx` is set (default true).
   */
  async function exportBundle(folder: string, options: { onnx?: boolean } = {}): Promise<{ bytes: Uint8Array; fileName: string; onnx: boolean; note?: string }> {
    if (isTraining()) throw new Error('A training is running on the GPU: wait for it to finish before exporting a bundle.');
    const run = await opfsFolder(folder, false);
    const { name } = await runModelName(run, folder);
    let onnx: Uint8Array | undefined;
    let note: string | undefined;
    if (options.onnx !== false) {
      try {
        await engineBackend('onnx-wasm', () => undefined);
        onnx = await exportModelFolderOnnx(run, name);
      } catch (err) {
        note = `model.onnx left out: ${(err as Error).message}`;
      }
    }
    const bytes = await createBundle(run, name, { onnx });
    return { bytes, fileName: `${name}.ivadomed-web.zip`, onnx: !!onnx, note };
  }

  return { infer, exportBundle, isRunning: () => busy };
}
