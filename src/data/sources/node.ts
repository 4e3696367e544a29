/**
 * FileSource over a folder on disk. Node-only (imports node:fs): never import it from browser code;
 * use it from the CLI, tests and benchmarks (src/data/node.ts re-exports it).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { byPath, isHidden, normalizePath, notFound, toBytes, type FileEntry, type FileSource } from './source';

export function createNodeSource(root: string, options: { writable?: boolean } = {}): FileSource {
  const abs = path.resolve(root);
  const resolve = (p: string) => path.join(abs, ...normalizePath(p).split('/'));
  return {
    name: path.basename(abs),
    writable: options.writable ?? true,
    async list(): Promise<FileEntry[]> {
      const out: FileEntry[] = [];
      async function walk(dir: string, rel: string): Promise<void> {
        let entries;
        try {
          entries = await fs.readdir(dir, { withFileTypes: true });
        } catch (err) {
          if (rel === '') throw new Error(`${abs}: cannot list the folder (${(err as Error).message}).`);
          return;
        }
        for (const e of entries) {
          if (e.name.startsWith('.')) continue;
          const r = rel ? `${rel}/${e.name}` : e.name;
          const full = path.join(dir, e.name);
          if (e.isDirectory()) await walk(full, r);
          else if (e.isFile() || e.isSymbolicLink()) {
            try {
              const st = await fs.stat(full);
              if (st.isDirectory()) await walk(full, r);
              else out.push({ path: r, size: st.size });
            } catch { /* dangling link: skip */ }
          }
        }
      }
      await walk(abs, '');
      return out.filter((e) => !isHidden(e.path)).sort(byPath);
    },
    async read(p: string): Promise<ArrayBuffer> {
      try {
        const b = await fs.readFile(resolve(p));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(abs, p);
        throw new Error(`${p}: cannot read (${(err as Error).message}).`);
      }
    },
    async readRange(p: string, start: number, end: number): Promise<ArrayBuffer> {
      let fh;
      try {
        fh = await fs.open(resolve(p), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(abs, p);
        throw new Error(`${p}: cannot read (${(err as Error).message}).`);
      }
      try {
        const size = (await fh.stat()).size;
        const s = Math.max(0, Math.min(start, size));
        const e = Math.max(s, Math.min(end, size));
        const buf = new Uint8Array(e - s);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, s + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.buffer.slice(0, got);
      } finally {
        await fh.close();
      }
    },
    async write(p: string, data: Uint8Array | string): Promise<void> {
      if (!(options.writable ?? true)) throw new Error(`${p}: ${abs} was opened read-only.`);
      const full = resolve(p);
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, toBytes(data));
    },
  };
}
