/**
 * Read-only FileSource over File objects: `<input type=file webkitdirectory>` (each File has a
 * webkitRelativePath "folder/sub-01/anat/x.nii.gz") or a drop in browsers without directory handles.
 */
import { byPath, isHidden, normalizePath, notFound, type FileEntry, type FileSource } from './source';

export interface FileWithPath { file: File; path: string }

/**
 * @param files Files with webkitRelativePath (the first component, the picked folder, becomes the
 *   source's name and is stripped), or {file, path} pairs with paths relative to the root.
 */
export function createFileListSource(files: Iterable<File | FileWithPath>, name?: string): FileSource {
  const map = new Map<string, File>();
  const rootNames = new Set<string>();
  const items = [...files].map((f) => (f instanceof File ? { file: f, path: f.webkitRelativePath || f.name, relative: true } : { ...f, relative: false }));
  // With webkitRelativePath every path starts with the picked folder's name: strip it when shared.
  const withRoot = items.filter((i) => i.relative).map((i) => normalizePath(i.path).split('/'));
  const shared = withRoot.length > 0 && withRoot.every((parts) => parts.length > 1 && parts[0] === withRoot[0][0]) ? withRoot[0][0] : undefined;
  for (const item of items) {
    let p = normalizePath(item.path);
    if (item.relative && shared) { rootNames.add(shared); p = p.slice(shared.length + 1); }
    if (!isHidden(p)) map.set(p, item.file);
  }
  const sourceName = name ?? ([...rootNames][0] ?? 'files');
  const get = (p: string) => {
    const f = map.get(normalizePath(p));
    if (!f) throw notFound(sourceName, p);
    return f;
  };
  return {
    name: sourceName,
    writable: false,
    async list(): Promise<FileEntry[]> {
      return [...map].map(([path, f]) => ({ path, size: f.size })).sort(byPath);
    },
    async read(p) { return get(p).arrayBuffer(); },
    async readRange(p, start, end) { return get(p).slice(Math.max(0, start), Math.max(0, end)).arrayBuffer(); },
    async write(p) {
      throw new Error(`${p}: cannot write into "${sourceName}": files picked with a file input or dropped without folder access are read-only. Open the folder with the folder picker (Chrome/Edge) to write derivatives, or download the outputs instead.`);
    },
  };
}

/** The subset of the (webkit) FileSystemEntry API a drop gives through DataTransferItem.webkitGetAsEntry(). */
export interface DroppedEntry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  file?(success: (f: File) => void, error?: (e: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: DroppedEntry[]) => void, error?: (e: unknown) => void): void };
}

/**
 * Walks a dropped folder (browsers without getAsFileSystemHandle) into {file, path} pairs relative to
 * the dropped folder, for createFileListSource. readEntries returns batches: call it until empty.
 */
export async function filesFromDroppedEntry(root: DroppedEntry): Promise<FileWithPath[]> {
  const out: FileWithPath[] = [];
  async function walk(entry: DroppedEntry, rel: string): Promise<void> {
    if (entry.isFile && entry.file) {
      const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
      out.push({ file, path: rel });
    } else if (entry.isDirectory && entry.createReader) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise<DroppedEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, rel ? `${rel}/${child.name}` : child.name);
      }
    }
  }
  await walk(root, root.isDirectory ? '' : root.name);
  return out;
}
