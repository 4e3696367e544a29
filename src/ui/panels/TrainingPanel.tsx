/**
 * The Training tab: choose a dataset (the synthetic sample or the one open in the Dataset tab), a
 * configuration (the fast sample preset, an ivadomed template preset, or an imported config.json)
 * and where outputs go; start, pause, resume, stop; watch progress, live curves, the per-epoch table
 * and the log; read the summary (best validation Dice, output folder). Training runs in the GPU
 * worker (src/worker/training.ts); this panel only shows what it reports.
 */
import { useMemo, useRef, useState } from 'react';
import { LineChart } from '../charts/LineChart';
import type { CurveSeries } from '../charts/series';
import { GpuMemory } from '../components/GpuMemory';
import { ProgressBar } from '../components/ProgressBar';
import { formatDuration } from '../components/format';
import { useCurrentConfig, useConfig } from '../config/configStore';
import { useDataset } from '../dataset/datasetStore';
import { hasDirectoryPicker } from '../dataset/folders';
import { EpochTable } from '../training/EpochTable';
import { configErrors, configOptions, configSummary, configText, SAMPLE_SEED, type ConfigChoice } from '../training/presets';
import { TrainingLog } from '../training/TrainingLog';
import { ValidationPreview } from '../training/ValidationPreview';
import { useTraining, type TrainStatus } from '../training/trainingStore';
import { FailureNotice, WebGpuNotice } from '../runs/FailureNotice';
import { FrameTime } from '../runs/FrameTime';
import { configFacts, runFolderName, type RunSummary } from '../runs/runInfo';
import { RunsSection } from '../runs/RunsSection';
import { resumeInputs } from '../runs/runsStore';
import { remoteSource, type TrainData, type TrainOutput, type TrainSummary } from '../../worker/client';
import '../training/training.css';

const EPOCH_SERIES: CurveSeries[] = [
  { label: 'train loss', color: '#7fdbca' },
  { label: 'val loss', color: '#f6c177', dashed: true },
  { label: 'val Dice', color: '#c4a7e7', axis: 'right' },
];
const BATCH_SERIES: CurveSeries[] = [{ label: 'batch loss', color: '#9ccfd8' }];
const GPU_SERIES: CurveSeries[] = [
  { label: 'in use (MiB)', color: '#ebbcba' },
  { label: 'peak (MiB)', color: '#eb6f92', dashed: true },
];

type DatasetChoice = 'sample' | 'open';

const ACTIVE: TrainStatus[] = ['starting', 'running', 'paused', 'stopping'];

function statusText(status: TrainStatus, pausing: boolean, progress: ReturnType<typeof useTraining.getState>['progress'], epochs: number | undefined): string {
  const where = progress
    ? progress.phase === 'setup'
      ? `preparing data${progress.setupStage ? ` (${progress.setupStage} ${progress.batch}/${progress.batches})` : ''}`
      : `epoch ${progress.epoch} of ${epochs ?? '?'}, ${progress.phase === 'validation' ? 'validation' : 'training'} batch ${progress.batch} of ${progress.batches}`
    : 'starting';
  switch (status) {
    case 'idle': return 'Not started';
    case 'starting': return 'Starting…';
    case 'running': return pausing ? `Pausing after the current batch (${where})` : `Training: ${where}`;
    case 'paused': return `Paused at ${where}`;
    case 'stopping': return 'Stopping after the current batch…';
    case 'done': return 'Finished';  // the summary below says how (completed, early stopping, stopped)
    case 'error': return 'Failed';
  }
}

function outputText(summary: TrainSummary): string {
  const o = summary.output;
  if (o.kind === 'opfs') return `browser storage (OPFS) ${o.path}`;
  if (o.kind === 'handle') return `folder "${o.path}"`;
  return `memory only (${o.path}; lost when the page closes)`;
}

function SummaryLine({ summary }: { summary: TrainSummary }) {
  const dice = summary.bestValDice;
  const how = summary.reason === 'completed' ? 'Completed' : summary.reason === 'early-stopping' ? 'Stopped early (no improvement)' : 'Stopped by you';
  const kept = summary.reason === 'stopped'
    ? summary.epochs > 0
      ? ` The checkpoint of epoch ${summary.epochs} was kept: "Continue from checkpoint" picks up from there.`
      : ' No epoch had finished, so there is no checkpoint to continue from.'
    : '';
  return (
    <p
      className="train-summary"
      role="status"
      data-testid="train-summary"
      data-reason={summary.reason}
      data-best-dice={dice ?? ''}
      data-best-epoch={summary.bestEpoch}
      data-epochs={summary.epochs}
      data-output={summary.output.path}
    >
      {how} after {summary.epochs} epoch{summary.epochs === 1 ? '' : 's'} ({formatDuration(summary.seconds)}): best validation Dice{' '}
      <strong data-testid="best-dice">{dice == null ? 'n/a' : dice.toFixed(4)}</strong>
      {summary.bestEpoch ? ` at epoch ${summary.bestEpoch}` : ''}. Outputs in {outputText(summary)}.{kept}
      {summary.output.note ? ` ${summary.output.note}` : ''}
    </p>
  );
}

export function TrainingPanel() {
  const t = useTraining();
  const dataset = useDataset();
  const [datasetChoice, setDatasetChoice] = useState<DatasetChoice>('sample');
  // The forms of the Configuration tab are what a researcher edits: train with them by default.
  const [configChoice, setConfigChoice] = useState<ConfigChoice>('config-tab');
  const configTab = useCurrentConfig();
  const configTabPreset = useConfig((s) => s.source.presetId);
  const [imported, setImported] = useState<{ name: string; text: string } | null>(null);
  const [outputHandle, setOutputHandle] = useState<FileSystemDirectoryHandle | null>(null);
  const [setupError, setSetupError] = useState<string | null>(null);
  /** Batches per epoch limit ('' = all): quick trials; validation still runs in full. */
  const [batchLimit, setBatchLimit] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);

  const options = useMemo(() => configOptions(), []);
  const configTabText = useMemo(() => JSON.stringify(configTab.raw, null, 2), [configTab.raw]);
  const text = configText(configChoice, imported?.text ?? null, configTabText);
  const errors = useMemo(() => (text ? configErrors(text) : []), [text]);
  const openReady = dataset.status === 'ready' && dataset.source !== null;
  const active = ACTIVE.includes(t.status);
  const configLabel =
    configChoice === 'imported' ? (imported ? `config ${imported.name}` : 'imported config')
      : configChoice === 'config-tab' ? `the Configuration tab's config (${configTab.label})`
        : options.find((o) => o.id === configChoice)!.label;
  // The fast sample settings were measured with seed 6 (docs/studio.md); other configs use split_dataset.random_seed.
  const seed = configChoice === 'sample-fast' || (configChoice === 'config-tab' && configTabPreset === 'sample') ? SAMPLE_SEED : undefined;

  const dataFor = (): { data: TrainData; label: string } | null => {
    if (datasetChoice === 'sample') return { data: { kind: 'synthetic' }, label: 'the synthetic sample dataset' };
    if (!dataset.source) return null;
    return { data: remoteSource(dataset.source), label: `dataset "${dataset.source.name}"` };
  };

  const maxBatchesPerEpoch = /^\d+$/.test(batchLimit.trim()) && Number(batchLimit) >= 1 ? Number(batchLimit) : undefined;

  /** Continues a run folder of the browser's storage from its checkpoint, with its own config_file.json. */
  const resumeRun = async (folder: string) => {
    setSetupError(null);
    const d = dataFor();
    if (!d) return setSetupError('Open a dataset in the Dataset tab first, or choose the sample dataset: a resumed run reads the same dataset again.');
    try {
      const { configJson, checkpoint } = await resumeInputs(folder);
      void t.start({
        configJson, data: d.data, output: { kind: 'opfs', folder }, datasetLabel: d.label, configLabel: `run ${folder.split('/').pop()}`, resume: true,
        seed: checkpoint.seed, maxBatchesPerEpoch, history: checkpoint.history,
      });
    } catch (err) {
      setSetupError((err as Error).message);
    }
  };
  const onResumeRun = (run: RunSummary) => void resumeRun(run.folder);
  const continueLast = () => {
    if (t.lastOutput?.kind === 'opfs' && t.lastOutput.folder) void resumeRun(t.lastOutput.folder);
    else start(true);
  };

  const start = (resume: boolean) => {
    setSetupError(null);
    const d = dataFor();
    if (!d) return setSetupError('Open a dataset in the Dataset tab first, or choose the sample dataset.');
    if (!text) return setSetupError('Import a config.json first (or choose a preset).');
    if (errors.length) return setSetupError('Fix the configuration errors listed above first.');
    // The page names the OPFS folder, so the Runs list and "Continue" know it from the first checkpoint on.
    let output: TrainOutput = outputHandle ? { kind: 'handle', handle: outputHandle } : { kind: 'opfs', folder: runFolderName(configFacts(text).modelName ?? 'model') };
    if (resume) {
      if (!t.lastOutput) return setSetupError('There is no checkpoint to continue from.');
      output = t.lastOutput;
    }
    void t.start({ configJson: text, data: d.data, output, datasetLabel: d.label, configLabel, resume, seed, maxBatchesPerEpoch });
  };

  const onImport = async (file: File | undefined) => {
    if (!file) return;
    setImported({ name: file.name, text: await file.text() });
    setConfigChoice('imported');
  };

  const pickOutput = async () => {
    try {
      const picker = (window as unknown as { showDirectoryPicker: (o: object) => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker;
      setOutputHandle(await picker({ mode: 'readwrite', id: 'ivadomed-output' }));
    } catch (err) {
      if ((err as DOMException).name !== 'AbortError') setSetupError(`The folder picker failed: ${(err as Error).message}. Outputs go to the browser's storage instead.`);
    }
  };

  const info = t.info;
  const progress = t.progress;
  const epochsDone = t.epochs.length ? t.epochs[t.epochs.length - 1].epoch : 0;
  const status = statusText(t.status, t.pausing, progress, info?.epochs);

  return (
    <section className="panel training-panel" aria-label="Training">
      <div className="panel-head">
        <h2>Training</h2>
        <FrameTime active={active} />
        {t.gpu && <GpuMemory liveBytes={t.gpu.liveBytes} peakBytes={t.gpu.peakBytes} liveTensors={t.gpu.liveTensors} />}
      </div>

      <WebGpuNotice />

      <div className="training-setup">
        <fieldset disabled={active}>
          <legend>Dataset</legend>
          <label>
            <input type="radio" name="train-dataset" checked={datasetChoice === 'sample'} onChange={() => setDatasetChoice('sample')} /> Sample dataset (synthetic, generated in
            the worker)
          </label>
          <label>
            <input type="radio" name="train-dataset" checked={datasetChoice === 'open'} disabled={!openReady} onChange={() => setDatasetChoice('open')} />{' '}
            {openReady ? `Open dataset: ${dataset.source!.name}` : 'Open dataset (open one in the Dataset tab)'}
          </label>
        </fieldset>
        <fieldset disabled={active}>
          <legend>Configuration</legend>
          <label>
            Config{' '}
            <select aria-label="Configuration" value={configChoice} onChange={(e) => setConfigChoice(e.target.value as ConfigChoice)}>
              {options.map((o) => (
                <option key={o.id} value={o.id} disabled={o.id === 'imported' && !imported}>
                  {o.id === 'imported' && imported ? `Imported: ${imported.name}` : o.id === 'config-tab' ? `Configuration tab: ${configTab.label}` : o.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => fileRef.current?.click()}>
            Import config.json…
          </button>
          <input ref={fileRef} type="file" accept=".json,application/json" className="visually-hidden" aria-label="Import config.json" onChange={(e) => { void onImport(e.target.files?.[0]); e.target.value = ''; }} />
          <label>
            Batches per epoch{' '}
            <input type="number" min={1} step={1} inputMode="numeric" aria-label="Batches per epoch limit" placeholder="all" value={batchLimit} onChange={(e) => setBatchLimit(e.target.value)} style={{ width: '5rem' }} />
            <span className="muted"> (limit for a quick trial)</span>
          </label>
          <p className="muted" data-testid="config-summary">{text ? configSummary(text) : 'no configuration imported yet'}</p>
        </fieldset>
        <fieldset disabled={active}>
          <legend>Output</legend>
          <p className="muted">
            {outputHandle ? `Folder "${outputHandle.name}"` : "The browser's private storage (OPFS): runs/<model>-<date-time>"}
          </p>
          {hasDirectoryPicker() && (
            <button type="button" onClick={() => void pickOutput()}>
              Choose output folder…
            </button>
          )}
          {outputHandle && (
            <button type="button" className="link-button" onClick={() => setOutputHandle(null)}>
              use browser storage
            </button>
          )}
        </fieldset>
      </div>

      {errors.length > 0 && (
        <div className="problem" role="alert" data-testid="config-errors">
          <p>This configuration cannot train; fix it (or choose another):</p>
          <ul>
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      )}

      <div className="training-buttons">
        <button type="button" onClick={() => start(false)} disabled={active || errors.length > 0 || !text}>
          Start training
        </button>
        <button type="button" onClick={() => void t.pause()} disabled={t.status !== 'running' || t.pausing}>
          Pause
        </button>
        <button type="button" onClick={() => void t.resume()} disabled={t.status !== 'paused' && !t.pausing}>
          Resume
        </button>
        <button type="button" onClick={() => void t.stop()} disabled={t.status !== 'running' && t.status !== 'paused'}>
          Stop
        </button>
        {!active && t.lastOutput && (t.summary?.reason === 'stopped' || t.status === 'error') && (
          <button type="button" onClick={continueLast} title="Resume from the checkpoint of the last finished epoch (same dataset and configuration)">
            Continue from checkpoint
          </button>
        )}
      </div>

      {setupError && (
        <p className="problem" role="alert">
          {setupError}
        </p>
      )}

      <p className="training-status" role="status" aria-label="Training status" data-testid="train-status" data-status={t.status} data-pausing={t.pausing || undefined}>
        {status}
        {info && ` · ${info.model}, ${info.parameters.toLocaleString('en')} parameters, ${info.trainItems} training / ${info.validItems} validation items on ${info.adapter}`}
      </p>

      {t.status === 'idle' && (
        <div className="dataset-empty">
          <h3>No training run</h3>
          <p className="muted">
            Choose a dataset and a configuration, then start. Training runs in a Web Worker on your GPU, with live curves; outputs (checkpoints, best model,
            curves) are written to the browser's storage or a folder you choose.
          </p>
        </div>
      )}

      {t.status === 'error' && t.error && <FailureNotice message={t.error} onResume={t.lastOutput ? continueLast : undefined} />}

      {info && (
        <>
          <ProgressBar label="Epochs" value={epochsDone} max={info.epochs} unit="epochs" startedAt={active ? t.startedAt ?? undefined : undefined} paused={t.status === 'paused'} />
          {progress && progress.phase !== 'setup' && active && (
            <ProgressBar label={`Epoch ${progress.epoch}: ${progress.phase}`} value={progress.batch} max={progress.batches} unit="batches" />
          )}
          {active && progress?.etaSeconds != null && (
            <p className="muted" data-testid="train-eta">
              Time left (from the loop's timing): {formatDuration(progress.etaSeconds)}
              {progress.itemsPerSecond ? ` · ${progress.itemsPerSecond.toFixed(1)} slices/s` : ''}
            </p>
          )}
        </>
      )}

      {t.summary && <SummaryLine summary={t.summary} />}

      {(t.epochs.length > 0 || t.batchCurves.x.length > 0) && (
        <div className="training-charts">
          <LineChart title="Loss and validation Dice per epoch" series={EPOCH_SERIES} data={t.epochCurves} version={t.curvesVersion} xLabel="epoch" yLabel="loss" y2Label="Dice" />
          <LineChart title="Training loss per batch" series={BATCH_SERIES} data={t.batchCurves} version={t.curvesVersion} xLabel="epoch" yLabel="loss" />
        </div>
      )}

      {(t.preview || t.gpuCurves.x.length > 1) && (
        <div className="training-visuals">
          {t.preview && <ValidationPreview history={t.previews} />}
          {t.gpuCurves.x.length > 1 && (
            <LineChart title="GPU memory held by the engine" series={GPU_SERIES} data={t.gpuCurves} version={t.curvesVersion} xLabel="seconds" yLabel="MiB" height={200} />
          )}
        </div>
      )}

      <EpochTable rows={t.epochs} />
      <TrainingLog lines={t.log} />
      <RunsSection onResume={onResumeRun} busy={active} />
    </section>
  );
}
