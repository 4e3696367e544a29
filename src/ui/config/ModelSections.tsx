/**
 * default_model and the architecture sections (Modified3DUNet, HeMISUnet, FiLMedUnet, resnet18,
 * densenet121, Countception), each with an "applied" switch. As ivadomed, one section at most is
 * applied, Modified3DUNet + FiLMedUnet being the one allowed pair: switching one on switches the
 * others off.
 */
import { describeKey, getPreset, MODEL_SECTIONS, type ModelSection } from '../../config/index';
import { useConfig } from './configStore';
import { IssueList, useIssues } from './Field';
import { ObjectFields } from './ObjectFields';
import { getAt, isPlainObject } from './paths';

const ALLOWED_PAIR: readonly ModelSection[] = ['Modified3DUNet', 'FiLMedUnet'];

/** What a section starts with when first switched on: the preset's values (valid with default_model). */
export function starterSection(name: ModelSection, depth: number, raw: Record<string, unknown>): Record<string, unknown> {
  if (name === 'FiLMedUnet') {
    const threeD = isPlainObject(raw.Modified3DUNet) && raw.Modified3DUNet.applied === true;
    const n = threeD ? 10 : 2 * depth + 2;
    return { applied: true, metadata: 'contrasts', film_layers: Array.from({ length: n }, (_, i) => (i === 1 ? 1 : 0)) };
  }
  if (name === 'HeMISUnet') return { ...(getPreset('hemisunet').file.HeMISUnet as Record<string, unknown>), applied: true };
  if (name === 'Modified3DUNet') return { ...(getPreset('modified3dunet').file.Modified3DUNet as Record<string, unknown>), applied: true };
  return { applied: true };
}

/** Others to switch off when `name` is switched on. */
export function sectionsToSwitchOff(name: ModelSection, raw: Record<string, unknown>): ModelSection[] {
  return MODEL_SECTIONS.filter((s) => {
    if (s === name) return false;
    const sec = raw[s];
    if (!isPlainObject(sec) || sec.applied !== true) return false;
    return !(ALLOWED_PAIR.includes(name) && ALLOWED_PAIR.includes(s));
  });
}

export function ModelSections() {
  const defaultNode = describeKey('default_model')!;
  return (
    <>
      <fieldset className="config-group" data-path="default_model">
        <legend>default_model</legend>
        <p className="field-help">{defaultNode.description}</p>
        <ObjectFields node={defaultNode} path="default_model" />
      </fieldset>
      {MODEL_SECTIONS.map((s) => (
        <ModelVariant key={s} name={s} />
      ))}
    </>
  );
}

function ModelVariant({ name }: { name: ModelSection }) {
  const raw = useConfig((s) => s.raw);
  const setField = useConfig((s) => s.setField);
  const effectiveDepth = useConfig((s) => Number(getAt(s.parsed.config, 'default_model.depth') ?? 3));
  const node = describeKey(name)!;
  const section = raw[name];
  const present = isPlainObject(section);
  const applied = present && section.applied === true;
  const issues = useIssues(name).filter((i) => i.path === name || i.path === `${name}.applied`);
  const toggle = (on: boolean) => {
    if (on) {
      for (const other of sectionsToSwitchOff(name, raw)) setField(`${other}.applied`, false);
      if (present) setField(`${name}.applied`, true);
      else setField(name, starterSection(name, effectiveDepth, raw));
    } else setField(`${name}.applied`, false);
  };
  return (
    <fieldset className={`config-group model-variant${applied ? ' applied' : ''}`} data-path={name} data-testid="model-variant" data-applied={applied ? 'true' : 'false'}>
      <legend>
        <label className="inline switch">
          <input type="checkbox" role="switch" aria-checked={applied} checked={applied} onChange={(e) => toggle(e.target.checked)} aria-label={`${name} applied`} />
          {name}
        </label>
        {applied ? <span className="badge label-badge">applied</span> : present ? <span className="badge">not applied</span> : null}
        {present && !applied && (
          <button type="button" className="link-button" onClick={() => setField(name, undefined)} aria-label={`Remove the ${name} section`}>
            remove section
          </button>
        )}
      </legend>
      <p className="field-help">{node.description}</p>
      <IssueList issues={issues} />
      {present && <ObjectFields node={node} path={name} skip={['applied']} />}
    </fieldset>
  );
}
