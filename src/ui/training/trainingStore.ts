/**
 * State of the Training panel: the run in the GPU worker (status, progress, per-epoch rows, curves,
 * log, summary or error). It outlives the panel, so switching tabs during a run loses nothing.
 * Curves are mutated in place (uPlot's aligned columns) and a version counter tells charts to redraw.
 */
import { create } from 'zustand';
import type { EpochRecord, TrainEvent } from '../../train/events';
import type { ValidationPreview } from '../../train/preview';
import { appendPoint, emptyCurves, type CurveData } from '../charts/series';
import { useRuns } from '../runs/runsStore';
import { gpuWorker, startTraining, type GpuMemoryInfo, type TrainData, type TrainOutput, type TrainSummary } from '../../worker/client';

export type TrainStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'error';

export interface LogLine {
  level: 'info' | 'warning' | 'error';
  message: string;
  /** Seconds since the run started. */
  at: number;
}

export interface RunInfo {
  model: string;
  parameters: number;
  epochs: number;
  startEpoch: number;
  batchesPerEpoch: number;
  trainItems: number;
  validItems: number;
  adapter: string;
}

export interface TrainProgress {
  phase: 'setup' | 'training' | 'validation';
  epoch: number;
  batch: number;
  batches: number;
  /** The loop's own estimate of the time left. */
  etaSeconds: number | null;
  itemsPerSecond: number | null;
  setupStage?: string;
}

/** What to train: the config file text, the dataset, where outputs go, and labels for the UI. */
export interface RunRequest {
  configJson: string;
  data: TrainData;
  output: TrainOutput;
  datasetLabel: string;
  configLabel: string;
  resume?: boolean;
  seed?: number;
  /** Train at most this many batches per epoch (quick trials; validation still runs in full). */
  maxBatchesPerEpoch?: number;
  /** The epochs already in the checkpoint a resume continues (shown in the table and curves at once). */
  history?: EpochRecord[];
}

/** Epoch curves: train loss, val loss (left axis), val Dice (right axis). */
export const EPOCH_SERIES = 3;
/** GPU memory curves: live and peak MiB against seconds since the start. */
export const GPU_SERIES = 2;
/** Seconds between two points of the GPU memory chart (events come up to 10 times a second). */
const GPU_POINT_SECONDS = 0.5;
const MIB = 1024 * 1024;

interface TrainingState {
  status: TrainStatus;
  /** Pause was asked; the loop pauses after the batch it is on. */
  pausing: boolean;
  request: RunRequest | null;
  info: RunInfo | null;
  progress: TrainProgress | null;
  epochs: EpochRecord[];
  epochCurves: CurveData;
  batchCurves: CurveData;
  curvesVersion: number;
  log: LogLine[];
  gpu: GpuMemoryInfo | null;
  gpuCurves: CurveData;
  /** The validation slice with the prediction of the last finished validation. */
  preview: ValidationPreview | null;
  /** Earlier validation slices of this run, oldest first (thinned past PREVIEW_HISTORY_BYTES), for scrubbing and the GIF. */
  previews: ValidationPreview[];
  summary: TrainSummary | null;
  error: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** The OPFS folder of the last run that wrote a checkpoint (to continue it). */
  lastOutput: TrainOutput | null;
  start: (request: RunRequest) => Promise<void>;
  pause: () => Promise<void>;
  resume: () => Promise<void>;
  stop: () => Promise<void>;
}

const MAX_LOG = 500;
/** Memory for the validation-slice history (a 256x256 slice takes ~0.6 MB). */
export const PREVIEW_HISTORY_BYTES = 64 * 1024 * 1024;

function previewBytes(p: ValidationPreview): number {
  return p.image.byteLength + p.pred.byteLength + (p.gt?.byteLength ?? 0);
}

/**
 * The history with `next` appended; past the memory budget every other older epoch is dropped (the
 * first and the newest stay), so a long run keeps evenly spread frames rather than only the last ones.
 */
export function keepPreview(history: readonly ValidationPreview[], next: ValidationPreview, budget = PREVIEW_HISTORY_BYTES): ValidationPreview[] {
  let out = [...history.filter((p) => p.epoch !== next.epoch), next];
  while (out.length > 2 && out.reduce((n, p) => n + previewBytes(p), 0) > budget) {
    out = out.filter((_, i) => i === 0 || i === out.length - 1 || i % 2 === 0);
  }
  return out;
}

function fresh() {
  return {
    info: null, progress: null, epochs: [], epochCurves: emptyCurves(EPOCH_SERIES), batchCurves: emptyCurves(1), curvesVersion: 0,
    log: [], gpu: null, gpuCurves: emptyCurves(GPU_SERIES), preview: null, previews: [], summary: null, error: null, endedAt: null,
  };
}

export const useTraining = create<TrainingState>((set, get) => {
  const addLog = (level: LogLine['level'], message: string) => {
    const t0 = get().startedAt ?? Date.now();
    const log = [...get().log, { level, message, at: (Date.now() - t0) / 1000 }];
    set({ log: log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log });
  };

  const onEvent = (e: TrainEvent, gpu: GpuMemoryInfo) => {
    const s = get();
    switch (e.type) {
      case 'log':
        addLog(e.level, e.message);
        break;
      case 'setup':
        set({ progress: { phase: 'setup', epoch: 0, batch: e.done, batches: e.total, etaSeconds: null, itemsPerSecond: null, setupStage: e.stage } });
        break;
      case 'start':
        set({
          info: { model: e.model, parameters: e.parameters, epochs: e.epochs, startEpoch: e.startEpoch, batchesPerEpoch: e.batchesPerEpoch, trainItems: e.trainItems, validItems: e.validItems, adapter: e.adapter },
          progress: { phase: 'training', epoch: e.startEpoch, batch: 0, batches: e.batchesPerEpoch, etaSeconds: null, itemsPerSecond: null },
        });
        break;
      case 'batch':
        appendPoint(s.batchCurves, 0, e.epoch - 1 + e.batch / e.batches, e.loss);
        set({
          progress: { phase: 'training', epoch: e.epoch, batch: e.batch, batches: e.batches, etaSeconds: e.etaSeconds, itemsPerSecond: e.itemsPerSecond },
          curvesVersion: s.curvesVersion + 1,
        });
        break;
      case 'validation':
        set({ progress: { ...(s.progress ?? { etaSeconds: null, itemsPerSecond: null }), phase: 'validation', epoch: e.epoch, batch: e.batch, batches: e.batches } });
        break;
      case 'epoch': {
        const { type: _t, epochs: _n, etaSeconds, ...record } = e;
        void _t; void _n;
        appendPoint(s.epochCurves, 0, e.epoch, e.train_loss);
        appendPoint(s.epochCurves, 1, e.epoch, e.val_loss);
        appendPoint(s.epochCurves, 2, e.epoch, e.metrics.dice_score ?? NaN);
        set({
          epochs: [...s.epochs.filter((r) => r.epoch !== e.epoch), record].sort((a, b) => a.epoch - b.epoch),
          curvesVersion: s.curvesVersion + 1,
          progress: { ...(s.progress ?? { batch: 0, batches: 0, itemsPerSecond: null, phase: 'training' }), epoch: e.epoch, etaSeconds },
        });
        break;
      }
      case 'paused':
        set({ pausing: false });
        if (s.status === 'running') set({ status: 'paused' });
        addLog('info', 'Paused: the GPU is idle until you resume.');
        break;
      case 'resumed':
        if (s.status === 'paused') set({ status: 'running' });
        addLog('info', 'Resumed.');
        break;
      case 'checkpoint':
        if (s.request?.output.kind === 'opfs' || s.request?.output.kind === 'handle') set({ lastOutput: s.request.output });
        if (s.request?.output.kind === 'opfs') void useRuns.getState().refresh();
        break;
      case 'preview': {
        const { type: _t, ...preview } = e;
        void _t;
        set({ preview, previews: keepPreview(s.previews, preview) });
        break;
      }
      case 'done':
        break;
    }
    const seconds = (Date.now() - (s.startedAt ?? Date.now())) / 1000;
    const xs = s.gpuCurves.x;
    if (xs.length === 0 || seconds - xs[xs.length - 1] >= GPU_POINT_SECONDS) {
      appendPoint(s.gpuCurves, 0, seconds, gpu.liveBytes / MIB);
      appendPoint(s.gpuCurves, 1, seconds, gpu.peakBytes / MIB);
      set({ gpu, curvesVersion: get().curvesVersion + 1 });
    } else {
      set({ gpu });
    }
  };

  return {
    status: 'idle',
    pausing: false,
    request: null,
    startedAt: null,
    lastOutput: null,
    ...fresh(),

    start: async (request) => {
      const st = get().status;
      if (st === 'starting' || st === 'running' || st === 'paused' || st === 'stopping') return;
      // A resumed run keeps the curves and rows of the run it continues; the checkpoint's history comes back anyway.
      set({ status: 'starting', pausing: false, request, startedAt: Date.now(), ...fresh() });
      if (request.resume && request.history?.length) {
        const { epochCurves } = get();
        for (const r of request.history) {
          appendPoint(epochCurves, 0, r.epoch, r.train_loss);
          appendPoint(epochCurves, 1, r.epoch, r.val_loss);
          appendPoint(epochCurves, 2, r.epoch, r.metrics?.dice_score ?? NaN);
        }
        set({ epochs: [...request.history].sort((a, b) => a.epoch - b.epoch), curvesVersion: 1 });
      }
      const runs = useRuns.getState();
      runs.setActive(request.output.kind === 'opfs' ? request.output.folder ?? null : null);
      addLog('info', `Starting: ${request.configLabel} on ${request.datasetLabel}${request.resume ? ' (continuing from the checkpoint)' : ''}.`);
      set({ status: 'running' });
      try {
        const summary = await startTraining(request.configJson, request.data, request.output, onEvent, { resume: request.resume, seed: request.seed, maxBatchesPerEpoch: request.maxBatchesPerEpoch });
        const output: TrainOutput | null = summary.output.kind === 'opfs' ? { kind: 'opfs', folder: summary.output.path } : summary.output.kind === 'handle' ? request.output : null;
        set({ status: 'done', summary, endedAt: Date.now(), lastOutput: summary.epochs > 0 ? output : get().lastOutput });
        addLog('info', `Done (${summary.reason}) in ${summary.seconds.toFixed(1)} s.`);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        set({ status: 'error', error: message, endedAt: Date.now() });
        addLog('error', message);
      } finally {
        runs.setActive(null);
      }
    },
    pause: async () => {
      if (get().status !== 'running') return;
      set({ pausing: true });
      await gpuWorker().pause();
      addLog('info', 'Pausing after the current batch…');
    },
    resume: async () => {
      const st = get().status;
      if (st !== 'paused' && st !== 'running') return;
      await gpuWorker().resume();
      set({ status: 'running', pausing: false });
    },
    stop: async () => {
      const st = get().status;
      if (st !== 'running' && st !== 'paused') return;
      set({ status: 'stopping', pausing: false });
      addLog('info', 'Stopping after the current batch; the checkpoint of the last finished epoch is kept.');
      await gpuWorker().stop();
    },
  };
});
