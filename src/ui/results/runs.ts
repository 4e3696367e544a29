/**
 * The training runs the Results tab can use: folders of the browser's private storage (OPFS) under
 * runs/ (what the Training tab writes; listed by src/worker/runs.ts, shared with the Runs section).
 * A run is usable once its best model was written (<model_name>/<model_name>.safetensors beside
 * config_file.json).
 */
import { listRunFolders, opfsFileExists } from '../../worker/runs';

export { readOpfsFile } from '../../worker/runs';

export interface RunEntry {
  /** "runs/synthetic_unet-20250101-120000" */
  folder: string;
  modelName: string;
  /** Best validation Dice from run_record.json, when the run finished an epoch. */
  bestDice: number | null;
  epochs: number | null;
}

function parsed<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;  // a file being written: the run is listed without what it says
  }
}

/** The usable runs, newest first (folder names end with the start time); none without OPFS. */
export async function listRuns(): Promise<RunEntry[]> {
  let folders;
  try {
    folders = await listRunFolders();
  } catch {
    return [];
  }
  const out: RunEntry[] = [];
  for (const f of folders) {
    const modelName = String(parsed<{ model_name?: unknown }>(f.config)?.model_name ?? '');
    if (!modelName) continue;
    // No best model yet: stopped before the first epoch ended.
    if (!(await opfsFileExists(`${f.folder}/${modelName}/${modelName}.safetensors`))) continue;
    const record = parsed<{ bestValDice?: number | null; epochs?: unknown[] }>(f.record);
    out.push({ folder: f.folder, modelName, bestDice: record?.bestValDice ?? null, epochs: Array.isArray(record?.epochs) ? record.epochs.length : null });
  }
  return out;
}
