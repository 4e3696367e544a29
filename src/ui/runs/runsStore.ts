/**
 * The Runs list: training run folders found in the browser's private storage (OPFS), so runs
 * survive a page reload. Reads the folders from the page (src/worker/runs.ts); zips in the worker.
 */
import { create } from 'zustand';
import { downloadFile } from '../components/download';
import { OUTPUT_FILES } from '../../train/outputs';
import { deleteRunFolder, listRunFolders, readRunText } from '../../worker/runs';
import { zipRun } from '../../worker/client';
import { parseCurvesCsv, summarizeRun, type CheckpointInfo, type CurvesTable, type RecordInfo, type RunSummary } from './runInfo';

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;  // a file being written: the run shows without its numbers
  }
}

export interface RunsState {
  runs: RunSummary[];
  loading: boolean;
  /** Why the list could not be read, or an action failed. */
  error: string | null;
  loaded: boolean;
  /** Folders ticked for Compare. */
  selected: string[];
  /** The folder the running training writes into (shown as running, not deletable). */
  activeFolder: string | null;
  curves: Map<string, CurvesTable>;
  refresh: () => Promise<void>;
  setActive: (folder: string | null) => void;
  toggle: (folder: string) => void;
  remove: (folder: string) => Promise<void>;
  download: (folder: string) => Promise<void>;
}

export const useRuns = create<RunsState>((set, get) => ({
  runs: [],
  loading: false,
  error: null,
  loaded: false,
  selected: [],
  activeFolder: null,
  curves: new Map(),

  refresh: async () => {
    set({ loading: true });
    try {
      const folders = await listRunFolders();
      const active = get().activeFolder;
      const curves = new Map<string, CurvesTable>();
      const runs = folders.map((f) => {
        if (f.curves) {
          try {
            curves.set(f.folder, parseCurvesCsv(f.curves));
          } catch {
            // unreadable curves: the run has nothing to compare
          }
        }
        return summarizeRun(f.folder, { config: f.config, checkpoint: parseJson<CheckpointInfo>(f.checkpoint), record: parseJson<RecordInfo>(f.record) }, f.folder === active);
      });
      const present = new Set(runs.map((r) => r.folder));
      set({ runs, curves, loading: false, loaded: true, error: null, selected: get().selected.filter((s) => present.has(s)) });
    } catch (err) {
      set({ loading: false, loaded: true, error: `The runs in the browser's storage cannot be listed: ${(err as Error).message}` });
    }
  },
  setActive: (folder) => {
    set({ activeFolder: folder });
    void get().refresh();
  },
  toggle: (folder) => {
    const s = get().selected;
    set({ selected: s.includes(folder) ? s.filter((f) => f !== folder) : [...s, folder] });
  },
  remove: async (folder) => {
    if (folder === get().activeFolder) {
      set({ error: `${folder} is the folder of the training running now: stop it before deleting.` });
      return;
    }
    try {
      await deleteRunFolder(folder);
      set({ error: null });
    } catch (err) {
      set({ error: `${folder} could not be deleted: ${(err as Error).message}` });
    }
    await get().refresh();
  },
  download: async (folder) => {
    try {
      const zip = await zipRun(folder);
      downloadFile(zip.bytes, zip.fileName, 'application/zip');
      set({ error: null });
    } catch (err) {
      set({ error: `${folder} could not be zipped: ${(err as Error).message}` });
    }
  },
}));

/** The config text and checkpoint facts a Resume needs. */
export async function resumeInputs(folder: string): Promise<{ configJson: string; checkpoint: CheckpointInfo }> {
  const configJson = await readRunText(folder, OUTPUT_FILES.config);
  if (!configJson) throw new Error(`${folder}/${OUTPUT_FILES.config} is missing: this run cannot be resumed.`);
  const checkpoint = parseJson<CheckpointInfo>(await readRunText(folder, OUTPUT_FILES.checkpointJson));
  if (!checkpoint) throw new Error(`${folder}/${OUTPUT_FILES.checkpointJson} is missing or unreadable: no epoch finished, so there is nothing to resume.`);
  return { configJson, checkpoint };
}
