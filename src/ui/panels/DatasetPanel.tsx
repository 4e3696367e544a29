/**
 * The Dataset tab: open a BIDS folder (picker, webkitdirectory input, or a drop anywhere on the page),
 * or generate the synthetic sample; watch indexing; read the subjects × contrasts table, the image
 * metadata and every problem; click a cell to view that volume with its labels.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ProgressBar } from '../components/ProgressBar';
import { openFolder, useDataset } from '../dataset/datasetStore';
import { folderFromFileList, hasDirectoryPicker, pickFolder } from '../dataset/folders';
import { ImageTable } from '../dataset/ImageTable';
import { ProblemList } from '../dataset/ProblemList';
import { ensureReadPermission, forgetFolder, listRecentFolders, type RecentFolder } from '../dataset/recentFolders';
import { generateSyntheticDataset } from '../../data/synthetic';
import { SubjectTable } from '../dataset/SubjectTable';
import { createHandleSource } from '../../data/sources';

export function DatasetPanel() {
  const { status, index, progress, startedAt, error, opening, openError, source, viewImage, close } = useDataset();
  const [recent, setRecent] = useState<RecentFolder[]>([]);
  const [pickError, setPickError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const refreshRecent = useCallback(() => {
    if (!('indexedDB' in window)) return;
    listRecentFolders()
      .then(setRecent)
      .catch(() => setRecent([]));
  }, []);
  useEffect(refreshRecent, [refreshRecent, status]);

  const onPick = async () => {
    setPickError(null);
    if (!hasDirectoryPicker()) {
      inputRef.current?.click();
      return;
    }
    try {
      const folder = await pickFolder();
      if (folder) await openFolder(folder);
    } catch (err) {
      setPickError(`The folder picker failed: ${(err as Error).message}. Use "Choose files of a folder" instead.`);
    }
  };

  const onReopen = async (r: RecentFolder) => {
    setPickError(null);
    try {
      if (!(await ensureReadPermission(r.handle))) {
        setPickError(`Permission to read "${r.name}" was not granted. Click Reopen again and allow access, or pick the folder.`);
        return;
      }
      await openFolder({ source: createHandleSource(r.handle), handle: r.handle });
    } catch (err) {
      setPickError(`Cannot reopen "${r.name}": ${(err as Error).message}. It may have been moved or deleted; pick it again.`);
    }
  };

  const [generating, setGenerating] = useState<string | null>(null);
  const onSample = async () => {
    setPickError(null);
    setGenerating('Generating the synthetic sample dataset…');
    try {
      const source = await generateSyntheticDataset({}, (done, total) => setGenerating(`Generating the synthetic sample dataset: subject ${done} of ${total}…`));
      setGenerating(null);
      await useDataset.getState().open(source);
    } catch (err) {
      setGenerating(null);
      setPickError(`Could not generate the sample dataset: ${(err as Error).message}`);
    }
  };

  return (
    <section className="panel dataset-panel" aria-label="Dataset">
      <div className="panel-head">
        <h2>Dataset{source ? `: ${source.name}` : ''}</h2>
        <div className="actions">
          <button type="button" onClick={() => void onPick()} disabled={status === 'indexing'}>
            Open folder…
          </button>
          <button type="button" onClick={() => inputRef.current?.click()} disabled={status === 'indexing'} title="For browsers without the folder picker: uploads nothing, the files stay on this machine">
            Choose files of a folder…
          </button>
          <button type="button" onClick={() => void onSample()} disabled={status === 'indexing' || generating !== null}>
            Sample dataset
          </button>
          {status !== 'idle' && (
            <button type="button" onClick={close} disabled={status === 'indexing'}>
              Close
            </button>
          )}
          <input
            ref={(el) => {
              inputRef.current = el;
              el?.setAttribute('webkitdirectory', '');
            }}
            type="file"
            multiple
            className="visually-hidden"
            aria-label="Dataset folder"
            data-testid="dataset-folder-input"
            onChange={(e) => {
              const folder = folderFromFileList(e.target.files ?? []);
              e.target.value = '';
              if (folder) void openFolder(folder);
            }}
          />
        </div>
      </div>
      {generating && (
        <p role="status" className="muted" data-testid="dataset-generating">
          {generating}
        </p>
      )}
      {pickError && (
        <p className="problem" role="alert">
          {pickError}
        </p>
      )}
      {status === 'idle' && (
        <div className="dataset-empty">
          <h3>No dataset open</h3>
          <p className="muted">
            Drop a BIDS folder anywhere on this page, open one, or generate the synthetic sample dataset. Images are read in this page and never leave
            your machine.
          </p>
          {recent.length > 0 && (
            <div className="recent-folders">
              <h4>Recent folders</h4>
              <ul>
                {recent.map((r) => (
                  <li key={r.id}>
                    <span>{r.name}</span> <span className="muted">{new Date(r.openedAt).toLocaleString()}</span>{' '}
                    <button type="button" className="link-button" onClick={() => void onReopen(r)} aria-label={`Reopen ${r.name}`}>
                      Reopen
                    </button>
                    <button type="button" className="link-button" onClick={() => void forgetFolder(r.id).then(refreshRecent)} aria-label={`Forget ${r.name}`}>
                      forget
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
      {status === 'indexing' && progress && (
        <div className="dataset-indexing" role="status" data-testid="dataset-indexing">
          <ProgressBar
            label={progress.phase === 'listing' ? `Listing files of ${source?.name}…` : `Reading headers and sidecars of ${source?.name}`}
            value={progress.done}
            max={Math.max(progress.total, 1)}
            unit="files"
            startedAt={startedAt ?? undefined}
          />
          {progress.current && <p className="mono">{progress.current}</p>}
        </div>
      )}
      {status === 'error' && (
        <p className="problem" role="alert">
          {error}
        </p>
      )}
      {status === 'ready' && index && (
        <div className="dataset-ready" data-testid="dataset-ready">
          <p className="dataset-summary" data-testid="dataset-summary">
            {index.subjects.length} subject{index.subjects.length === 1 ? '' : 's'} · {index.contrasts.length} contrast{index.contrasts.length === 1 ? '' : 's'} (
            {index.contrasts.join(', ') || 'none'}) · {index.images.length} images · labels: {index.labelSuffixes.map((s) => s.replace(/^_/, '')).join(', ') || 'none'} ·{' '}
            {index.fileCount} files
          </p>
          {openError && (
            <p className="problem" role="alert">
              {openError}
            </p>
          )}
          {index.images.length > 0 && (
            <>
              <h3>Subjects × contrasts</h3>
              <p className="muted">Click a cell to open the volume and its labels in the Viewer.</p>
              <SubjectTable index={index} opening={opening} onOpen={(img) => void viewImage(img)} />
            </>
          )}
          <h3>Problems</h3>
          <ProblemList problems={index.problems} />
          {index.images.length > 0 && (
            <>
              <h3>Images and sidecar metadata</h3>
              <ImageTable index={index} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
