/**
 * Navigation of the zod schema tree by key path, used to find the rule behind an error, the sibling
 * keys behind an unknown key, and the fields of describeConfig(). Reads zod v4's public `_zod.def`.
 */
import type * as z from 'zod';
import { metaOf, type FieldMeta } from './fields';

type Schema = z.ZodType;
export type Path = readonly (string | number)[];

interface AnyDef {
  type: string;
  innerType?: Schema;
  shape?: Record<string, Schema>;
  options?: Schema[];
  discriminator?: string;
  element?: Schema;
  items?: Schema[];
  valueType?: Schema;
  in?: Schema;
  values?: unknown[];
  entries?: Record<string, string>;
}

export function defOf(s: Schema): AnyDef {
  return (s as unknown as { _zod: { def: AnyDef } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** The schema under optional/nullable/default wrappers (and the input side of pipes). */
export function unwrap(s: Schema): Schema {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else return cur;
  }
}

/** Metadata of a schema: its own, else the first found under its wrappers. */
export function metaDeep(s: Schema): FieldMeta | undefined {
  let cur: Schema | undefined = s;
  while (cur) {
    const m = metaOf(cur);
    if (m) return m;
    const d = defOf(cur);
    cur = WRAPPERS.has(d.type) ? d.innerType : d.type === 'pipe' ? d.in : undefined;
  }
  return undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isOptional(s: Schema): boolean {
  let cur: Schema | undefined = s;
  while (cur) {
    const d = defOf(cur);
    if (d.type === 'optional' || d.type === 'default') return true;
    cur = WRAPPERS.has(d.type) ? d.innerType : undefined;
  }
  return false;
}

export function isNullable(s: Schema): boolean {
  let cur: Schema | undefined = s;
  while (cur) {
    const d = defOf(cur);
    if (d.type === 'nullable') return true;
    cur = WRAPPERS.has(d.type) ? d.innerType : undefined;
  }
  return false;
}

/** For a discriminated union: the option whose discriminator literal equals raw[discriminator]. */
export function pickVariant(s: Schema, raw: unknown): Schema | undefined {
  const d = defOf(unwrap(s));
  if (d.type !== 'union' || !d.discriminator || !d.options) return undefined;
  if (!isPlainObject(raw)) return undefined;
  const tag = raw[d.discriminator];
  return d.options.find((o) => {
    const field = defOf(o).shape?.[d.discriminator!];
    return field !== undefined && (defOf(unwrap(field)).values ?? []).includes(tag);
  });
}

/** Discriminator values of a discriminated union, in declaration order. */
export function variantNames(s: Schema): string[] {
  const d = defOf(unwrap(s));
  if (d.type !== 'union' || !d.discriminator || !d.options) return [];
  return d.options.flatMap((o) => (defOf(unwrap(defOf(o).shape![d.discriminator!]!)).values ?? []) as string[]);
}

export function discriminatorOf(s: Schema): string | undefined {
  return defOf(unwrap(s)).discriminator;
}

/** Child schema for one step of a path, given the raw value at the parent (to choose union members). */
export function child(s: Schema, key: string | number, raw: unknown): Schema | undefined {
  const u = unwrap(s);
  const d = defOf(u);
  switch (d.type) {
    case 'object':
      return typeof key === 'string' ? d.shape?.[key] : undefined;
    case 'array':
      return d.element;
    case 'tuple':
      return typeof key === 'number' ? d.items?.[key] : undefined;
    case 'record':
      return d.valueType;
    case 'union': {
      const variant = pickVariant(u, raw);
      if (variant) return child(variant, key, raw);
      // Plain union: the first member that has such a child (e.g. the list side of "string or list").
      for (const o of d.options ?? []) {
        const od = defOf(unwrap(o));
        if (typeof key === 'number' && od.type !== 'array' && od.type !== 'tuple') continue;
        if (typeof key === 'string' && od.type !== 'object' && od.type !== 'record') continue;
        const c = child(o, key, raw);
        if (c) return c;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

export function valueAt(root: unknown, path: Path): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (Array.isArray(cur) && typeof k === 'number') cur = cur[k];
    else if (isPlainObject(cur) && typeof k === 'string') cur = cur[k];
    else return undefined;
  }
  return cur;
}

export function schemaAt(root: Schema, path: Path, rawRoot: unknown): Schema | undefined {
  let s: Schema | undefined = root;
  for (let i = 0; i < path.length && s; i++) {
    s = child(s, path[i]!, valueAt(rawRoot, path.slice(0, i)));
  }
  return s;
}

/** "a.b[2].c" */
export function formatPath(path: Path): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? k : `.${k}`;
  }
  return out === '' ? '(root)' : out;
}
