/**
 * The Configuration tab: ivadomed's config.json as forms generated from the schema (one collapsible
 * section per part of the file), presets, import (file input or drop) with the migrations applied,
 * export, every error and warning next to its key, and the transform preview.
 */
import { useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { downloadFile } from '../components/download';
import { describeConfig, describeKey, MODEL_SECTIONS, POSTPROCESSING_STEP_NAMES, PRESET_IDS, getPreset, TRANSFORM_NAMES, type ConfigNode } from '../../config/index';
import { useConfig, SAMPLE_PRESET, type ConfigPresetId } from '../config/configStore';
import { Field, IssuesContext, type ShownIssue } from '../config/Field';
import { ModelSections } from '../config/ModelSections';
import { ObjectFields, UnknownKey } from '../config/ObjectFields';
import { OrderedSection } from '../config/OrderedSection';
import { getAt } from '../config/paths';
import { postprocessingStarter, transformStarter } from '../config/starters';
import { TransformPreview } from '../config/TransformPreview';
import '../config/config.css';

interface SectionDef {
  id: string;
  title: string;
  /** Top-level keys whose issues count in this section. */
  keys: readonly string[];
  open?: boolean;
  render: () => ReactNode;
}

const ROOT = describeConfig();
const LEAF_KEYS = (ROOT.children ?? []).filter((c) => c.kind !== 'object' && c.kind !== 'record').map((c) => c.key);
const KNOWN_TOP = new Set((ROOT.children ?? []).map((c) => c.key));

function objectSection(key: string, title: string, open = false): SectionDef {
  const node = describeKey(key)!;
  return { id: key, title, keys: [key], open, render: () => <ObjectSection node={node} path={key} /> };
}

function ObjectSection({ node, path }: { node: ConfigNode; path: string }) {
  return (
    <>
      {node.description && <p className="field-help">{node.description}</p>}
      <ObjectFields node={node} path={path} />
    </>
  );
}

function GeneralSection() {
  const raw = useConfig((s) => s.raw);
  const effective = useConfig((s) => s.parsed.config);
  const setField = useConfig((s) => s.setField);
  const unknown = Object.keys(raw).filter((k) => !KNOWN_TOP.has(k));
  return (
    <>
      {(ROOT.children ?? [])
        .filter((c) => LEAF_KEYS.includes(c.key))
        .map((c) => (
          <Field key={c.key} node={c} path={c.key} value={raw[c.key]} effective={getAt(effective, c.key)} onChange={(v) => setField(c.key, v)} />
        ))}
      {unknown.map((k) => (
        <UnknownKey key={k} path={k} value={raw[k]} />
      ))}
    </>
  );
}

const SECTIONS: SectionDef[] = [
  { id: 'general', title: 'General', keys: [...LEAF_KEYS, '(root)'], open: true, render: () => <GeneralSection /> },
  objectSection('loader_parameters', 'Loader (loader_parameters)'),
  objectSection('split_dataset', 'Split (split_dataset)'),
  objectSection('training_parameters', 'Training (training_parameters)', true),
  { id: 'model', title: 'Model (default_model and architecture sections)', keys: ['default_model', ...MODEL_SECTIONS], render: () => <ModelSections /> },
  {
    id: 'transformation',
    title: 'Transformations (transformation)',
    keys: ['transformation'],
    open: true,
    render: () => (
      <>
        <p className="field-help">{describeKey('transformation')?.description} Preprocessing transforms (Resample, CenterCrop, ROICrop) run first, once per volume; the others in this order, every epoch.</p>
        <OrderedSection section="transformation" names={TRANSFORM_NAMES} starter={transformStarter} noun="transforms" />
        <h4>Preview</h4>
        <TransformPreview />
      </>
    ),
  },
  objectSection('uncertainty', 'Uncertainty (uncertainty)'),
  {
    id: 'postprocessing',
    title: 'Postprocessing (postprocessing)',
    keys: ['postprocessing'],
    render: () => (
      <>
        <p className="field-help">{describeKey('postprocessing')?.description}</p>
        <OrderedSection section="postprocessing" names={POSTPROCESSING_STEP_NAMES} starter={postprocessingStarter} noun="steps" />
      </>
    ),
  },
  objectSection('evaluation_parameters', 'Evaluation (evaluation_parameters)'),
  objectSection('object_detection_params', 'Object detection (object_detection_params)'),
  objectSection('wandb', 'Weights & Biases (wandb)'),
];

function sectionOf(issuePath: string): string {
  const top = issuePath.split(/[.[]/)[0]!;
  return SECTIONS.find((s) => s.keys.includes(top))?.id ?? 'general';
}

/** Opens the section of `path`, scrolls to the closest field and focuses its input. */
function reveal(path: string) {
  const section = document.querySelector<HTMLDetailsElement>(`details[data-section="${sectionOf(path)}"]`);
  if (section) section.open = true;
  requestAnimationFrame(() => {
    let p = path.replace(/\[\d+\]$/, '');
    while (p) {
      const el = document.querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`);
      if (el) {
        el.scrollIntoView({ block: 'center' });
        el.querySelector<HTMLElement>('input, select')?.focus();
        return;
      }
      p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '';
    }
  });
}

export function ConfigPanel() {
  const parsed = useConfig((s) => s.parsed);
  const stale = useConfig((s) => s.stale);
  const source = useConfig((s) => s.source);
  const importMigrations = useConfig((s) => s.importMigrations);
  const importError = useConfig((s) => s.importError);
  const { loadPreset, importText, exportText } = useConfig.getState();
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [omitDefaults, setOmitDefaults] = useState(false);

  const issues: ShownIssue[] = useMemo(
    () => [...parsed.errors.map((e) => ({ ...e, severity: 'error' as const })), ...parsed.warnings.map((w) => ({ ...w, severity: 'warning' as const }))],
    [parsed],
  );
  const migrations = useMemo(() => {
    const seen = new Set<string>();
    return [...importMigrations, ...parsed.migrations].filter((m) => (seen.has(m.message) ? false : (seen.add(m.message), true)));
  }, [importMigrations, parsed.migrations]);

  const readFile = async (file: File) => {
    importText(await file.text(), file.name);
  };
  const onDrop = (e: DragEvent) => {
    // Handled here: the page-wide drop zone (folders, NIfTI) must not see a dropped config.
    e.preventDefault();
    e.stopPropagation();
    setDragging(false);
    const file = Array.from(e.dataTransfer.files).find((f) => /\.json$/i.test(f.name)) ?? e.dataTransfer.files[0];
    if (file) void readFile(file);
  };
  const presets: { id: ConfigPresetId; label: string; description: string }[] = [
    ...PRESET_IDS.map((id) => {
      const p = getPreset(id);
      return { id: id as ConfigPresetId, label: p.label, description: `${p.description} Based on ${p.basis}` };
    }),
    { id: 'sample', label: SAMPLE_PRESET.label, description: 'A small, fast 2D U-Net for the synthetic sample dataset (T2w, spinal cord).' },
  ];

  return (
    <section
      className={`panel config-panel${dragging ? ' dragging' : ''}`}
      aria-label="Configuration"
      onDragEnter={(e) => {
        e.stopPropagation();
        setDragging(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
      }}
      onDragLeave={(e) => {
        e.stopPropagation();
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="panel-head">
        <h2>Configuration: {source.label}</h2>
        <div className="actions">
          <button type="button" onClick={() => inputRef.current?.click()}>
            Import config.json…
          </button>
          <button type="button" onClick={() => downloadFile(exportText({ omitDefaults }), 'config.json', 'application/json')}>
            Export config.json
          </button>
          <label className="inline" title="Write only the keys that differ from ivadomed's config_default.json">
            <input type="checkbox" checked={omitDefaults} onChange={(e) => setOmitDefaults(e.target.checked)} />
            only changes
          </label>
          <input
            ref={inputRef}
            type="file"
            accept=".json,application/json"
            className="visually-hidden"
            aria-label="config.json file"
            data-testid="config-file-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void readFile(file);
            }}
          />
        </div>
      </div>
      <div className="config-presets" role="group" aria-label="Presets">
        <span className="muted">Presets:</span>
        {presets.map((p) => (
          <button key={p.id} type="button" className="button" title={p.description} onClick={() => loadPreset(p.id)} aria-pressed={source.kind === 'preset' && source.presetId === p.id}>
            {p.label}
          </button>
        ))}
        <span className="muted drop-hint">or drop a config.json here</span>
      </div>

      {importError && (
        <p className="problem" role="alert" data-testid="config-import-error">
          {importError}
        </p>
      )}
      {migrations.length > 0 && (
        <div className="config-migrations" data-testid="config-migrations">
          <strong>Migrated from an older ivadomed config:</strong>
          <ul>
            {migrations.map((m) => (
              <li key={m.message} data-testid="config-migration">
                {m.message}
                {!m.ivadomed && <span className="muted"> (ivadomed-web only; see docs/config.md)</span>}
              </li>
            ))}
          </ul>
        </div>
      )}

      <p className={`config-status ${parsed.ok ? 'good' : 'bad'}`} data-testid="config-status" data-stale={stale ? 'true' : 'false'}>
        {parsed.ok ? 'Valid configuration' : `${parsed.errors.length} error${parsed.errors.length === 1 ? '' : 's'}`}
        {parsed.warnings.length > 0 && `, ${parsed.warnings.length} warning${parsed.warnings.length === 1 ? '' : 's'}`}
        {stale && <span className="muted"> (checking…)</span>}
      </p>
      {issues.length > 0 && (
        <details className="config-problems" open={!parsed.ok}>
          <summary>All problems</summary>
          <ul>
            {issues.map((i) => (
              <li key={`${i.severity}:${i.message}`} className={i.severity === 'error' ? 'field-error' : 'field-warning'} data-testid="config-problem">
                <button type="button" className="link-button" onClick={() => reveal(i.path)}>
                  {i.message}
                </button>
                {i.suggestion && <span className="muted"> (did you mean {i.suggestion}?)</span>}
              </li>
            ))}
          </ul>
        </details>
      )}

      <IssuesContext.Provider value={issues}>
        <div className="config-sections">
          {SECTIONS.map((s) => {
            const own = issues.filter((i) => sectionOf(i.path) === s.id);
            const errors = own.filter((i) => i.severity === 'error').length;
            const warnings = own.length - errors;
            return (
              <details key={s.id} className="config-section" data-section={s.id} open={s.open}>
                <summary>
                  <span className="section-title">{s.title}</span>
                  {errors > 0 && <span className="badge bad-badge">{errors} error{errors === 1 ? '' : 's'}</span>}
                  {warnings > 0 && <span className="badge warn-badge">{warnings} warning{warnings === 1 ? '' : 's'}</span>}
                </summary>
                <div className="config-section-body">{s.render()}</div>
              </details>
            );
          })}
        </div>
      </IssuesContext.Provider>
    </section>
  );
}
