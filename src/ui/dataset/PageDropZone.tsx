/**
 * Drops anywhere on the page: a folder opens as the dataset (Dataset tab); loose NIfTI files open in
 * the Viewer. Panels that take drops themselves stop the event before it gets here.
 */
import { useEffect, useState } from 'react';
import { useStudio } from '../store';
import { guessKind, isNiftiName } from '../viewer/layers';
import { useViewer } from '../viewer/viewerStore';
import { openFolder, useDataset } from './datasetStore';
import { readDrop } from './folders';

export function PageDropZone() {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const onOver = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setOver(false);
      if (!e.dataTransfer || !hasFiles(e)) return;
      e.preventDefault();
      const drop = readDrop(e.dataTransfer);
      if (drop.folder) {
        useStudio.getState().setSection('dataset');
        drop.folder.then(openFolder).catch((err: Error) => useDataset.setState({ status: 'error', error: `Could not read the dropped folder: ${err.message}` }));
        return;
      }
      const images = drop.files.filter((f) => isNiftiName(f.name));
      if (images.length === 0) return;
      const viewer = useViewer.getState();
      let hasBase = viewer.layers.length > 0;
      for (const file of images) {
        const source = { type: 'file' as const, file };
        if (!hasBase) {
          viewer.openBase(source);
          hasBase = true;
        } else viewer.addOverlay(source, guessKind(file.name));
      }
      useStudio.getState().setSection('viewer');
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return over ? (
    <div className="page-drop" aria-hidden="true">
      Drop a BIDS folder to open it as the dataset, or NIfTI files to view them
    </div>
  ) : null;
}
