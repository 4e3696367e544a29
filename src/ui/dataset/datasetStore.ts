/** State of the open dataset: its source, indexing progress, the index, and opening a volume in the Viewer. */
import { create } from 'zustand';
import type { FileSource } from '../../data/sources';
import { readImage2D } from '../../data/images';
import { useStudio } from '../store';
import type { ImageSource, LayerKind } from '../viewer/layers';
import { viewImages } from '../viewer/viewerStore';
import { indexDataset } from './indexDataset';
import type { DatasetImage, DatasetIndex, IndexProgress } from './types';
import type { OpenedFolder } from './folders';
import { rememberFolder } from './recentFolders';

interface DatasetState {
  status: 'idle' | 'indexing' | 'ready' | 'error';
  source: FileSource | null;
  index: DatasetIndex | null;
  progress: IndexProgress | null;
  startedAt: number | null;
  error: string | null;
  /** Path of the image being opened in the Viewer. */
  opening: string | null;
  openError: string | null;
  open: (source: FileSource) => Promise<void>;
  close: () => void;
  viewImage: (image: DatasetImage) => Promise<void>;
}

function fileName(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * NIfTI bytes go to the viewer as they are; PNG/TIFF are converted to volumes by the data layer.
 * Microscopy pixels are ~1e-4 mm, which NiiVue does not render (its scene is sized in mm): 2D images
 * are shown on their pixel grid instead (1 unit per pixel; aspect ratio kept), image and labels alike.
 */
async function layerSource(source: FileSource, path: string, format: DatasetImage['format'], sidecar: Record<string, unknown> | undefined, isLabel: boolean): Promise<ImageSource> {
  const bytes = await source.read(path);
  if (format === 'nifti') return { type: 'bytes', bytes, name: fileName(path) };
  const volume = readImage2D(bytes, { name: path, sidecar, isLabel, defaultPixelSizeMm: [1, 1, 1] });
  const unit = Math.min(volume.spacing[0], volume.spacing[1]);
  const spacing = volume.spacing.map((s) => s / unit) as [number, number, number];
  const affine = volume.affine.map((v, i) => (i % 4 < 3 && i < 12 ? v / unit : v)) as typeof volume.affine;
  return { type: 'volume', volume: { ...volume, spacing, affine, header: undefined }, name: fileName(path) };
}

export const useDataset = create<DatasetState>((set, get) => ({
  status: 'idle',
  source: null,
  index: null,
  progress: null,
  startedAt: null,
  error: null,
  opening: null,
  openError: null,
  open: async (source) => {
    set({ status: 'indexing', source, index: null, progress: { phase: 'listing', done: 0, total: 0 }, startedAt: Date.now(), error: null, openError: null });
    try {
      const index = await indexDataset(source, (progress) => {
        if (get().source === source) set({ progress });
      });
      if (get().source === source) set({ status: 'ready', index, progress: null });
    } catch (err) {
      if (get().source === source) set({ status: 'error', error: `Could not index "${source.name}": ${(err as Error).message}` });
    }
  },
  close: () => set({ status: 'idle', source: null, index: null, progress: null, error: null, openError: null }),
  viewImage: async (image) => {
    const source = get().source;
    if (!source) return;
    set({ opening: image.path, openError: null });
    try {
      const base = await layerSource(source, image.path, image.format, image.sidecar, false);
      const overlays: { source: ImageSource; kind: LayerKind; name: string }[] = [];
      // The segmentation first (drawn in the first label colour), then lesions, discs and others.
      const labels = [...image.labels].sort((a, b) => Number(!/seg/i.test(a.suffix)) - Number(!/seg/i.test(b.suffix)) || a.suffix.localeCompare(b.suffix));
      for (const label of labels) {
        const fmt = /\.nii(\.gz)?$/i.test(label.path) ? 'nifti' : image.format;
        overlays.push({ source: await layerSource(source, label.path, fmt, image.sidecar, true), kind: 'label', name: fileName(label.path) });
      }
      viewImages({ source: base, name: fileName(image.path) }, overlays);
      useStudio.getState().setSection('viewer');
      set({ opening: null });
    } catch (err) {
      set({ opening: null, openError: `Cannot open ${image.path}: ${(err as Error).message}` });
    }
  },
}));

/** Opens a folder the user gave us (picker, input, drop), remembering its handle when there is one. */
export async function openFolder(folder: OpenedFolder): Promise<void> {
  if (folder.handle) void rememberFolder(folder.handle).catch(() => undefined);
  await useDataset.getState().open(folder.source);
}
