/**
 * The transform preview (ivadomed's visualize_transforms): a slice of the opened dataset, or of the
 * synthetic sample, through the configured pipeline, one small canvas per step. It runs on the main
 * thread: one slice (or one small volume for 3D models) takes milliseconds; it recomputes a moment
 * after the transformation settings stop changing.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetType } from '../../data/transforms/types';
import type { NdArray } from '../../data/transforms/ndarray';
import { useDataset } from '../dataset/datasetStore';
import { useConfig } from './configStore';
import { getAt, isPlainObject } from './paths';
import { previewSteps, toRgba, type PreviewStep } from './preview';
import { datasetVolume, previewSample, sampleVolume, SAMPLE_CONTRASTS, SAMPLE_SUBJECTS, type PreviewVolume } from './previewSource';

const AXES = ['axial', 'coronal', 'sagittal'] as const;
type Axis = (typeof AXES)[number];

function SliceCanvas({ image, label, depth, testId, title }: { image: NdArray; label: NdArray | null; depth: number; testId: string; title: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const { width, height, rgba } = toRgba(image, label, depth);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')?.putImageData(new ImageData(rgba, width, height), 0, 0);
  }, [image, label, depth]);
  return <canvas ref={ref} className="preview-canvas" data-testid={testId} title={title} aria-label={title} />;
}

/** Whether the config trains a 3D model (the preview then transforms the whole volume). */
function isThreeD(config: unknown): boolean {
  const m3d = getAt(config, 'Modified3DUNet');
  return (isPlainObject(m3d) && m3d.applied === true) || getAt(config, 'default_model.is_2d') === false;
}

export function TransformPreview() {
  const config = useConfig((s) => s.parsed.config);
  const transformation = (config as unknown as Record<string, unknown>).transformation as Record<string, unknown> | undefined;
  const configAxis = getAt(config, 'loader_parameters.slice_axis');
  const targetSuffix = getAt(config, 'loader_parameters.target_suffix');
  const threeD = isThreeD(config);
  const { index, source, status } = useDataset();
  const datasetImages = status === 'ready' && index ? index.images : [];
  const [choice, setChoice] = useState<string>('sample:0:T2w');
  const [axisChoice, setAxisChoice] = useState<Axis | 'config'>('config');
  const axis: Axis = axisChoice === 'config' ? (AXES.includes(configAxis as Axis) ? (configAxis as Axis) : 'axial') : axisChoice;
  const [datasetType, setDatasetType] = useState<DatasetType>('training');
  const [seed, setSeed] = useState(1);
  const [vol, setVol] = useState<PreviewVolume | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [slice, setSlice] = useState<number | null>(null);

  // A dataset opened after the panel: preview its first image.
  useEffect(() => {
    if (datasetImages.length > 0 && choice.startsWith('sample:')) setChoice(`image:${datasetImages[0]!.path}`);
    if (datasetImages.length === 0 && choice.startsWith('image:')) setChoice('sample:0:T2w');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [datasetImages.length]);

  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    const load = async (): Promise<PreviewVolume> => {
      if (choice.startsWith('image:')) {
        const img = datasetImages.find((i) => `image:${i.path}` === choice);
        if (!img || !source) throw new Error('That image is no longer in the opened dataset.');
        const suffix = Array.isArray(targetSuffix) && typeof targetSuffix[0] === 'string' ? targetSuffix[0] : undefined;
        return datasetVolume(source, img, axis, suffix);
      }
      const [, n, contrast] = choice.split(':');
      return sampleVolume(Number(n), contrast!, axis);
    };
    load()
      .then((v) => {
        if (cancelled) return;
        setVol(v);
        setSlice(Math.floor(v.image.shape[2]! / 2));
      })
      .catch((err: Error) => {
        if (!cancelled) {
          setVol(null);
          setLoadError(err.message);
        }
      });
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [choice, axis, source, JSON.stringify(targetSuffix)]);

  // Recompute after the settings rest for a moment (typing in a field re-parses the config each keystroke).
  const transformKey = JSON.stringify(transformation ?? {});
  const [steps, setSteps] = useState<{ original: PreviewStep; steps: PreviewStep[] } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!vol || slice === null) return;
    setBusy(true);
    const timer = setTimeout(() => {
      const sample = previewSample(vol, Math.min(slice, vol.image.shape[2]! - 1), threeD);
      const original: PreviewStep = { name: 'original', image: sample.input[0]!, label: sample.gt[0] ?? null };
      setSteps({ original, steps: previewSteps(JSON.parse(transformKey) as Record<string, unknown>, datasetType, sample, seed) });
      setBusy(false);
    }, 120);
    return () => clearTimeout(timer);
  }, [vol, slice, threeD, transformKey, datasetType, seed]);

  const depthOf = (a: NdArray, original: NdArray) => (threeD && slice !== null ? (slice * (a.shape[2] ?? 1)) / Math.max(1, original.shape[2] ?? 1) : 0);
  const sampleOptions = useMemo(() => Array.from({ length: SAMPLE_SUBJECTS }, (_, i) => SAMPLE_CONTRASTS.map((c) => ({ id: `sample:${i}:${c}`, label: `sub-${String(i + 1).padStart(2, '0')} ${c} (synthetic sample)` }))).flat(), []);

  return (
    <div className="transform-preview" data-testid="transform-preview" data-busy={busy ? 'true' : 'false'}>
      <div className="preview-controls">
        <label className="inline">
          Image
          <select value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="Preview image">
            {datasetImages.length > 0 && (
              <optgroup label={`Opened dataset: ${index?.name ?? ''}`}>
                {datasetImages.map((i) => (
                  <option key={i.path} value={`image:${i.path}`}>
                    {i.subject} {i.contrast} {i.labels.length ? '' : '(no label)'}
                  </option>
                ))}
              </optgroup>
            )}
            <optgroup label="Synthetic sample">
              {sampleOptions.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.label}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label className="inline">
          Axis
          <select value={axisChoice} onChange={(e) => setAxisChoice(e.target.value as Axis | 'config')} aria-label="Preview slice axis">
            <option value="config">slice_axis ({axis})</option>
            {AXES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        {vol && slice !== null && (
          <label className="inline">
            Slice {slice + 1}/{vol.image.shape[2]}
            <input type="range" min={0} max={vol.image.shape[2]! - 1} value={slice} onChange={(e) => setSlice(Number(e.target.value))} aria-label="Preview slice" />
          </label>
        )}
        <label className="inline">
          Pipeline
          <select value={datasetType} onChange={(e) => setDatasetType(e.target.value as DatasetType)} aria-label="Preview pipeline">
            <option value="training">training</option>
            <option value="validation">validation</option>
            <option value="testing">testing</option>
          </select>
        </label>
        <button type="button" className="button" onClick={() => setSeed((s) => s + 1)} title="Draw new random parameters for the random transforms">
          Draw again
        </button>
      </div>
      {threeD && <p className="muted">3D model: the whole volume is transformed; the canvases show the chosen slice (scaled to each step's depth).</p>}
      {loadError && (
        <p className="problem" role="alert">
          Cannot load the preview image: {loadError}
        </p>
      )}
      {steps && (
        <ol className="preview-steps">
          <li className="preview-step original">
            <SliceCanvas image={steps.original.image} label={steps.original.label} depth={depthOf(steps.original.image, steps.original.image)} testId="preview-original" title="original" />
            <span className="preview-name">original</span>
            <span className="mono">{steps.original.image.shape.join('×')}</span>
          </li>
          {steps.steps.map((s, i) => (
            <li key={`${i}-${s.name}`} className={`preview-step${s.error ? ' failed' : ''}`} data-testid="preview-step" data-name={s.name}>
              <SliceCanvas image={s.image} label={s.label} depth={depthOf(s.image, steps.original.image)} testId="preview-canvas" title={`after ${s.name}`} />
              <span className="preview-name">
                {i + 1}. {s.name}
              </span>
              <span className="mono">{s.image.shape.join('×')}</span>
              {s.params && <span className="mono preview-params">{formatParams(s.params)}</span>}
              {s.error && (
                <span className="field-error" role="alert">
                  skipped: {s.error}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {steps && steps.steps.length === 0 && <p className="muted">No transform in the {datasetType} pipeline.</p>}
    </div>
  );
}

function formatParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map((x) => fmt(x as number)).join(',')}]` : typeof v === 'number' ? fmt(v) : String(v)}`)
    .join(' ');
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3);
}
