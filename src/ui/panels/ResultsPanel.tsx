/**
 * The Results tab: pick a model (a training run from the browser's storage, or an uploaded bundle),
 * run ivadomed's --test on the test split or --segment on any image of the open dataset, with Monte
 * Carlo uncertainty, on the engine (WebGPU) or onnxruntime-web (WebGPU or wasm); then read the
 * evaluation table (sortable, per class), open a subject in the Viewer with its overlays, download
 * the outputs or write them into the dataset folder, and download the model bundle. Inference runs
 * in the GPU worker (src/worker/inference.ts); this panel only shows what it reports.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ProgressBar } from '../components/ProgressBar';
import { formatDuration } from '../components/format';
import { useCurrentConfig } from '../config/configStore';
import { useDataset } from '../dataset/datasetStore';
import { EvaluationTable } from '../results/EvaluationTable';
import { downloadFile } from '../components/download';
import { canWriteInto, openSubject, writeDerivatives, zipOutputs } from '../results/outputs';
import { listRuns, type RunEntry } from '../results/runs';
import { useResults } from '../results/resultsStore';
import { useTraining } from '../training/trainingStore';
import { exportRunBundle, remoteSource, type InferBackend, type InferRequest, type InferResult, type TrainData } from '../../worker/client';
import '../results/results.css';

const BUNDLE_CHOICE = 'bundle';
const ALL_IMAGES = '';

const BACKENDS: { id: InferBackend; label: string; needsGpu: boolean }[] = [
  { id: 'engine', label: 'Engine (WebGPU)', needsGpu: true },
  { id: 'onnx-webgpu', label: 'ONNX Runtime (WebGPU)', needsGpu: true },
  { id: 'onnx-wasm', label: 'ONNX Runtime (wasm, CPU)', needsGpu: false },
];

const hasWebGpu = () => typeof navigator !== 'undefined' && !!(navigator as Navigator & { gpu?: unknown }).gpu;

function outputText(r: InferResult): string {
  if (r.output.kind === 'opfs') return `browser storage (OPFS) ${r.output.path}`;
  return `this page's memory (${r.output.path})`;
}

function ResultSummary({ result }: { result: InferResult }) {
  const dice = result.metrics?.dice_class0;
  return (
    <p className="results-summary" role="status" data-testid="results-summary" data-kind={result.kind} data-files={result.files.length} data-rows={result.table?.rows.length ?? 0}>
      {result.kind === 'test' ? '--test' : '--segment'} with {result.modelName} on {result.runtime}: {result.files.length} file{result.files.length === 1 ? '' : 's'} in{' '}
      {formatDuration(result.seconds)}
      {dice != null ? <>; mean Dice <strong data-testid="results-dice">{dice.toFixed(4)}</strong></> : null}. Outputs in {outputText(result)}.
      {result.output.note ? ` ${result.output.note}` : ''}
    </p>
  );
}

export function ResultsPanel() {
  const r = useResults();
  const dataset = useDataset();
  const training = useTraining();
  const current = useCurrentConfig();
  const [runs, setRuns] = useState<RunEntry[] | null>(null);
  const modelChoice = r.modelChoice;
  const setModelChoice = r.setModelChoice;
  const [kind, setKind] = useState<'test' | 'segment'>('test');
  const [datasetChoice, setDatasetChoice] = useState<'sample' | 'open'>('sample');
  const [image, setImage] = useState<string>(ALL_IMAGES);
  const [epistemic, setEpistemic] = useState(true);
  const [aleatoric, setAleatoric] = useState(false);
  const [nIt, setNIt] = useState(0);
  const [backend, setBackend] = useState<InferBackend>(hasWebGpu() ? 'engine' : 'onnx-wasm');
  const [useTabConfig, setUseTabConfig] = useState(false);
  const [message, setMessage] = useState<{ level: 'info' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const bundleRef = useRef<HTMLInputElement>(null);

  const refresh = useCallback(async () => {
    try {
      const found = await listRuns();
      setRuns(found);
      useResults.getState().setModelChoice((c) => (c && (c === BUNDLE_CHOICE || found.some((x) => x.folder === c)) ? c : found[0]?.folder ?? (useResults.getState().bundle ? BUNDLE_CHOICE : '')));
    } catch (err) {
      setRuns([]);
      setMessage({ level: 'error', text: `Could not list the runs in the browser's storage: ${(err as Error).message}` });
    }
  }, []);

  // The run list changes when a training ends.
  useEffect(() => { void refresh(); }, [refresh, training.status]);

  const openReady = dataset.status === 'ready' && dataset.source !== null;
  const running = r.status === 'running';
  const trainingActive = ['starting', 'running', 'paused', 'stopping'].includes(training.status);
  const run = runs?.find((x) => x.folder === modelChoice) ?? null;
  const gpu = hasWebGpu();

  const start = () => {
    setMessage(null);
    if (!modelChoice) return setMessage({ level: 'error', text: 'Choose a model: train one in the Training tab, or upload a model bundle.' });
    if (modelChoice === BUNDLE_CHOICE && !r.bundle) return setMessage({ level: 'error', text: 'Upload a model bundle (.ivadomed-web.zip) first.' });
    if (datasetChoice === 'open' && !dataset.source) return setMessage({ level: 'error', text: 'Open a dataset in the Dataset tab first, or choose the sample dataset.' });
    if (useTabConfig && !current.parsed) return setMessage({ level: 'error', text: "The Configuration tab's config has errors: fix them, or use the model's own config." });
    const data: TrainData = datasetChoice === 'sample' ? { kind: 'synthetic' } : remoteSource(dataset.source!);
    const request: InferRequest = {
      kind,
      data,
      model: modelChoice === BUNDLE_CHOICE ? { kind: 'bundle', bytes: r.bundle!.bytes, name: r.bundle!.name } : { kind: 'run', folder: modelChoice },
      backend,
      uncertainty: kind === 'test' ? { epistemic, aleatoric, n_it: nIt } : undefined,
      images: kind === 'segment' && image ? [image] : undefined,
      configJson: useTabConfig ? JSON.stringify(current.raw) : undefined,
    };
    const what = kind === 'test' ? 'the test split' : image ? image : 'every image of the testing contrasts';
    void r.run(request, `--${kind} on ${what} of ${datasetChoice === 'sample' ? 'the sample dataset' : `"${dataset.source!.name}"`}`);
  };

  const guarded = async (label: string, fn: () => Promise<string | void>) => {
    setBusy(label);
    setMessage(null);
    try {
      const text = await fn();
      if (text) setMessage({ level: 'info', text });
    } catch (err) {
      setMessage({ level: 'error', text: (err as Error).message });
    } finally {
      setBusy(null);
    }
  };

  const openById = (id: string) =>
    void guarded(`open:${id}`, async () => {
      const result = useResults.getState().result!;
      const subject = result.subjects.find((s) => s.id === id);
      if (!subject) throw new Error(`${id}: no outputs were written for it.`);
      await openSubject(result, subject, dataset.source);
    });

  const downloadOutputs = () =>
    void guarded('zip', async () => {
      const result = r.result!;
      downloadFile(await zipOutputs(result), `${result.modelName}-${result.kind}-outputs.zip`, 'application/zip');
    });

  const writeIntoDataset = () =>
    void guarded('write', async () => {
      const written = await writeDerivatives(r.result!, dataset.source!);
      return `${written.length} file(s) written into "${dataset.source!.name}" under derivatives/ivadomed-web/.`;
    });

  const downloadBundle = () =>
    void guarded('bundle', async () => {
      if (modelChoice === BUNDLE_CHOICE && r.bundle) {
        downloadFile(r.bundle.bytes, r.bundle.name, 'application/zip');
        return;
      }
      if (!run) throw new Error('Choose a training run first.');
      const made = await exportRunBundle(run.folder, { onnx: true });
      downloadFile(made.bytes, made.fileName, 'application/zip');
      return `${made.fileName} (${(made.bytes.byteLength / 1024).toFixed(0)} KiB${made.onnx ? ', with model.onnx' : ''}).${made.note ? ` ${made.note}` : ''}`;
    });

  const onBundle = async (file: File | undefined) => {
    if (!file) return;
    await r.loadBundle(file);
    if (useResults.getState().bundle) setModelChoice(BUNDLE_CHOICE);
  };

  const result = r.result;
  const segmentImages = openReady && dataset.index ? dataset.index.images.map((im) => im.path) : [];

  return (
    <section className="panel results-panel" aria-label="Results">
      <div className="panel-head">
        <h2>Results</h2>
      </div>

      <div className="results-setup">
        <fieldset disabled={running}>
          <legend>Model</legend>
          <label>
            Model{' '}
            <select aria-label="Model" value={modelChoice} onChange={(e) => setModelChoice(e.target.value)} data-testid="results-model">
              {!runs?.length && !r.bundle && <option value="">no trained model yet</option>}
              {runs?.map((x) => (
                <option key={x.folder} value={x.folder}>
                  {x.folder.replace(/^runs\//, '')}
                  {x.bestDice != null ? ` (val Dice ${x.bestDice.toFixed(3)})` : ''}
                </option>
              ))}
              {r.bundle && <option value={BUNDLE_CHOICE}>Bundle: {r.bundle.name}</option>}
            </select>
          </label>
          <div className="results-buttons">
            <button type="button" onClick={() => void refresh()}>
              Refresh
            </button>
            <button type="button" onClick={() => bundleRef.current?.click()}>
              Upload bundle…
            </button>
            <button type="button" onClick={downloadBundle} disabled={!!busy || trainingActive || !(run || (modelChoice === BUNDLE_CHOICE && r.bundle))}>
              {busy === 'bundle' ? 'Preparing bundle…' : 'Download model bundle'}
            </button>
          </div>
          <input
            ref={bundleRef}
            type="file"
            accept=".zip,application/zip"
            className="visually-hidden"
            aria-label="Upload model bundle"
            data-testid="bundle-input"
            onChange={(e) => { void onBundle(e.target.files?.[0]); e.target.value = ''; }}
          />
          {r.bundle && modelChoice === BUNDLE_CHOICE && (
            <p className="muted" data-testid="bundle-info">
              {r.bundle.modelName}: {r.bundle.architecture}
              {r.bundle.hasOnnx ? ', with model.onnx' : ', no model.onnx (exported when needed)'}
              {r.bundle.hasSplit ? '' : '; no run record, so --segment only'}
            </p>
          )}
          {r.bundleError && (
            <p className="problem" role="alert" data-testid="bundle-error">
              {r.bundleError}
            </p>
          )}
          <label>
            <input type="checkbox" checked={useTabConfig} onChange={(e) => setUseTabConfig(e.target.checked)} /> Use the Configuration tab's config ({current.label}) instead
            of the model's
          </label>
        </fieldset>

        <fieldset disabled={running}>
          <legend>Data</legend>
          <label>
            <input type="radio" name="results-dataset" checked={datasetChoice === 'sample'} onChange={() => setDatasetChoice('sample')} /> Sample dataset (synthetic)
          </label>
          <label>
            <input type="radio" name="results-dataset" checked={datasetChoice === 'open'} disabled={!openReady} onChange={() => setDatasetChoice('open')} />{' '}
            {openReady ? `Open dataset: ${dataset.source!.name}` : 'Open dataset (open one in the Dataset tab)'}
          </label>
          <label>
            <input type="radio" name="results-kind" checked={kind === 'test'} onChange={() => setKind('test')} /> Test split (--test: evaluation against labels)
          </label>
          <label>
            <input type="radio" name="results-kind" checked={kind === 'segment'} onChange={() => setKind('segment')} /> Segment images (--segment: no labels needed)
          </label>
          {kind === 'segment' && (
            <label>
              Image{' '}
              <select aria-label="Image to segment" value={image} onChange={(e) => setImage(e.target.value)}>
                <option value={ALL_IMAGES}>Every image of the testing contrasts</option>
                {datasetChoice === 'open' &&
                  segmentImages.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
              </select>
            </label>
          )}
        </fieldset>

        <fieldset disabled={running}>
          <legend>Inference</legend>
          <label>
            Backend{' '}
            <select aria-label="Backend" value={backend} onChange={(e) => setBackend(e.target.value as InferBackend)}>
              {BACKENDS.map((b) => (
                <option key={b.id} value={b.id} disabled={b.needsGpu && !gpu}>
                  {b.label}
                  {b.needsGpu && !gpu ? ' (no WebGPU here)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={epistemic} disabled={kind !== 'test'} onChange={(e) => setEpistemic(e.target.checked)} /> MC dropout (epistemic)
          </label>
          <label>
            <input type="checkbox" checked={aleatoric} disabled={kind !== 'test'} onChange={(e) => setAleatoric(e.target.checked)} /> Test-time augmentation (aleatoric)
          </label>
          <label>
            Monte Carlo passes (n_it){' '}
            <input type="number" min={0} max={50} step={1} value={nIt} disabled={kind !== 'test'} aria-label="Monte Carlo passes" onChange={(e) => setNIt(Math.max(0, Math.round(Number(e.target.value) || 0)))} />
          </label>
          <p className="muted">0 passes: no uncertainty. With n_it ≥ 1 and a switch on, the soft prediction and the uncertainty maps (entropy unc-vox, unc-iou, unc-cv, unc-avgUnc) are written.</p>
        </fieldset>
      </div>

      {!gpu && (
        <p className="muted" data-testid="no-webgpu-note">
          This browser has no WebGPU: the ONNX Runtime wasm backend segments on the CPU (enable WebGPU in Chrome/Edge 113+, or Safari 26, for the engine).
        </p>
      )}

      <div className="results-buttons">
        <button type="button" onClick={start} disabled={running || trainingActive}>
          {kind === 'test' ? 'Run on the test split' : 'Segment'}
        </button>
        {trainingActive && <span className="muted">A training is running on the GPU: inference waits until it ends.</span>}
      </div>

      {message && (
        <p className={message.level === 'error' ? 'problem' : 'muted'} role={message.level === 'error' ? 'alert' : 'status'} data-testid="results-message">
          {message.text}
        </p>
      )}

      <p className="training-status" role="status" aria-label="Inference status" data-testid="results-status" data-status={r.status}>
        {r.status === 'idle' ? 'Not run yet' : r.status === 'running' ? 'Running…' : r.status === 'done' ? 'Finished' : 'Failed'}
      </p>

      {running && r.progress && (
        <ProgressBar label={`Inference: ${r.progress.stage}`} value={r.progress.done} max={r.progress.total} unit="images" startedAt={r.startedAt ?? undefined} />
      )}

      {r.status === 'error' && r.error && (
        <div className="problem" role="alert" data-testid="results-error">
          <strong>Inference failed.</strong> {r.error}
        </div>
      )}

      {r.status === 'idle' && !result && (
        <div className="dataset-empty">
          <h3>No results</h3>
          <p className="muted">Choose a model and run it on the test split or on any image of the open dataset; the evaluation table appears here.</p>
        </div>
      )}

      {result && (
        <>
          <ResultSummary result={result} />
          <div className="results-actions">
            <button type="button" onClick={downloadOutputs} disabled={!!busy}>
              Download outputs (.zip)
            </button>
            <button
              type="button"
              onClick={writeIntoDataset}
              disabled={!!busy || !canWriteInto(dataset.source)}
              title={canWriteInto(dataset.source) ? 'Writes pred_masks and results_eval under derivatives/ivadomed-web/ of the open dataset folder' : 'Open the dataset from a folder (directory picker) to write into it'}
            >
              Write into the dataset folder (derivatives/)
            </button>
          </div>
          {result.table ? (
            <EvaluationTable table={result.table} onOpen={openById} opening={busy?.startsWith('open:') ? busy.slice(5) : null} />
          ) : (
            <div className="eval-table" data-testid="segment-list">
              <h3>Segmented images</h3>
              <ul>
                {result.subjects.map((s) => (
                  <li key={s.id}>
                    <button type="button" className="link-button" data-testid="segment-row" onClick={() => openById(s.id)}>
                      {s.id}
                    </button>{' '}
                    <span className="muted">{Object.keys(s.outputs).join(', ')}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <details className="results-files">
            <summary>{result.files.length} output files</summary>
            <ul data-testid="results-files">
              {result.files.map((f) => (
                <li key={f.path}>
                  {f.path} <span className="muted">({(f.size / 1024).toFixed(1)} KiB)</span>
                </li>
              ))}
            </ul>
          </details>
        </>
      )}

      {r.log.length > 0 && (
        <div className="results-log" data-testid="results-log" aria-label="Inference log">
          {r.log.map((l, i) => (
            <div key={i} className={l.level}>
              {l.message}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
