/** Page-wide UI state (zustand). Heavy data (volumes, tensors) never lives here: only what the UI shows. */
import { create } from 'zustand';

export const SECTIONS = [
  { id: 'dataset', label: 'Dataset' },
  { id: 'config', label: 'Configuration' },
  { id: 'training', label: 'Training' },
  { id: 'viewer', label: 'Viewer' },
  { id: 'results', label: 'Results' },
  { id: 'diagnostics', label: 'Diagnostics' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

interface StudioState {
  section: SectionId;
  setSection: (section: SectionId) => void;
}

export const useStudio = create<StudioState>((set) => ({
  section: 'dataset',
  setSection: (section) => set({ section }),
}));
