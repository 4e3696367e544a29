/**
 * Training run folders in the browser's private storage (OPFS runs/<model>-<YYYYMMDD-HHMMSS>/):
 * list them with what their files say, read one file, delete a folder, zip a folder. Plain
 * FileSystemDirectoryHandle code: it runs in the page (listing, reading, deleting need no
 * createWritable) and in the GPU worker (zipping, off the UI thread).
 */
import { zipSync, type Zippable } from 'fflate';
import { OUTPUT_FILES } from '../train/outputs';

type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

export const RUNS_DIR = 'runs';

/** The raw files of one run folder the Runs list needs (each null when absent or unreadable). */
export interface RunFolderFiles {
  folder: string;
  config: string | null;
  checkpoint: string | null;
  record: string | null;
  curves: string | null;
}

export async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (!storage?.getDirectory) throw new Error("This browser has no private storage (OPFS: navigator.storage.getDirectory): runs cannot be kept across page loads.");
  return storage.getDirectory();
}

async function dirAt(root: FileSystemDirectoryHandle, path: string): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const part of path.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(part);
  return dir;
}

async function readText(dir: FileSystemDirectoryHandle, name: string): Promise<string | null> {
  try {
    return await (await (await dir.getFileHandle(name)).getFile()).text();
  } catch {
    return null;
  }
}

/** Bytes of a file of the browser's private storage ("runs/x/pred_masks/a.nii.gz"). */
export async function readOpfsFile(path: string, root?: FileSystemDirectoryHandle): Promise<Uint8Array> {
  const parts = path.split('/').filter(Boolean);
  const dir = await dirAt(root ?? (await opfsRoot()), parts.slice(0, -1).join('/'));
  const file = await (await dir.getFileHandle(parts[parts.length - 1])).getFile();
  return new Uint8Array(await file.arrayBuffer());
}

/** Whether a file of the browser's private storage exists (without reading it). */
export async function opfsFileExists(path: string, root?: FileSystemDirectoryHandle): Promise<boolean> {
  const parts = path.split('/').filter(Boolean);
  try {
    const dir = await dirAt(root ?? (await opfsRoot()), parts.slice(0, -1).join('/'));
    await dir.getFileHandle(parts[parts.length - 1]);
    return true;
  } catch {
    return false;
  }
}

function checkFolder(folder: string): string[] {
  const parts = folder.split('/').filter(Boolean);
  if (parts.length !== 2 || parts[0] !== RUNS_DIR || parts.some((p) => p === '.' || p === '..')) {
    throw new Error(`"${folder}" is not a run folder: expected ${RUNS_DIR}/<model_name>-<date-time>.`);
  }
  return parts;
}

/** Every folder under runs/ with its config, checkpoint, run record and curves (newest name first). */
export async function listRunFolders(root?: FileSystemDirectoryHandle): Promise<RunFolderFiles[]> {
  const base = root ?? (await opfsRoot());
  let runs: FileSystemDirectoryHandle;
  try {
    runs = await base.getDirectoryHandle(RUNS_DIR);
  } catch {
    return [];
  }
  const out: RunFolderFiles[] = [];
  for await (const entry of (runs as Dir).values()) {
    if (entry.kind !== 'directory') continue;
    const dir = entry as FileSystemDirectoryHandle;
    const [config, checkpoint, record, curves] = await Promise.all([
      readText(dir, OUTPUT_FILES.config), readText(dir, OUTPUT_FILES.checkpointJson), readText(dir, OUTPUT_FILES.runRecord), readText(dir, OUTPUT_FILES.curvesCsv),
    ]);
    out.push({ folder: `${RUNS_DIR}/${entry.name}`, config, checkpoint, record, curves });
  }
  return out.sort((a, b) => b.folder.localeCompare(a.folder));
}

/** One file of a run folder as text, or null when it is not there. */
export async function readRunText(folder: string, name: string, root?: FileSystemDirectoryHandle): Promise<string | null> {
  checkFolder(folder);
  try {
    return await readText(await dirAt(root ?? (await opfsRoot()), folder), name);
  } catch {
    return null;
  }
}

/** Removes a run folder and everything in it. */
export async function deleteRunFolder(folder: string, root?: FileSystemDirectoryHandle): Promise<void> {
  const [, name] = checkFolder(folder);
  const runs = await (root ?? (await opfsRoot())).getDirectoryHandle(RUNS_DIR);
  await runs.removeEntry(name, { recursive: true });
}

async function collect(dir: FileSystemDirectoryHandle, into: Zippable, prefix: string): Promise<number> {
  let n = 0;
  for await (const entry of (dir as Dir).values()) {
    if (entry.name === '.write-test') continue;  // the worker's writability probe
    if (entry.kind === 'directory') {
      n += await collect(entry as FileSystemDirectoryHandle, into, `${prefix}${entry.name}/`);
    } else {
      const bytes = new Uint8Array(await (await (entry as FileSystemFileHandle).getFile()).arrayBuffer());
      // Weights barely compress; storing them keeps the zip fast.
      into[`${prefix}${entry.name}`] = [bytes, { level: /\.(safetensors|gz|png|zip|onnx)$/.test(entry.name) ? 0 : 6 }];
      n++;
    }
  }
  return n;
}

/** A zip of the whole run folder, its files under "<folder name>/". */
export async function zipRunFolder(folder: string, root?: FileSystemDirectoryHandle): Promise<{ bytes: Uint8Array; fileName: string; files: number }> {
  const [, name] = checkFolder(folder);
  const dir = await dirAt(root ?? (await opfsRoot()), folder);
  const tree: Zippable = {};
  const files = await collect(dir, tree, `${name}/`);
  if (files === 0) throw new Error(`${folder} is empty: nothing to download.`);
  return { bytes: zipSync(tree), fileName: `${name}.zip`, files };
}
