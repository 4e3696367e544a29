/**
 * Reading and writing nested keys of a config object by path, without mutating it (the store keeps
 * every version immutable so React sees each change). Paths are dotted strings
 * ("training_parameters.batch_size") or arrays of keys; config keys never contain dots.
 */

export type KeyPath = string | readonly string[];

export function toKeys(path: KeyPath): string[] {
  if (typeof path !== 'string') return [...path];
  return path === '' ? [] : path.split('.');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `path`, or undefined when a key on the way is absent. */
export function getAt(obj: unknown, path: KeyPath): unknown {
  let cur: unknown = obj;
  for (const k of toKeys(path)) {
    if (!isPlainObject(cur) || !(k in cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** True when every key of `path` is present (a null value counts as present). */
export function hasAt(obj: unknown, path: KeyPath): boolean {
  const keys = toKeys(path);
  let cur: unknown = obj;
  for (const k of keys) {
    if (!isPlainObject(cur) || !(k in cur)) return false;
    cur = cur[k];
  }
  return true;
}

/**
 * A copy of `obj` with `value` at `path` (objects created on the way, key order kept); `undefined`
 * removes the key, so that ivadomed's default applies again.
 */
export function setAt(obj: Record<string, unknown>, path: KeyPath, value: unknown): Record<string, unknown> {
  const keys = toKeys(path);
  if (keys.length === 0) {
    if (!isPlainObject(value)) throw new Error('setAt: the root of a config must be an object.');
    return value;
  }
  const [head, ...rest] = keys as [string, ...string[]];
  const out: Record<string, unknown> = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[head];
    else out[head] = value;
    return out;
  }
  const child = isPlainObject(obj[head]) ? (obj[head] as Record<string, unknown>) : {};
  out[head] = setAt(child, rest, value);
  return out;
}

/** The object with its keys in `order` (keys not listed keep their place after the listed ones). */
export function reorderKeys(obj: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in obj) out[k] = obj[k];
  for (const [k, v] of Object.entries(obj)) if (!(k in out)) out[k] = v;
  return out;
}

/** Moves key `key` of an ordered object by `delta` places (transformation, postprocessing). */
export function moveKey(obj: Record<string, unknown>, key: string, delta: number): Record<string, unknown> {
  const keys = Object.keys(obj);
  const i = keys.indexOf(key);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= keys.length) return obj;
  keys.splice(i, 1);
  keys.splice(j, 0, key);
  return reorderKeys(obj, keys);
}

/**
 * Whether an issue path ("transformation.CenterCrop.size[0]") belongs to the field at `path`:
 * the same key, or an element of it.
 */
export function issueBelongsTo(issuePath: string, path: string): boolean {
  return issuePath === path || issuePath.startsWith(`${path}[`);
}
