/**
 * FileSource held in memory (the generated sample dataset in the browser, tests). Writable.
 */
import { byPath, normalizePath, notFound, toArrayBuffer, toBytes, type FileEntry, type FileSource } from './source';

export interface MemorySource extends FileSource {
  /** The stored files (path -> bytes), e.g. to download them or copy them to another source. */
  readonly files: Map<string, Uint8Array>;
}

export function createMemorySource(name = 'memory', initial?: Record<string, Uint8Array | string>): MemorySource {
  const files = new Map<string, Uint8Array>();
  for (const [p, d] of Object.entries(initial ?? {})) files.set(normalizePath(p), toBytes(d));
  const get = (p: string) => {
    const b = files.get(normalizePath(p));
    if (!b) throw notFound(name, p);
    return b;
  };
  return {
    name,
    writable: true,
    files,
    async list(): Promise<FileEntry[]> {
      return [...files].filter(([p]) => !p.split('/').some((s) => s.startsWith('.')))
        .map(([path, b]) => ({ path, size: b.byteLength })).sort(byPath);
    },
    async read(p) { return toArrayBuffer(get(p)); },
    async readRange(p, start, end) {
      const b = get(p);
      const s = Math.max(0, Math.min(start, b.byteLength));
      return toArrayBuffer(b.subarray(s, Math.max(s, Math.min(end, b.byteLength))));
    },
    async write(p, data) { files.set(normalizePath(p), toBytes(data).slice()); },
  };
}

/** Copies every file of one source into another (e.g. the in-memory sample dataset onto disk). */
export async function copySource(from: FileSource, to: FileSource, prefix = ''): Promise<number> {
  const entries = await from.list();
  for (const e of entries) await to.write(prefix ? `${prefix}/${e.path}` : e.path, new Uint8Array(await from.read(e.path)));
  return entries.length;
}
