/**
 * Text <-> value for the form inputs, by field kind: numbers typed as text ("1e-5"), lists of numbers
 * or strings as comma-separated text, anything else (unions, records, lists of lists) as JSON. An
 * empty input means "key absent": ivadomed then uses its default, shown as the placeholder.
 */
import type { ConfigNode } from '../../config/index';

export type TextEditor = 'number' | 'integer' | 'string' | 'numbers' | 'strings' | 'json';

/** How a node is typed as text (booleans, enums and lists of enums have their own controls). */
export function editorFor(node: ConfigNode): TextEditor {
  if (node.kind === 'number') return 'number';
  if (node.kind === 'integer') return 'integer';
  if (node.kind === 'string') return 'string';
  if (node.kind === 'list' && node.item) {
    if (node.item.kind === 'number' || node.item.kind === 'integer') return 'numbers';
    if (node.item.kind === 'string') return 'strings';
  }
  return 'json';
}

export function formatValue(editor: TextEditor, value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if ((editor === 'numbers' || editor === 'strings') && Array.isArray(value) && value.every((v) => typeof v === (editor === 'numbers' ? 'number' : 'string'))) {
    return value.join(', ');
  }
  if ((editor === 'number' || editor === 'integer') && typeof value === 'number') return String(value);
  if (editor === 'string' && typeof value === 'string') return value;
  return JSON.stringify(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseNumber(s: string): number | null {
  const t = s.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  return Number(t);
}

/**
 * The value typed. Empty text is `undefined` (key removed). Text that does not read as the field's
 * kind is reported here; values of the right kind but out of range are left to the validator, so
 * that its message (which names the key) is the one shown.
 */
export function parseText(editor: TextEditor, text: string, nullable: boolean): Parsed {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  if (nullable && t === 'null') return { ok: true, value: null };
  switch (editor) {
    case 'number':
    case 'integer': {
      const n = parseNumber(t);
      return n === null ? { ok: false, message: `"${t}" is not a number` } : { ok: true, value: n };
    }
    case 'string':
      return { ok: true, value: text };
    case 'numbers': {
      if (t.startsWith('[')) return parseJson(t);
      const parts = t.split(',').map((p) => p.trim());
      const values = parts.map(parseNumber);
      const bad = parts.find((_, i) => values[i] === null);
      return bad !== undefined ? { ok: false, message: `"${bad}" is not a number (write numbers separated by commas)` } : { ok: true, value: values };
    }
    case 'strings': {
      if (t.startsWith('[')) return parseJson(t);
      return { ok: true, value: t.split(',').map((p) => p.trim()).filter((p) => p !== '') };
    }
    case 'json':
      return parseJson(t);
  }
}

function parseJson(t: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false, message: 'not valid JSON (e.g. ["_seg-manual"], 0.5, [[1, 2]])' };
  }
}

/** The placeholder: ivadomed's default (config_default.json, else the code's default). */
export function defaultText(node: ConfigNode, editor: TextEditor, fallback?: unknown): string {
  const d = node.default !== undefined ? node.default : node.codeDefault !== undefined ? node.codeDefault : fallback;
  if (d === undefined) return node.required ? 'required' : '';
  return `default: ${formatValue(editor, d) || '""'}`;
}
