/**
 * State of the Viewer tab: its layer list, view and the messages about files that could not be opened.
 * Layers hold references to their sources (File objects, bytes already in memory), never copies; the
 * store outlives the panel, so switching tabs and back shows the same images.
 */
import { create } from 'zustand';
import { guessKind, makeLayer, type ImageSource, type LayerInfo, type LayerKind, type ViewMode, type ViewerLayer } from './layers';

export interface ViewerProblem {
  id: string;
  message: string;
}

interface ViewerState {
  layers: ViewerLayer[];
  view: ViewMode;
  info: Record<string, LayerInfo>;
  problems: ViewerProblem[];
  setView: (view: ViewMode) => void;
  /** Replaces everything with these layers (layers[0] is the base). */
  setLayers: (layers: ViewerLayer[]) => void;
  /** Opens a source as the new base image (overlays are dropped: they belong to the old grid). */
  openBase: (source: ImageSource, name?: string) => void;
  /** Adds an overlay; the kind is guessed from the name when not given. */
  addOverlay: (source: ImageSource, kind?: LayerKind, name?: string) => void;
  updateLayer: (id: string, patch: Partial<ViewerLayer>) => void;
  removeLayer: (id: string) => void;
  setInfo: (id: string, info: LayerInfo) => void;
  /** Records a load failure and drops the layer that failed. */
  reportProblem: (id: string, message: string) => void;
  dismissProblem: (id: string) => void;
}

export const useViewer = create<ViewerState>((set) => ({
  layers: [],
  view: 'multiplanar',
  info: {},
  problems: [],
  setView: (view) => set({ view }),
  setLayers: (layers) => set({ layers, info: {} }),
  openBase: (source, name) => set({ layers: [makeLayer(source, 'image', name ? { name } : {})], info: {} }),
  addOverlay: (source, kind, name) =>
    set((s) => {
      const k = kind ?? guessKind(name ?? (source.type === 'file' ? source.file.name : source.name));
      const paletteOffset = k === 'label' ? s.layers.filter((l) => l.kind === 'label').length : undefined;
      const layer = makeLayer(source, k, { ...(name ? { name } : {}), ...(paletteOffset !== undefined ? { paletteOffset } : {}) });
      return { layers: [...s.layers, layer] };
    }),
  updateLayer: (id, patch) => set((s) => ({ layers: s.layers.map((l) => (l.id === id ? { ...l, ...patch } : l)) })),
  removeLayer: (id) =>
    set((s) => {
      // Removing the base removes its overlays too: they were drawn on its grid.
      if (s.layers[0]?.id === id) return { layers: [], info: {} };
      return { layers: s.layers.filter((l) => l.id !== id) };
    }),
  setInfo: (id, info) => set((s) => ({ info: { ...s.info, [id]: info } })),
  reportProblem: (id, message) =>
    set((s) => {
      const isBase = s.layers[0]?.id === id;
      return {
        problems: [...s.problems.filter((p) => p.id !== id), { id, message }],
        layers: isBase ? [] : s.layers.filter((l) => l.id !== id),
      };
    }),
  dismissProblem: (id) => set((s) => ({ problems: s.problems.filter((p) => p.id !== id) })),
}));

/**
 * Opens images in the Viewer tab from anywhere in the app (the dataset table, results): the first is the
 * base image, the others overlays of the given kinds.
 */
export function viewImages(base: { source: ImageSource; name?: string }, overlays: { source: ImageSource; kind?: LayerKind; name?: string }[] = []): ViewerLayer[] {
  const layers = [makeLayer(base.source, 'image', base.name ? { name: base.name } : {})];
  let labels = 0;
  for (const o of overlays) {
    const name = o.name ?? (o.source.type === 'file' ? o.source.file.name : o.source.name);
    const kind = o.kind ?? guessKind(name);
    // Several label layers (cord, lesion, discs) get different colours.
    layers.push(makeLayer(o.source, kind, { name, ...(kind === 'label' ? { paletteOffset: labels++ } : {}) }));
  }
  useViewer.getState().setLayers(layers);
  return layers;
}
