/**
 * Where the worker reads a dataset from (the kinds the page can post: the generated sample, a
 * directory handle, a file list, or the page's open dataset over a MessagePort), shared by training
 * and inference, and the timestamp used in run folder names.
 */
import * as Comlink from 'comlink';
import { createFileListSource, createHandleSource, generateSyntheticDataset, type FileSource } from '../data/index';
import type { RemoteFileSource, TrainData } from './training';

export function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function dataSource(spec: TrainData, cleanup: (() => void)[], readOnlyReason = 'outputs go to the run folder'): Promise<FileSource> {
  switch (spec.kind) {
    case 'synthetic':
      return generateSyntheticDataset();
    case 'handle':
      return createHandleSource(spec.handle);
    case 'files':
      return createFileListSource(spec.files, spec.name);
    case 'remote': {
      const remote = Comlink.wrap<RemoteFileSource>(spec.port);
      cleanup.push(() => {
        remote[Comlink.releaseProxy]();
        spec.port.close();
      });
      return {
        name: spec.name, writable: false,
        list: () => remote.list(),
        read: (p) => remote.read(p),
        readRange: (p, s, e) => remote.readRange(p, s, e),
        write: async (p) => { throw new Error(`${p}: the dataset "${spec.name}" is read-only here; ${readOnlyReason}.`); },
      };
    }
    default:
      throw new Error(`Unknown dataset kind ${JSON.stringify((spec as { kind: unknown }).kind)}: use 'synthetic', 'handle', 'files' or 'remote'.`);
  }
}