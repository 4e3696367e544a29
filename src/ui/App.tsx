import { SECTIONS, useStudio, type SectionId } from './store';
import { DiagnosticsPanel } from './panels/DiagnosticsPanel';
import { ViewerPanel } from './panels/ViewerPanel';
import { DatasetPanel } from './panels/DatasetPanel';
import { ConfigPanel } from './panels/ConfigPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { ResultsPanel } from './panels/ResultsPanel';
import { PageDropZone } from './dataset/PageDropZone';
import { ComponentGallery } from './components/ComponentGallery';
import type { ReactNode } from 'react';

const PANELS: Record<SectionId, () => ReactNode> = {
  dataset: () => <DatasetPanel />,
  config: () => <ConfigPanel />,
  training: () => <TrainingPanel />,
  viewer: () => <ViewerPanel />,
  results: () => <ResultsPanel />,
  diagnostics: () => <DiagnosticsPanel />,
};

/** ?gallery shows the live components with made-up numbers (development and e2e). */
const GALLERY = typeof location !== 'undefined' && new URLSearchParams(location.search).has('gallery');

export function App() {
  const section = useStudio((s) => s.section);
  const setSection = useStudio((s) => s.setSection);
  if (GALLERY) {
    return (
      <div className="app">
        <main className="app-main">
          <ComponentGallery />
        </main>
      </div>
    );
  }
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          ivadomed-web <span className="subtitle">segmentation studio</span>
        </h1>
        <span className="privacy">Runs on your GPU · no data leaves this machine</span>
      </header>
      <nav className="app-nav" aria-label="Sections">
        {SECTIONS.map((s) => (
          <button key={s.id} role="tab" aria-selected={s.id === section} className={s.id === section ? 'active' : ''} onClick={() => setSection(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      <main className="app-main" data-section={section}>
        {PANELS[section]()}
      </main>
      <PageDropZone />
    </div>
  );
}
