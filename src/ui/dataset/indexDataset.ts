/**
 * Indexes a dataset for the Dataset panel: the data layer's indexBids (ivadomed's BidsDataframe rules,
 * headers only, every problem with its file) turned into the panel's DatasetIndex (./types.ts).
 */
import { indexBids, type BidsImage, type BidsIndex } from '../../data/bids';
import type { FileSource } from '../../data/sources';
import type { DatasetImage, DatasetIndex, DatasetProblem, IndexProgress } from './types';

function toImage(im: BidsImage): DatasetImage {
  return {
    path: im.path,
    subject: im.participantId,
    session: im.session ? `ses-${im.session}` : undefined,
    contrast: im.suffix,
    format: im.format,
    shape: im.header?.shape,
    spacing: im.spacing,
    datatype: im.header?.datatype,
    sidecar: Object.keys(im.sidecar).length > 0 ? im.sidecar : undefined,
    sidecarPath: im.sidecarPaths.at(-1),
    labels: im.labels.map((l) => ({ path: l.path, suffix: l.suffix, shape: l.header?.shape })),
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The panel's view of a BidsIndex. */
export function datasetIndexFromBids(index: BidsIndex, fileCount: number): DatasetIndex {
  const problems: DatasetProblem[] = index.problems.map((p) => ({
    path: p.file || index.name,
    message: capitalise(p.hint ? `${p.problem}${/[.!?]$/.test(p.problem) ? '' : ' —'} ${p.hint}` : p.problem),
    severity: p.severity,
  }));
  const images = index.images.map(toImage);
  const participants = index.tables.participants;
  return {
    name: index.name,
    images,
    subjects: [...new Set(images.map((i) => i.subject))].sort(),
    contrasts: [...index.contrasts].sort(),
    labelSuffixes: [...index.labelSuffixes].sort(),
    participants: participants ? { columns: participants.columns, rows: participants.rows } : undefined,
    problems,
    fileCount,
  };
}

/** The same source with its listing done once (walking a directory handle is slow; we need it twice). */
function withCachedList(source: FileSource): FileSource {
  let listing: ReturnType<FileSource['list']> | null = null;
  return {
    get name() {
      return source.name;
    },
    get writable() {
      return source.writable;
    },
    list: () => (listing ??= source.list()),
    read: (p) => source.read(p),
    readRange: (p, a, b) => source.readRange(p, a, b),
    write: (p, d) => source.write(p, d),
  };
}

export async function indexDataset(source: FileSource, onProgress?: (p: IndexProgress) => void): Promise<DatasetIndex> {
  onProgress?.({ phase: 'listing', done: 0, total: 0 });
  const cached = withCachedList(source);
  const fileCount = (await cached.list()).length;
  const index = await indexBids(cached, {
    onProgress: (p) => onProgress?.({ phase: 'reading headers', done: p.done, total: p.total, current: p.path }),
  });
  const result = datasetIndexFromBids(index, fileCount);
  onProgress?.({ phase: 'done', done: result.images.length, total: result.images.length });
  return result;
}
