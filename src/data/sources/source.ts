/**
 * One interface over the places a dataset can live: a folder on disk (Node), a directory handle (File
 * System Access API), a list of dropped/picked Files, or memory (the generated sample dataset).
 * Paths are relative to the source's root, '/'-separated, without a leading slash.
 */

export interface FileEntry {
  /** Relative path, e.g. "sub-01/anat/sub-01_T1w.nii.gz". */
  path: string;
  /** Size in bytes. */
  size: number;
}

export interface FileSource {
  /** Display name of the root (folder name). */
  readonly name: string;
  /** Whether write() can succeed (File lists are read-only). */
  readonly writable: boolean;
  /** Every file below the root, recursively, sorted by path. Hidden entries (".*") are skipped, as pybids does. */
  list(): Promise<FileEntry[]>;
  /** The whole file. */
  read(path: string): Promise<ArrayBuffer>;
  /** Bytes [start, end) of a file, clamped to its size (reads headers without the whole file). */
  readRange(path: string, start: number, end: number): Promise<ArrayBuffer>;
  /** Creates or replaces a file, creating parent folders (derivatives, predictions). */
  write(path: string, data: Uint8Array | string): Promise<void>;
}

/** Normalises a relative path: '/' separators, no '.', no leading/trailing slash; rejects '..'. */
export function normalizePath(p: string): string {
  const parts = p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw new Error(`Path "${p}" leaves the dataset folder ('..' is not allowed).`);
  return parts.join('/');
}

export function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

export function byPath(a: FileEntry, b: FileEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function notFound(source: string, path: string): Error {
  return new Error(`${path}: no such file in ${source}.`);
}

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** Copies a view into its own ArrayBuffer (what read() returns). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function readText(source: FileSource, path: string): Promise<string> {
  return new TextDecoder().decode(await source.read(path));
}

export async function readJson(source: FileSource, path: string): Promise<unknown> {
  const text = await readText(source, path);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: invalid JSON (${(err as Error).message}). Fix the file or remove it.`);
  }
}
