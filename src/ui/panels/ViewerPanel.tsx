/**
 * The Viewer tab: open any NIfTI (file input or drop) as the base image or an overlay, pick the view,
 * adjust each layer, read every layer's value under the crosshair.
 */
import { useRef, useState, type DragEvent } from 'react';
import { NiivueViewer } from '../viewer/NiivueViewer';
import { LayerList } from '../viewer/LayerList';
import { ViewButtons } from '../viewer/ViewButtons';
import { guessKind, isNiftiName, type LayerKind } from '../viewer/layers';
import { useViewer } from '../viewer/viewerStore';

type OpenAs = 'auto' | 'base' | LayerKind;

const OPEN_AS: { id: OpenAs; label: string }[] = [
  { id: 'auto', label: 'Automatic (base first, then by file name)' },
  { id: 'base', label: 'Base image' },
  { id: 'label', label: 'Label overlay' },
  { id: 'probability', label: 'Probability overlay' },
  { id: 'uncertainty', label: 'Uncertainty overlay' },
  { id: 'image', label: 'Image overlay' },
];

export function ViewerPanel() {
  const { layers, view, info, problems, setView, openBase, addOverlay, updateLayer, removeLayer, setInfo, reportProblem, dismissProblem } = useViewer();
  const [openAs, setOpenAs] = useState<OpenAs>('auto');
  const [dragging, setDragging] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  const openFiles = (files: File[]) => {
    let hasBase = useViewer.getState().layers.length > 0;
    for (const file of files) {
      if (!isNiftiName(file.name)) {
        reportProblem(`file-${file.name}`, `Cannot open "${file.name}": the viewer reads NIfTI images (.nii or .nii.gz).`);
        continue;
      }
      const source = { type: 'file' as const, file };
      if (openAs === 'base' || (openAs === 'auto' && !hasBase)) {
        openBase(source);
        hasBase = true;
      } else {
        addOverlay(source, openAs === 'auto' ? guessKind(file.name) : (openAs as LayerKind));
      }
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length > 0) {
      e.stopPropagation(); // files for the viewer, not a dataset folder for the page-wide drop zone
      openFiles(files);
    }
  };

  return (
    <section className="panel viewer-panel" aria-label="Viewer">
      <div className="panel-head">
        <h2>Viewer</h2>
        <div className="actions">
          <label className="inline">
            Open as
            <select value={openAs} onChange={(e) => setOpenAs(e.target.value as OpenAs)} aria-label="Open as">
              {OPEN_AS.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => inputRef.current?.click()}>
            Open image…
          </button>
          <input
            ref={inputRef}
            type="file"
            accept=".nii,.nii.gz,.gz"
            multiple
            className="visually-hidden"
            aria-label="Open image"
            data-testid="open-image-input"
            onChange={(e) => {
              openFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </div>
      </div>
      {problems.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {problems.map((p) => (
            <li key={p.id} className="problem" role="alert" data-testid="viewer-problem">
              {p.message}{' '}
              <button type="button" className="link-button" onClick={() => dismissProblem(p.id)} aria-label="Dismiss">
                dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
      <ViewButtons view={view} onChange={setView} />
      <div
        className={`viewer-layout ${dragging ? 'dragging' : ''}`}
        onDragOver={(e) => {
          if (e.dataTransfer.types.includes('Files')) {
            e.preventDefault();
            setDragging(true);
          }
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <div className="viewer-main">
          <NiivueViewer layers={layers} view={view} onLayerInfo={setInfo} onLayerError={reportProblem} />
          {layers.length === 0 && (
            <p className="viewer-hint muted">Open a NIfTI image (.nii, .nii.gz) or drop one here. Images stay in this page.</p>
          )}
        </div>
        <aside className="viewer-side" aria-label="Layer controls">
          <h3>Layers</h3>
          <LayerList layers={layers} info={info} onChange={updateLayer} onRemove={removeLayer} />
        </aside>
      </div>
    </section>
  );
}
