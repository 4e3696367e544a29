/**
 * Getting a dataset folder from the user: the File System Access directory picker where it exists
 * (Chrome, Edge: readable and, with permission, writable), a webkitdirectory file list elsewhere, and
 * drops (a directory handle where the browser gives one, else a walk over webkitGetAsEntry entries).
 */
import { createFileListSource, createHandleSource, filesFromDroppedEntry, type DroppedEntry, type FileSource } from '../../data/sources';

export interface OpenedFolder {
  source: FileSource;
  /** Present when the browser gave a directory handle (it can be remembered and reopened). */
  handle?: FileSystemDirectoryHandle;
}

type DirectoryPicker = (options?: { mode?: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;

export function hasDirectoryPicker(): boolean {
  return typeof (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker === 'function';
}

/** Opens the directory picker; null when the user cancels. */
export async function pickFolder(): Promise<OpenedFolder | null> {
  const picker = (window as unknown as { showDirectoryPicker: DirectoryPicker }).showDirectoryPicker;
  try {
    const handle = await picker({ mode: 'read', id: 'ivadomed-dataset' });
    return { source: createHandleSource(handle), handle };
  } catch (err) {
    if ((err as DOMException).name === 'AbortError') return null;
    throw err;
  }
}

/** A source over the files of a webkitdirectory input (paths from webkitRelativePath). */
export function folderFromFileList(files: FileList | File[]): OpenedFolder | null {
  const list = Array.from(files);
  return list.length === 0 ? null : { source: createFileListSource(list) };
}

export interface DropContents {
  folder?: Promise<OpenedFolder>;
  /** Loose files (no folder in the drop). */
  files: File[];
}

/**
 * Reads a drop. Must be called synchronously inside the drop event: the DataTransfer is emptied once
 * the handler returns, so handles and entries are requested before any await.
 */
export function readDrop(data: DataTransfer): DropContents {
  const items = Array.from(data.items).filter((i) => i.kind === 'file');
  const withHandles = items.map((item) => {
    const getHandle = (item as DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> }).getAsFileSystemHandle;
    return {
      handle: getHandle ? getHandle.call(item).catch(() => null) : null,
      entry: item.webkitGetAsEntry?.() ?? null,
      file: item.getAsFile(),
    };
  });
  const dirIndex = withHandles.findIndex((w) => w.entry?.isDirectory);
  if (dirIndex < 0) return { files: withHandles.map((w) => w.file).filter((f): f is File => !!f) };
  const chosen = withHandles[dirIndex];
  const folder = (async (): Promise<OpenedFolder> => {
    const handle = chosen.handle ? await chosen.handle : null;
    if (handle && handle.kind === 'directory') {
      const dir = handle as FileSystemDirectoryHandle;
      return { source: createHandleSource(dir), handle: dir };
    }
    const root = chosen.entry as FileSystemDirectoryEntry;
    const files = await filesFromDroppedEntry(root as unknown as DroppedEntry);
    return { source: createFileListSource(files, root.name) };
  })();
  return { folder, files: [] };
}
