/**
 * The keys of one config object, generated from its schema node: leaves as Field rows, nested objects
 * as fieldsets, "name"-selected objects (loss, lr_scheduler) as a name select plus that variant's
 * keyword arguments, then any key the schema does not know (reported, kept on export, removable).
 */
import type { ConfigNode } from '../../config/index';
import { useConfig } from './configStore';
import { Field, IssueList, useIssues } from './Field';
import { getAt, isPlainObject } from './paths';

interface ObjectFieldsProps {
  node: ConfigNode;
  path: string;
  /** Child keys not to render here (shown elsewhere, e.g. "applied" in a model section header). */
  skip?: readonly string[];
}

export function ObjectFields({ node, path, skip = [] }: ObjectFieldsProps) {
  const raw = useConfig((s) => s.raw);
  const effectiveRoot = useConfig((s) => s.parsed.config);
  const setField = useConfig((s) => s.setField);
  const children = (node.children ?? []).filter((c) => !skip.includes(c.key));
  const known = new Set((node.children ?? []).map((c) => c.key));
  const rawObj = getAt(raw, path);
  const unknown = isPlainObject(rawObj) ? Object.keys(rawObj).filter((k) => !known.has(k)) : [];
  return (
    <>
      {children.map((c) => {
        const p = path ? `${path}.${c.key}` : c.key;
        if (c.kind === 'object') {
          return (
            <fieldset key={c.key} className="config-group" data-path={p}>
              <legend title={c.description}>{c.key}</legend>
              {c.description && <p className="field-help">{c.description}</p>}
              <GroupIssues path={p} />
              <ObjectFields node={c} path={p} />
            </fieldset>
          );
        }
        if (c.kind === 'choice') return <ChoiceField key={c.key} node={c} path={p} />;
        return <Field key={c.key} node={c} path={p} value={getAt(raw, p)} effective={getAt(effectiveRoot, p)} onChange={(v) => setField(p, v)} />;
      })}
      {unknown.map((k) => (
        <UnknownKey key={k} path={path ? `${path}.${k}` : k} value={(rawObj as Record<string, unknown>)[k]} />
      ))}
    </>
  );
}

/** Issues about the object itself (e.g. "missing"), not one of its keys. */
function GroupIssues({ path }: { path: string }) {
  const issues = useIssues(path).filter((i) => i.path === path);
  return <IssueList issues={issues} />;
}

/** loss / lr_scheduler: the variant chosen by "name", then its keyword arguments. */
function ChoiceField({ node, path }: { node: ConfigNode; path: string }) {
  const raw = useConfig((s) => s.raw);
  const effectiveRoot = useConfig((s) => s.parsed.config);
  const setField = useConfig((s) => s.setField);
  const disc = node.discriminator ?? 'name';
  const effective = getAt(effectiveRoot, path);
  const name = isPlainObject(effective) ? effective[disc] : undefined;
  const variant = node.variants?.find((v) => v.name === name);
  const defaults = isPlainObject(node.default) && node.default[disc] === name ? node.default : {};
  const issues = useIssues(`${path}.${disc}`);
  return (
    <fieldset className="config-group" data-path={path}>
      <legend title={node.description}>{node.key}</legend>
      {node.description && <p className="field-help">{node.description}</p>}
      <div className="field" data-path={`${path}.${disc}`} data-kind="choice">
        <label className="field-key" htmlFor={`${path}-${disc}`}>
          {disc}
        </label>
        <div className="field-body">
          <select
            id={`${path}-${disc}`}
            value={typeof name === 'string' ? name : ''}
            // A new name starts from its own defaults: the previous variant's arguments may not exist in it.
            onChange={(e) => setField(path, { [disc]: e.target.value })}
          >
            {!variant && <option value="">{`${JSON.stringify(name)} (unknown)`}</option>}
            {node.variants?.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
          <IssueList issues={issues} />
          {variant?.node.description && <p className="field-help">{variant.node.description}</p>}
        </div>
      </div>
      {variant &&
        (variant.node.children ?? [])
          .filter((c) => c.key !== disc)
          .map((c) => {
            const p = `${path}.${c.key}`;
            return <Field key={`${String(name)}.${c.key}`} node={c} path={p} value={getAt(raw, p)} effective={getAt(effectiveRoot, p)} onChange={(v) => setField(p, v)} fallbackDefault={defaults[c.key]} />;
          })}
      {variant && <UnknownChoiceKeys node={variant.node} path={path} disc={disc} />}
    </fieldset>
  );
}

function UnknownChoiceKeys({ node, path, disc }: { node: ConfigNode; path: string; disc: string }) {
  const raw = useConfig((s) => s.raw);
  const known = new Set([disc, ...(node.children ?? []).map((c) => c.key)]);
  const obj = getAt(raw, path);
  if (!isPlainObject(obj)) return null;
  return (
    <>
      {Object.keys(obj)
        .filter((k) => !known.has(k))
        .map((k) => (
          <UnknownKey key={k} path={`${path}.${k}`} value={obj[k]} />
        ))}
    </>
  );
}

/** A key the schema does not know: shown with its value and the validator's message, kept unless removed. */
export function UnknownKey({ path, value }: { path: string; value: unknown }) {
  const setField = useConfig((s) => s.setField);
  const issues = useIssues(path);
  const key = path.split('.').pop()!;
  return (
    <div className="field unknown-key" data-path={path} data-testid="unknown-key">
      <span className="field-key" title={path}>
        {key}
      </span>
      <div className="field-body">
        <code className="unknown-value">{JSON.stringify(value)}</code>{' '}
        <span className="badge warn-badge">unknown key · kept on export</span>{' '}
        <button type="button" className="link-button" onClick={() => setField(path, undefined)} aria-label={`Remove ${path}`}>
          remove
        </button>
        <IssueList issues={issues} />
      </div>
    </div>
  );
}
