/**
 * The training runs the Results tab can use: folders of the browser's private storage (OPFS) under
 * runs/ (what the Training tab writes), read from the page. A run is usable once its best model was
 * written (<model_name>/<model_name>.safetensors beside config_file.json).
 */
export interface RunEntry {
  /** "runs/synthetic_unet-20250101-120000" */
  folder: string;
  modelName: string;
  /** Best validation Dice from run_record.json, when the run finished an epoch. */
  bestDice: number | null;
  epochs: number | null;
}

type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

async function opfsRoot(): Promise<FileSystemDirectoryHandle | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
  return navigator.storage.getDirectory();
}

async function dirAt(path: string): Promise<FileSystemDirectoryHandle> {
  const root = await opfsRoot();
  if (!root) throw new Error("This browser has no private storage (OPFS): outputs of runs cannot be read.");
  let dir = root;
  for (const part of path.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(part);
  return dir;
}

/** Bytes of a file of the browser's private storage ("runs/x/pred_masks/a.nii.gz"). */
export async function readOpfsFile(path: string): Promise<Uint8Array> {
  const parts = path.split('/').filter(Boolean);
  const dir = await dirAt(parts.slice(0, -1).join('/'));
  const file = await (await dir.getFileHandle(parts[parts.length - 1])).getFile();
  return new Uint8Array(await file.arrayBuffer());
}

async function readText(dir: FileSystemDirectoryHandle, name: string): Promise<string | null> {
  try {
    return await (await (await dir.getFileHandle(name)).getFile()).text();
  } catch {
    return null;
  }
}

/** The usable runs, newest first (folder names end with the start time). */
export async function listRuns(): Promise<RunEntry[]> {
  let runs: FileSystemDirectoryHandle;
  try {
    runs = await dirAt('runs');
  } catch {
    return [];
  }
  const out: RunEntry[] = [];
  for await (const entry of (runs as Dir).values()) {
    if (entry.kind !== 'directory') continue;
    const dir = entry as FileSystemDirectoryHandle;
    const configText = await readText(dir, 'config_file.json');
    if (!configText) continue;
    let modelName: string;
    try {
      modelName = String((JSON.parse(configText) as { model_name?: unknown }).model_name ?? '');
    } catch {
      continue;
    }
    if (!modelName) continue;
    try {
      await (await dir.getDirectoryHandle(modelName)).getFileHandle(`${modelName}.safetensors`);
    } catch {
      continue; // no best model yet (stopped before the first epoch ended)
    }
    let bestDice: number | null = null;
    let epochs: number | null = null;
    const record = await readText(dir, 'run_record.json');
    if (record) {
      try {
        const r = JSON.parse(record) as { bestValDice?: number | null; epochs?: unknown[] };
        bestDice = r.bestValDice ?? null;
        epochs = Array.isArray(r.epochs) ? r.epochs.length : null;
      } catch {
        // A run record being written: the run is listed without its numbers.
      }
    }
    out.push({ folder: `runs/${entry.name}`, modelName, bestDice, epochs });
  }
  return out.sort((a, b) => b.folder.localeCompare(a.folder));
}
