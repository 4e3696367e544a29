/**
 * FileSource over a File System Access directory handle (showDirectoryPicker(), or a drop's
 * DataTransferItem.getAsFileSystemHandle()). Writable when the user granted readwrite permission.
 *
 * The handle types are declared structurally (the subset used here), so tests can pass a small fake
 * and TypeScript's DOM lib (no async iteration of handles without DOM.AsyncIterable) is not needed.
 */
import { byPath, normalizePath, notFound, toBytes, type FileEntry, type FileSource } from './source';

export interface FileHandleLike {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<File>;
  createWritable?(): Promise<{ write(data: BufferSource | Blob | string): Promise<void>; close(): Promise<void> }>;
}

export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  values(): AsyncIterable<FileHandleLike | DirectoryHandleLike>;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandleLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike>;
  requestPermission?(descriptor: { mode: 'read' | 'readwrite' }): Promise<PermissionState>;
}

export function createHandleSource(handle: DirectoryHandleLike | FileSystemDirectoryHandle): FileSource {
  const root = handle as unknown as DirectoryHandleLike;
  const name = root.name;

  async function fileHandle(p: string, create = false): Promise<FileHandleLike> {
    const parts = normalizePath(p).split('/');
    let dir = root;
    try {
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create });
      return await dir.getFileHandle(parts[parts.length - 1], { create });
    } catch (err) {
      const e = err as DOMException;
      if (e?.name === 'NotFoundError' || e?.name === 'TypeMismatchError') throw notFound(name, p);
      if (e?.name === 'NotAllowedError') throw new Error(`${p}: permission to ${create ? 'write to' : 'read'} "${name}" was not granted. Allow access when the browser asks, or pick the folder again.`);
      throw new Error(`${p}: ${e?.message ?? String(err)}`);
    }
  }

  return {
    name,
    writable: true,
    async list(): Promise<FileEntry[]> {
      const out: FileEntry[] = [];
      async function walk(dir: DirectoryHandleLike, rel: string): Promise<void> {
        for await (const entry of dir.values()) {
          if (entry.name.startsWith('.')) continue;
          const r = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.kind === 'directory') await walk(entry, r);
          else out.push({ path: r, size: (await entry.getFile()).size });
        }
      }
      await walk(root, '');
      return out.sort(byPath);
    },
    async read(p) { return (await (await fileHandle(p)).getFile()).arrayBuffer(); },
    async readRange(p, start, end) {
      return (await (await fileHandle(p)).getFile()).slice(Math.max(0, start), Math.max(0, end)).arrayBuffer();
    },
    async write(p, data) {
      if (root.requestPermission) {
        const state = await root.requestPermission({ mode: 'readwrite' });
        if (state !== 'granted') throw new Error(`${p}: permission to write to "${name}" was not granted. Allow write access when the browser asks.`);
      }
      const fh = await fileHandle(p, true);
      if (!fh.createWritable) throw new Error(`${p}: this browser cannot write files through folder handles; download the outputs instead.`);
      const w = await fh.createWritable();
      await w.write(toBytes(data) as Uint8Array<ArrayBuffer>);
      await w.close();
    },
  };
}
