/**
 * transformation and postprocessing: objects whose key order is the order of application. Each entry
 * is a card (move up/down, remove) with its parameters; an "add" select offers the names not used yet.
 * Names the schema does not know stay in place and are reported (ivadomed fails on them).
 */
import { useState } from 'react';
import { describeKey } from '../../config/index';
import { useConfig } from './configStore';
import { IssueList, useIssues } from './Field';
import { ObjectFields, UnknownKey } from './ObjectFields';
import { isPlainObject, moveKey } from './paths';

interface OrderedSectionProps {
  section: 'transformation' | 'postprocessing';
  /** Every name the section accepts, in the order the "add" list shows them. */
  names: readonly string[];
  /** What an entry starts with when added (required parameters filled in). */
  starter: (name: string) => Record<string, unknown>;
  noun: string;
}

export function OrderedSection({ section, names, starter, noun }: OrderedSectionProps) {
  const raw = useConfig((s) => s.raw);
  const setField = useConfig((s) => s.setField);
  const obj = isPlainObject(raw[section]) ? (raw[section] as Record<string, unknown>) : {};
  const entries = Object.keys(obj);
  const available = names.filter((n) => !entries.includes(n));
  const [toAdd, setToAdd] = useState('');
  const add = () => {
    const name = toAdd || available[0];
    if (!name) return;
    setField(section, { ...obj, [name]: starter(name) });
    setToAdd('');
  };
  return (
    <div className="ordered-section" data-testid={`${section}-list`}>
      {entries.length === 0 && <p className="muted">No {noun} (ivadomed's default).</p>}
      <ol className="ordered-entries">
        {entries.map((name, i) => (
          <OrderedEntry
            key={name}
            section={section}
            name={name}
            index={i}
            count={entries.length}
            value={obj[name]}
            onMove={(d) => setField(section, moveKey(obj, name, d))}
            onRemove={() => setField(`${section}.${name}`, undefined)}
          />
        ))}
      </ol>
      <div className="ordered-add">
        <select value={toAdd} onChange={(e) => setToAdd(e.target.value)} aria-label={`${noun} to add`} disabled={available.length === 0}>
          {available.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={add} disabled={available.length === 0}>
          Add {noun.replace(/s$/, '')}
        </button>
      </div>
    </div>
  );
}

function OrderedEntry({ section, name, index, count, value, onMove, onRemove }: { section: string; name: string; index: number; count: number; value: unknown; onMove: (delta: number) => void; onRemove: () => void }) {
  const node = describeKey(`${section}.${name}`);
  const path = `${section}.${name}`;
  const own = useIssues(path).filter((i) => i.path === path && node !== undefined);
  return (
    <li className="ordered-entry" data-testid={`${section}-entry`} data-name={name}>
      <div className="ordered-head">
        <span className="ordered-index">{index + 1}</span>
        <strong>{name}</strong>
        {node?.description && <span className="field-help">{node.description}</span>}
        <span className="ordered-buttons">
          <button type="button" className="icon-button" onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move ${name} up`} title="Move up">
            ↑
          </button>
          <button type="button" className="icon-button" onClick={() => onMove(1)} disabled={index === count - 1} aria-label={`Move ${name} down`} title="Move down">
            ↓
          </button>
          <button type="button" className="icon-button" onClick={onRemove} aria-label={`Remove ${name}`} title="Remove">
            ✕
          </button>
        </span>
      </div>
      <IssueList issues={own} />
      {node && isPlainObject(value) ? <ObjectFields node={node} path={path} /> : !node ? <UnknownKey path={path} value={value} /> : null}
    </li>
  );
}
