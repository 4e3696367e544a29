/**
 * Several BIDS datasets read as one (ivadomed's list of `loader_parameters.path_data`: it concatenates
 * the datasets' file tables). The union of the files of every dataset, at their own relative paths, so
 * indexing and loading work unchanged:
 * - an image (NIfTI, PNG, TIFF, JPEG), under derivatives/ too, present in two datasets is an error
 *   (its subject would be ambiguous): rename one of the subjects;
 * - participants.tsv / samples.tsv are merged: rows of every dataset, the union of their columns
 *   (empty cells where a dataset lacks a column);
 * - any other file in several datasets (dataset_description.json, top-level sidecars, README) is read
 *   from the first dataset that has it.
 * Read-only.
 */
import { parseTsv } from '../bids/tsv';
import { byPath, notFound, toArrayBuffer, type FileEntry, type FileSource } from './source';

const IMAGE = /\.(nii|nii\.gz|png|tiff?|jpe?g)$/i;
const MERGED_TABLES = new Set(['participants.tsv', 'samples.tsv']);

export function createMergedSource(sources: readonly FileSource[]): FileSource {
  if (sources.length === 0) throw new Error('createMergedSource: no dataset given.');
  if (sources.length === 1) return sources[0];
  const name = sources.map((s) => s.name).join(' + ');
  let owners: Promise<Map<string, { source: FileSource; size: number }[]>> | null = null;
  const merged = new Map<string, Uint8Array>();

  const index = () => (owners ??= (async () => {
    const map = new Map<string, { source: FileSource; size: number }[]>();
    for (const source of sources) {
      for (const e of await source.list()) {
        const list = map.get(e.path) ?? [];
        list.push({ source, size: e.size });
        map.set(e.path, list);
      }
    }
    // Source images first: they name the subjects; their labels under derivatives/ follow.
    const clashes = [...map].filter(([p, o]) => o.length > 1 && IMAGE.test(p))
      .sort(([a], [b]) => Number(a.startsWith('derivatives/')) - Number(b.startsWith('derivatives/')) || (a < b ? -1 : 1))
      .map(([p, o]) => `${p} (in ${o.map((x) => x.source.name).join(' and ')})`);
    if (clashes.length) {
      throw new Error(
        `The datasets of loader_parameters.path_data share image file${clashes.length === 1 ? '' : 's'}: ${clashes.slice(0, 5).join('; ')}${clashes.length > 5 ? `; and ${clashes.length - 5} more` : ''}. ` +
          'A subject must live in one dataset only: rename the subjects of one dataset (e.g. sub-01 -> sub-site2x01) or leave it out.',
      );
    }
    for (const table of MERGED_TABLES) {
      const holders = map.get(table);
      if (!holders || holders.length < 2) continue;
      const bytes = new TextEncoder().encode(await mergeTables(table, holders.map((h) => h.source)));
      merged.set(table, bytes);
      map.set(table, [{ source: holders[0].source, size: bytes.length }]);
    }
    return map;
  })());

  const owner = async (path: string) => {
    const o = (await index()).get(path)?.[0];
    if (!o) throw notFound(name, path);
    return o.source;
  };

  return {
    name,
    writable: false,
    async list(): Promise<FileEntry[]> {
      return [...(await index())].map(([path, o]) => ({ path, size: o[0].size })).sort(byPath);
    },
    async read(path) {
      await index();
      const m = merged.get(path);
      return m ? toArrayBuffer(m) : (await owner(path)).read(path);
    },
    async readRange(path, start, end) {
      await index();
      const m = merged.get(path);
      return m ? toArrayBuffer(m.subarray(Math.max(0, start), Math.min(m.length, end))) : (await owner(path)).readRange(path, start, end);
    },
    async write() {
      throw new Error(`${name}: several datasets read together are read-only; write outputs to path_output.`);
    },
  };
}

/** Rows of every dataset's table under the union of their columns (first column of the first table first). */
async function mergeTables(path: string, sources: FileSource[]): Promise<string> {
  const tables = await Promise.all(sources.map(async (s) => parseTsv(new TextDecoder().decode(await s.read(path)), `${s.name}/${path}`)));
  const columns: string[] = [];
  for (const t of tables) for (const c of t.columns) if (!columns.includes(c)) columns.push(c);
  const lines = [columns.join('\t')];
  for (const t of tables) for (const row of t.rows) lines.push(columns.map((c) => row[c] ?? 'n/a').join('\t'));
  return lines.join('\n') + '\n';
}
