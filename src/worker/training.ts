/**
 * Training in the GPU worker: turns what the page can send through postMessage (a config as JSON
 * text, a dataset as a directory handle / File list / proxied FileSource / "the synthetic sample", an
 * output as an OPFS folder or a directory handle) into trainModel()'s inputs, runs one training at a
 * time on the worker's WebGPU device, and forwards the loop's events to the page, throttled so that
 * batch progress never floods the UI thread (epoch, log, checkpoint and done events always go through).
 */
import { parseConfig } from '../config/index';
import { createHandleSource, createMemorySource, type FileEntry, type FileSource } from '../data/index';
import { memory, setBackend } from '../engine/index';
import type { AcquiredDevice } from '../engine/webgpu/device';
import { adapterName } from '../engine/webgpu/device';
import { TrainControl } from '../train/control';
import type { TrainEvent } from '../train/events';
import { trainModel } from '../train/trainer';
import { dataSource, timestamp } from './datasource';

/**
 * A FileSource living in the page (the dataset open in the Dataset panel), exposed with Comlink on a
 * MessagePort that travels inside the `data` argument (Comlink converts proxies only at the top level
 * of arguments, so a nested Comlink.proxy would not survive structured cloning).
 */
export interface RemoteFileSource {
  list(): Promise<FileEntry[]>;
  read(path: string): Promise<ArrayBuffer>;
  readRange(path: string, start: number, end: number): Promise<ArrayBuffer>;
}

export type TrainData =
  | { kind: 'synthetic' }
  | { kind: 'handle'; handle: FileSystemDirectoryHandle }
  | { kind: 'files'; files: { file: File; path: string }[]; name?: string }
  | { kind: 'remote'; name: string; port: MessagePort };

export type TrainOutput =
  /** A folder of the origin private file system; default `runs/<model_name>-<timestamp>`. */
  | { kind: 'opfs'; folder?: string }
  | { kind: 'handle'; handle: FileSystemDirectoryHandle };

export interface TrainRunOptions {
  /** Continue from the checkpoint in the output folder (give the same output). */
  resume?: boolean;
  seed?: number;
  maxBatchesPerEpoch?: number;
  /** Minimum milliseconds between two forwarded progress events (batch, validation, setup); default 100. */
  throttleMs?: number;
}

/** Where the outputs went. */
export interface OutputInfo {
  kind: 'opfs' | 'handle' | 'memory';
  /** "runs/synthetic_unet-20250101-120000" in OPFS, the folder name for a handle. */
  path: string;
  /** Why the outputs are not where they were asked to go (OPFS not writable here). */
  note?: string;
}

export interface TrainSummary {
  reason: 'completed' | 'early-stopping' | 'stopped';
  bestEpoch: number;
  bestValLoss: number | null;
  bestValDice: number | null;
  /** Epochs in the run's history (including epochs of the run resumed from). */
  epochs: number;
  seconds: number;
  output: OutputInfo;
  /** Files written into the output folder. */
  files: string[];
}

/** GPU memory held by the engine, sent with each forwarded event. */
export interface GpuMemoryInfo {
  liveBytes: number;
  peakBytes: number;
  liveTensors: number;
}

export type TrainEventSink = (event: TrainEvent, gpu: GpuMemoryInfo) => void;

const PROGRESS_TYPES = new Set<TrainEvent['type']>(['batch', 'validation', 'setup']);

/**
 * Forwards events to `send`, passing at most one progress event per `intervalMs` (the latest one
 * wins; a pending one is flushed before any other event so the order holds, and by a timer so the
 * last batch before a long validation still arrives). Other events are never dropped.
 */
export function throttleEvents<E extends { type: string }>(send: (e: E) => void, intervalMs: number, isProgress: (e: E) => boolean) {
  let last = -Infinity;
  let pending: E | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!pending) return;
    const e = pending;
    pending = null;
    last = Date.now();
    send(e);
  };
  return {
    push(e: E) {
      if (!isProgress(e)) {
        flush();
        send(e);
        return;
      }
      pending = e;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
  };
}

/** Checks that a folder really takes files (OPFS in some browsers/workers lacks createWritable). */
async function probeWritable(source: FileSource): Promise<void> {
  await source.write('.write-test', 'ok');
}

async function outputSource(spec: TrainOutput, modelName: string, log: (m: string) => void): Promise<{ source: FileSource; info: OutputInfo }> {
  if (spec.kind === 'handle') {
    const source = createHandleSource(spec.handle);
    await probeWritable(source);
    return { source, info: { kind: 'handle', path: spec.handle.name } };
  }
  const folder = spec.folder ?? `runs/${modelName}-${timestamp()}`;
  try {
    if (!self.navigator.storage?.getDirectory) throw new Error('navigator.storage.getDirectory is not available');
    let dir = await self.navigator.storage.getDirectory();
    for (const part of folder.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(part, { create: true });
    const source = createHandleSource(dir);
    await probeWritable(source);
    return { source, info: { kind: 'opfs', path: folder } };
  } catch (err) {
    const note = `The browser's private storage (OPFS) cannot be written here (${(err as Error).message}); the outputs are kept in memory for this page only.`;
    log(note);
    return { source: createMemorySource(folder), info: { kind: 'memory', path: folder, note } };
  }
}

function gpuMemory(): GpuMemoryInfo {
  const m = memory('webgpu');
  return { liveBytes: m.liveBytes, peakBytes: m.peakBytes, liveTensors: m.liveTensors };
}

/**
 * One runner per worker: owns the TrainControl of the running training.
 * @param getDevice the worker's device (acquired once, shared with diagnostics).
 */
export function createTrainingRunner(getDevice: () => Promise<AcquiredDevice>) {
  let control: TrainControl | null = null;

  async function train(configJson: string, data: TrainData, output: TrainOutput, onEvent: TrainEventSink, options: TrainRunOptions = {}): Promise<TrainSummary> {
    if (control) throw new Error('A training is already running in this page: stop it (or wait for it to finish) before starting another.');
    const ctl = new TrainControl();
    control = ctl;
    const t0 = Date.now();
    const cleanup: (() => void)[] = [];
    const send = (e: TrainEvent) => {
      try {
        onEvent(e, gpuMemory());
      } catch {
        // The page went away or the proxy was released: training goes on, nobody is listening.
      }
    };
    const throttle = throttleEvents<TrainEvent>(send, options.throttleMs ?? 100, (e) => PROGRESS_TYPES.has(e.type));
    const log = (message: string, level: 'info' | 'warning' = 'info') => throttle.push({ type: 'log', level, message });
    try {
      const parsed = parseConfig(configJson);
      if (!parsed.ok) throw new Error(`The configuration is not valid:\n${parsed.errors.map((e) => `• ${e.message}`).join('\n')}`);
      for (const w of parsed.warnings) log(`config: ${w.message}`, 'warning');
      const config = parsed.config;
      if (config.command && config.command !== 'train') log(`config: command is "${config.command}"; the studio trains with it anyway.`, 'warning');

      const acquired = await getDevice();
      setBackend('webgpu', { device: acquired.device });
      const adapter = adapterName(acquired.report);
      const errorsBefore = acquired.uncapturedErrors.length;
      const source = await dataSource(data, cleanup, 'training never writes into the dataset');
      const out = await outputSource(output, config.model_name, (m) => log(m, 'warning'));
      log(`Dataset "${source.name}"; outputs in ${out.info.kind === 'opfs' ? `the browser's private storage, ${out.info.path}` : out.info.kind === 'handle' ? `the folder "${out.info.path}"` : 'memory'}.`);

      // Device loss and GPU errors reported outside the engine's error scopes end the run with their message.
      let gpuFailure: Error | null = null;
      const lost = acquired.lost.then((e) => {
        gpuFailure = e;
        ctl.stop();
        throw e;
      });
      const checkGpu = () => {
        if (acquired.uncapturedErrors.length > errorsBefore) throw acquired.uncapturedErrors[errorsBefore];
      };
      const run = trainModel({
        config, data: source, output: out.source, resume: options.resume, control: ctl, adapter, seed: options.seed, maxBatchesPerEpoch: options.maxBatchesPerEpoch, validationPreview: true,
        onEvent: (e) => {
          if (e.type === 'batch' || e.type === 'epoch') checkGpu();
          throttle.push(e);
        },
      });
      // When the device is lost first, the loop's own rejection (its next GPU call fails) comes later: nobody awaits it.
      run.catch(() => undefined);
      const result = await Promise.race([run, lost]);
      if (gpuFailure) throw gpuFailure;
      result.model.module.dispose();
      throttle.flush();
      return {
        reason: result.reason, bestEpoch: result.bestEpoch, bestValLoss: Number.isFinite(result.bestValLoss) ? result.bestValLoss : null, bestValDice: result.bestValDice,
        epochs: result.epochs.length, seconds: (Date.now() - t0) / 1000, output: out.info, files: result.files,
      };
    } catch (err) {
      throttle.flush();
      const e = err as Error;
      // Comlink sends Error name + message + stack to the page; keep the message self-explaining.
      throw new Error(e?.message ?? String(err));
    } finally {
      for (const c of cleanup) c();
      control = null;
    }
  }

  const need = (what: string): TrainControl => {
    if (!control) throw new Error(`Nothing to ${what}: no training is running.`);
    return control;
  };

  return {
    train,
    pause(): void { need('pause').pause(); },
    resume(): void { need('resume').resume(); },
    /** Ends after the current batch; the checkpoint of the last finished epoch stays in the output folder. */
    stop(): void { need('stop').stop(); },
    isTraining(): boolean { return control !== null; },
  };
}
