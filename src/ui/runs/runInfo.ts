/**
 * What the Runs list shows about one training run folder (OPFS runs/<model>-<YYYYMMDD-HHMMSS>/),
 * derived from the files the trainer writes: config_file.json (planned epochs, model name),
 * checkpoint.json (written after every finished epoch) and run_record.json (written when a run ends,
 * including a stop). Pure functions, so the rules are unit-tested without a browser.
 */
import type { EpochRecord } from '../../train/events';

/**
 * completed: the run ended by itself (all epochs, or early stopping).
 * stopped: the user stopped it; its checkpoint can be resumed.
 * interrupted: a checkpoint with no run record, or a record older than the checkpoint (the page was
 *   closed or reloaded, or the GPU failed, during the run): resumable.
 * running: the folder of the training running now in this page.
 * empty: no epoch finished (nothing to resume; the folder holds the config and split only).
 */
export type RunStatus = 'completed' | 'stopped' | 'interrupted' | 'running' | 'empty';

/** The subset of checkpoint.json the list needs. */
export interface CheckpointInfo {
  epoch: number;
  history?: EpochRecord[];
  bestEpoch?: number;
  bestValDice?: number | null;
  seed?: number;
}

/** The subset of run_record.json the list needs. */
export interface RecordInfo {
  created?: string;
  epochs?: unknown[];
  bestEpoch?: number;
  bestValDice?: number | null;
  reason?: string;
}

export interface RunSummary {
  /** "runs/synthetic_unet-20250101-120000" */
  folder: string;
  modelName: string;
  /** From the folder name's time stamp (local time), else the record's creation time. */
  date: Date | null;
  epochsDone: number;
  epochsPlanned: number | null;
  bestValDice: number | null;
  bestEpoch: number | null;
  status: RunStatus;
  /** A checkpoint exists and epochs are left: Resume can continue it. */
  resumable: boolean;
  /** The seed recorded in the checkpoint (a resume uses it again). */
  seed: number | null;
}

const STAMP = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** The start time encoded in a run folder name ("…-20250131-235959"), or null. */
export function folderDate(folder: string): Date | null {
  const m = STAMP.exec(folder);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "runs/<model_name>-<YYYYMMDD-HHMMSS>" for a run starting at `d` (local time), as the worker names them. */
export function runFolderName(modelName: string, d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `runs/${modelName}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Planned epochs and model name from config_file.json's text (null when it cannot be read). */
export function configFacts(configText: string | null): { modelName: string | null; epochs: number | null } {
  if (!configText) return { modelName: null, epochs: null };
  try {
    const c = JSON.parse(configText) as { model_name?: unknown; training_parameters?: { training_time?: { num_epochs?: unknown } } };
    const epochs = c.training_parameters?.training_time?.num_epochs;
    return { modelName: typeof c.model_name === 'string' ? c.model_name : null, epochs: typeof epochs === 'number' ? epochs : null };
  } catch {
    return { modelName: null, epochs: null };
  }
}

/**
 * Combines what a folder holds into one summary. `active` is true for the folder the running
 * training writes into.
 */
export function summarizeRun(folder: string, files: { config: string | null; checkpoint: CheckpointInfo | null; record: RecordInfo | null }, active = false): RunSummary {
  const facts = configFacts(files.config);
  const ck = files.checkpoint;
  const rec = files.record;
  const recordEpochs = Array.isArray(rec?.epochs) ? rec!.epochs!.length : 0;
  const ckEpochs = ck?.epoch ?? 0;
  const epochsDone = Math.max(recordEpochs, ckEpochs);
  // The checkpoint is newer than the record when a resumed run was cut off after finishing epochs.
  const recordCurrent = rec !== null && recordEpochs >= ckEpochs;
  let status: RunStatus;
  if (active) status = 'running';
  else if (epochsDone === 0) status = 'empty';
  else if (!recordCurrent) status = 'interrupted';
  else if (rec!.reason === 'stopped') status = 'stopped';
  else status = 'completed';
  const fromRecord = recordCurrent;
  const bestValDice = (fromRecord ? rec!.bestValDice : ck?.bestValDice) ?? null;
  const bestEpoch = (fromRecord ? rec!.bestEpoch : ck?.bestEpoch) ?? null;
  const name = folder.split('/').pop() ?? folder;
  const modelName = facts.modelName ?? name.replace(STAMP, '');
  const left = facts.epochs === null || epochsDone < facts.epochs;
  return {
    folder, modelName, date: folderDate(name) ?? (rec?.created ? new Date(rec.created) : null),
    epochsDone, epochsPlanned: facts.epochs, bestValDice, bestEpoch: bestEpoch || null, status,
    resumable: !active && ck !== null && ckEpochs > 0 && left && status !== 'completed',
    seed: typeof ck?.seed === 'number' ? ck.seed : null,
  };
}

export interface CurvesTable {
  epoch: number[];
  /** Column name → one value per row (NaN where empty). */
  columns: Map<string, number[]>;
}

/** Parses training_curves.csv (header row, comma-separated numbers, empty = missing). */
export function parseCurvesCsv(text: string): CurvesTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { epoch: [], columns: new Map() };
  const header = lines[0].split(',').map((h) => h.trim());
  const epochCol = header.indexOf('epoch');
  if (epochCol < 0) throw new Error(`training_curves.csv: no "epoch" column (header: ${lines[0]}).`);
  const columns = new Map<string, number[]>(header.map((h) => [h, [] as number[]]));
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    header.forEach((h, i) => columns.get(h)!.push(cells[i] === undefined || cells[i].trim() === '' ? NaN : Number(cells[i])));
  }
  return { epoch: columns.get('epoch')!, columns };
}
