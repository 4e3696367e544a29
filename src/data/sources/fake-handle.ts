/**
 * A minimal in-memory stand-in for FileSystemDirectoryHandle (Node has no File System Access API),
 * for tests only: real File objects, NotFoundError DOMExceptions, createWritable.
 */
import type { DirectoryHandleLike, FileHandleLike } from './handle';

export function fakeDirectoryHandle(name: string, files: Record<string, Uint8Array | string> = {}): DirectoryHandleLike {
  const root = makeDir(name);
  for (const [p, data] of Object.entries(files)) {
    const parts = p.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.children.get(part);
      if (!next) { next = makeDir(part); dir.children.set(part, next); }
      dir = next as FakeDir;
    }
    dir.children.set(parts[parts.length - 1], makeFile(parts[parts.length - 1], new File([data as BlobPart], parts[parts.length - 1])));
  }
  return root;
}

interface FakeDir extends DirectoryHandleLike { children: Map<string, FakeDir | FakeFile> }
interface FakeFile extends FileHandleLike { file: File }

function makeFile(name: string, file: File): FakeFile {
  const h: FakeFile = {
    kind: 'file', name, file,
    async getFile() { return h.file; },
    async createWritable() {
      const parts: BlobPart[] = [];
      return {
        async write(data) { parts.push(data as BlobPart); },
        async close() { h.file = new File(parts, name); },
      };
    },
  };
  return h;
}

function makeDir(name: string): FakeDir {
  const d: FakeDir = {
    kind: 'directory', name, children: new Map(),
    async *values() { yield* d.children.values(); },
    async getDirectoryHandle(n, options) {
      let c = d.children.get(n);
      if (!c && options?.create) { c = makeDir(n); d.children.set(n, c); }
      if (!c) throw new DOMException(`${n} not found`, 'NotFoundError');
      if (c.kind !== 'directory') throw new DOMException(`${n} is a file`, 'TypeMismatchError');
      return c;
    },
    async getFileHandle(n, options) {
      let c = d.children.get(n);
      if (!c && options?.create) { c = makeFile(n, new File([], n)); d.children.set(n, c); }
      if (!c) throw new DOMException(`${n} not found`, 'NotFoundError');
      if (c.kind !== 'file') throw new DOMException(`${n} is a folder`, 'TypeMismatchError');
      return c;
    },
  };
  return d;
}
