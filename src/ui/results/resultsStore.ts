/**
 * State of the Results tab: the inference running in the GPU worker (status, progress, log), its
 * result (files, evaluation table, subjects) or error, and an uploaded model bundle. It outlives the
 * panel, so switching to the Viewer and back keeps the table.
 */
import { unzipSync } from 'fflate';
import { create } from 'zustand';
import { runInference, type InferRequest, type InferResult } from '../../worker/client';

export type ResultsStatus = 'idle' | 'running' | 'done' | 'error';

export interface ResultsLogLine {
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** An uploaded .ivadomed-web.zip: its bytes and what bundle.json says (checked fully in the worker). */
export interface UploadedBundle {
  name: string;
  bytes: Uint8Array;
  modelName: string;
  architecture: string;
  hasOnnx: boolean;
  hasSplit: boolean;
}

interface ResultsState {
  status: ResultsStatus;
  progress: { stage: string; done: number; total: number } | null;
  log: ResultsLogLine[];
  result: InferResult | null;
  error: string | null;
  startedAt: number | null;
  endedAt: number | null;
  bundle: UploadedBundle | null;
  bundleError: string | null;
  /** The chosen model: a run folder, 'bundle', or '' (kept here so that it survives switching tabs). */
  modelChoice: string;
  setModelChoice: (choice: string | ((current: string) => string)) => void;
  run: (request: InferRequest, label: string) => Promise<void>;
  loadBundle: (file: File) => Promise<void>;
}

/** Reads bundle.json of a bundle (the worker verifies every member and the weights when it runs). */
export function describeBundle(name: string, bytes: Uint8Array): UploadedBundle {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: (f) => f.name === 'bundle.json' || f.name === 'model.onnx' || f.name === 'run_record.json' });
  } catch (err) {
    throw new Error(`${name} is not a readable zip file (${(err as Error).message}): the download is truncated or it is not an ivadomed-web model bundle.`);
  }
  const manifestBytes = members['bundle.json'];
  if (!manifestBytes) throw new Error(`${name} has no bundle.json: it is not an ivadomed-web model bundle (.ivadomed-web.zip).`);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { format?: string; model_name?: string; model?: { name?: string } };
  if (manifest.format !== 'ivadomed-web-bundle') throw new Error(`${name}: bundle.json has format ${JSON.stringify(manifest.format)}, not "ivadomed-web-bundle".`);
  let hasSplit = false;
  if (members['run_record.json']) {
    try {
      hasSplit = !!(JSON.parse(new TextDecoder().decode(members['run_record.json'])) as { split?: unknown }).split;
    } catch {
      hasSplit = false;
    }
  }
  return { name, bytes, modelName: manifest.model_name ?? '?', architecture: manifest.model?.name ?? '?', hasOnnx: !!members['model.onnx'], hasSplit };
}

const MAX_LOG = 300;

export const useResults = create<ResultsState>((set, get) => {
  const addLog = (level: ResultsLogLine['level'], message: string) => {
    const log = [...get().log, { level, message }];
    set({ log: log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log });
  };
  return {
    status: 'idle',
    progress: null,
    log: [],
    result: null,
    error: null,
    startedAt: null,
    endedAt: null,
    bundle: null,
    bundleError: null,
    modelChoice: '',
    setModelChoice: (choice) => set({ modelChoice: typeof choice === 'function' ? choice(get().modelChoice) : choice }),
    run: async (request, label) => {
      if (get().status === 'running') return;
      set({ status: 'running', progress: null, log: [], result: null, error: null, startedAt: Date.now(), endedAt: null });
      addLog('info', `Starting ${label}.`);
      try {
        const result = await runInference(request, (e) => {
          if (e.type === 'log') addLog(e.level, e.message);
          else set({ progress: { stage: e.stage, done: e.done, total: e.total } });
        });
        set({ status: 'done', result, endedAt: Date.now() });
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        set({ status: 'error', error: message, endedAt: Date.now() });
        addLog('error', message);
      }
    },
    loadBundle: async (file) => {
      try {
        const bundle = describeBundle(file.name, new Uint8Array(await file.arrayBuffer()));
        set({ bundle, bundleError: null });
      } catch (err) {
        set({ bundleError: (err as Error).message });
      }
    },
  };
});
