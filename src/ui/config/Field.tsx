/**
 * One config key as a form row: its input (by kind), ivadomed's default as the placeholder, the
 * description as help text, and the validator's messages for that key right below it.
 */
import { createContext, useContext, useEffect, useId, useState } from 'react';
import type { ConfigIssue, ConfigNode } from '../../config/index';
import { defaultText, editorFor, formatValue, parseText } from './fieldText';
import { issueBelongsTo } from './paths';

export interface ShownIssue extends ConfigIssue {
  severity: 'error' | 'warning';
}

/** Every error and warning of the current parse, for the rows to pick theirs. */
export const IssuesContext = createContext<ShownIssue[]>([]);

export function useIssues(path: string): ShownIssue[] {
  return useContext(IssuesContext).filter((i) => issueBelongsTo(i.path, path));
}

export function IssueList({ issues }: { issues: ShownIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="field-issues">
      {issues.map((i) => (
        <li key={i.message} className={i.severity === 'error' ? 'field-error' : 'field-warning'} data-testid={i.severity === 'error' ? 'field-error' : 'field-warning'} data-issue-path={i.path}>
          {i.message}
        </li>
      ))}
    </ul>
  );
}

interface FieldProps {
  node: ConfigNode;
  /** Dotted path of the key in the config. */
  path: string;
  /** The user's value (undefined: absent, the default applies). */
  value: unknown;
  /** The value in effect (the user's, else the default), for checkboxes and selects. */
  effective: unknown;
  onChange: (value: unknown) => void;
  /** Placeholder default when the node carries none (variants of loss / lr_scheduler). */
  fallbackDefault?: unknown;
  /** Shown instead of the key (e.g. "applied to"). */
  label?: string;
}

export function Field({ node, path, value, effective, onChange, fallbackDefault, label }: FieldProps) {
  const id = useId();
  const issues = useIssues(path);
  const hasError = issues.some((i) => i.severity === 'error');
  const [localError, setLocalError] = useState<string | null>(null);
  const help = [node.description, node.allowed && `Allowed: ${node.allowed}.`, node.ignored ? 'Read but not used by ivadomed-web (kept on export).' : ''].filter(Boolean).join(' ');

  let control: React.ReactNode;
  if (node.kind === 'boolean') {
    control = <input id={id} type="checkbox" checked={effective === true} onChange={(e) => onChange(e.target.checked)} aria-invalid={hasError || undefined} />;
  } else if (node.kind === 'enum' || node.kind === 'literal') {
    control = <EnumSelect id={id} node={node} value={value} onChange={onChange} invalid={hasError} fallbackDefault={fallbackDefault} />;
  } else if (node.kind === 'list' && node.item && (node.item.kind === 'enum' || node.item.kind === 'literal') && node.item.enumValues) {
    control = <MultiSelect node={node} values={Array.isArray(effective) ? effective : []} onChange={onChange} label={label ?? node.key} />;
  } else {
    control = <TextField id={id} node={node} value={value} onChange={onChange} invalid={hasError || localError !== null} onLocalError={setLocalError} fallbackDefault={fallbackDefault} />;
  }
  return (
    <div className={`field${hasError || localError ? ' invalid' : ''}`} data-path={path} data-kind={node.kind}>
      <label htmlFor={id} className="field-key" title={path}>
        {label ?? node.key}
        {node.required && value === undefined && node.default === undefined && node.codeDefault === undefined ? <span className="required" title="required"> *</span> : null}
      </label>
      <div className="field-body">
        {control}
        {localError && (
          <p className="field-error" data-testid="field-error" data-issue-path={path}>
            {path}: {localError}
          </p>
        )}
        <IssueList issues={issues} />
        {help && <p className="field-help">{help}</p>}
      </div>
    </div>
  );
}

function EnumSelect({ id, node, value, onChange, invalid, fallbackDefault }: { id: string; node: ConfigNode; value: unknown; onChange: (v: unknown) => void; invalid: boolean; fallbackDefault?: unknown }) {
  const values = node.enumValues ?? [];
  const def = node.default !== undefined ? node.default : node.codeDefault !== undefined ? node.codeDefault : fallbackDefault;
  const known = values.some((v) => v === value);
  const key = (v: unknown) => JSON.stringify(v);
  return (
    <select id={id} value={value === undefined ? '' : key(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : JSON.parse(e.target.value))} aria-invalid={invalid || undefined}>
      {(def !== undefined || !node.required) && <option value="">{def !== undefined ? `default (${String(def)})` : '(not set)'}</option>}
      {node.required && def === undefined && value === undefined && <option value="">choose…</option>}
      {values.map((v) => (
        <option key={key(v)} value={key(v)}>
          {String(v)}
        </option>
      ))}
      {value !== undefined && !known && <option value={key(value)}>{`${String(JSON.stringify(value))} (not allowed)`}</option>}
    </select>
  );
}

function MultiSelect({ node, values, onChange, label }: { node: ConfigNode; values: unknown[]; onChange: (v: unknown) => void; label: string }) {
  const options = node.item!.enumValues!;
  return (
    <div className="multi-select" role="group" aria-label={label}>
      {options.map((o) => (
        <label key={String(o)} className="inline">
          <input
            type="checkbox"
            checked={values.includes(o)}
            onChange={(e) => {
              const next = e.target.checked ? options.filter((x) => x === o || values.includes(x)) : values.filter((x) => x !== o);
              onChange(next);
            }}
          />
          {String(o)}
        </label>
      ))}
    </div>
  );
}

function TextField({
  id,
  node,
  value,
  onChange,
  invalid,
  onLocalError,
  fallbackDefault,
}: {
  id: string;
  node: ConfigNode;
  value: unknown;
  onChange: (v: unknown) => void;
  invalid: boolean;
  onLocalError: (m: string | null) => void;
  fallbackDefault?: unknown;
}) {
  const editor = editorFor(node);
  const [text, setText] = useState(() => formatValue(editor, value));
  // A value changed elsewhere (preset, import, reorder) replaces the text unless the text already means it.
  useEffect(() => {
    const p = parseText(editor, text, node.nullable);
    if (!p.ok || JSON.stringify(p.value) !== JSON.stringify(value)) {
      setText(formatValue(editor, value));
      onLocalError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(value)]);
  return (
    <input
      id={id}
      type="text"
      className={editor === 'json' ? 'json-input' : undefined}
      inputMode={editor === 'number' ? 'decimal' : editor === 'integer' ? 'numeric' : undefined}
      value={text}
      placeholder={defaultText(node, editor, fallbackDefault)}
      aria-invalid={invalid || undefined}
      spellCheck={false}
      onChange={(e) => {
        setText(e.target.value);
        const p = parseText(editor, e.target.value, node.nullable);
        if (p.ok) {
          onLocalError(null);
          onChange(p.value);
        } else onLocalError(p.message);
      }}
    />
  );
}
