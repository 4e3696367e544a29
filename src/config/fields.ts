/**
 * Field builders: each returns a zod schema and records, in `fieldMeta`, a human sentence of what the
 * field allows ("an integer >= 1") plus its description and ivadomed's code default. Error messages,
 * the forms metadata (describeConfig) and the docs all read this one registry, so the wording of a
 * rule is written once, next to the rule.
 */
import * as z from 'zod';

export interface FieldMeta {
  /** One-line description, from ivadomed's configuration_file.rst (INVENTORY §a). */
  description: string;
  /** What the value may be, phrased to follow "must be ...". */
  allowed: string;
  /**
   * Default that ivadomed's code applies when the key is absent and config_default.json has no
   * entry for it (INVENTORY §a.3). Keys of config_default.json take their default from IVADOMED_DEFAULTS.
   */
  codeDefault?: unknown;
  /** True where ivadomed reads the key but ignores its value (kept for compatibility). */
  ignored?: boolean;
  /**
   * For objects whose keys ivadomed turns into code — transform names, postprocessing steps, keyword
   * arguments of a constructor — an unknown key makes ivadomed fail, so it is an error here; the text
   * names what such a key is ("transform", "parameter of Resample"). Elsewhere unknown keys are warnings.
   */
  strictKeys?: string;
}

export const fieldMeta = z.registry<FieldMeta>();

export type Doc = string | { description?: string; codeDefault?: unknown; ignored?: boolean; strictKeys?: string };

function docOf(d: Doc | undefined): Omit<FieldMeta, 'allowed'> {
  if (d === undefined) return { description: '' };
  if (typeof d === 'string') return { description: d };
  const out: Omit<FieldMeta, 'allowed'> = { description: d.description ?? '' };
  if (d.codeDefault !== undefined) out.codeDefault = d.codeDefault;
  if (d.ignored !== undefined) out.ignored = d.ignored;
  if (d.strictKeys !== undefined) out.strictKeys = d.strictKeys;
  return out;
}

/** Attach metadata to any schema (used for hand-written unions). */
export function withMeta<T extends z.ZodType>(schema: T, allowed: string, d?: Doc): T {
  fieldMeta.add(schema, { ...docOf(d), allowed });
  return schema;
}

export function metaOf(schema: z.ZodType): FieldMeta | undefined {
  return fieldMeta.get(schema);
}

function rangeText(kind: 'an integer' | 'a number', o: NumOpts): string {
  if (o.min !== undefined && o.max !== undefined) return `${kind} in [${o.min}, ${o.max}]`;
  if (o.gt !== undefined && o.max !== undefined) return `${kind} in (${o.gt}, ${o.max}]`;
  if (o.gt !== undefined && o.lt !== undefined) return `${kind} in (${o.gt}, ${o.lt})`;
  if (o.min !== undefined && o.lt !== undefined) return `${kind} in [${o.min}, ${o.lt})`;
  if (o.min !== undefined) return `${kind} >= ${o.min}`;
  if (o.gt !== undefined) return `${kind} > ${o.gt}`;
  if (o.max !== undefined) return `${kind} <= ${o.max}`;
  if (o.lt !== undefined) return `${kind} < ${o.lt}`;
  return kind;
}

export interface NumOpts {
  min?: number;
  max?: number;
  gt?: number;
  lt?: number;
}

function applyRange(s: z.ZodNumber, o: NumOpts): z.ZodNumber {
  let r = s;
  if (o.min !== undefined) r = r.min(o.min);
  if (o.max !== undefined) r = r.max(o.max);
  if (o.gt !== undefined) r = r.gt(o.gt);
  if (o.lt !== undefined) r = r.lt(o.lt);
  return r;
}

export function int(o: NumOpts = {}, d?: Doc): z.ZodNumber {
  return withMeta(applyRange(z.number().int(), o), rangeText('an integer', o), d);
}

export function num(o: NumOpts = {}, d?: Doc): z.ZodNumber {
  return withMeta(applyRange(z.number(), o), rangeText('a number', o), d);
}

export function bool(d?: Doc): z.ZodBoolean {
  return withMeta(z.boolean(), 'true or false', d);
}

export function str(d?: Doc, o: { nonEmpty?: boolean } = {}): z.ZodString {
  const s = o.nonEmpty ? z.string().min(1) : z.string();
  return withMeta(s, o.nonEmpty ? 'a non-empty string' : 'a string', d);
}

export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, d?: Doc): z.ZodEnum<{ [K in T[number]]: K }> {
  return withMeta(z.enum(values), `one of ${quoteList(values)}`, d);
}

export function literal<const T extends string>(value: T, d?: Doc): z.ZodLiteral<T> {
  return withMeta(z.literal(value), JSON.stringify(value), d);
}

export interface ListOpts {
  length?: number;
  min?: number;
  max?: number;
}

function countText(o: ListOpts): string {
  if (o.length !== undefined) return `a list of ${o.length} items`;
  if (o.min !== undefined && o.max !== undefined) {
    return o.min === o.max ? `a list of ${o.min} items` : `a list of ${o.min} to ${o.max} items`;
  }
  if (o.min !== undefined) return o.min === 1 ? 'a non-empty list' : `a list of at least ${o.min} items`;
  if (o.max !== undefined) return `a list of at most ${o.max} items`;
  return 'a list';
}

export function list<T extends z.ZodType>(item: T, o: ListOpts = {}, d?: Doc): z.ZodArray<T> {
  let s = z.array(item);
  if (o.length !== undefined) s = s.length(o.length);
  if (o.min !== undefined) s = s.min(o.min);
  if (o.max !== undefined) s = s.max(o.max);
  const itemAllowed = metaOf(item)?.allowed ?? 'a value';
  return withMeta(s, `${countText(o)}, each ${itemAllowed}`, d);
}

export function nullable<T extends z.ZodType>(inner: T, d?: Doc): z.ZodNullable<T> {
  const m = metaOf(inner);
  const base: Omit<FieldMeta, 'allowed'> = d === undefined ? { description: m?.description ?? '' } : docOf(d);
  if (d === undefined && m?.codeDefault !== undefined) base.codeDefault = m.codeDefault;
  if (d === undefined && m?.ignored !== undefined) base.ignored = m.ignored;
  const s = inner.nullable();
  const innerAllowed = m?.allowed ?? 'a value';
  // "a list ..., each X, or null": the comma keeps "or null" from reading as part of the item rule.
  fieldMeta.add(s, { ...base, allowed: `${innerAllowed}${innerAllowed.includes(', each ') ? ',' : ''} or null` });
  return s;
}

/** A key that may be absent; `codeDefault` is what ivadomed's code uses then. */
export function optional<T extends z.ZodType>(inner: T, d?: Doc): z.ZodOptional<T> {
  const m = metaOf(inner);
  const extra: Partial<FieldMeta> = d === undefined ? {} : docOf(d);
  const meta: FieldMeta = { description: extra.description || m?.description || '', allowed: m?.allowed ?? 'a value' };
  // `in`, not `??`: a code default of null is a value.
  const codeDefault = 'codeDefault' in extra ? extra.codeDefault : m?.codeDefault;
  const ignored = extra.ignored ?? m?.ignored;
  if (codeDefault !== undefined) meta.codeDefault = codeDefault;
  if (ignored !== undefined) meta.ignored = ignored;
  const s = inner.optional();
  fieldMeta.add(s, meta);
  return s;
}

/** A section whose unknown keys are errors (see FieldMeta.strictKeys). */
export function strictSection<S extends z.core.$ZodLooseShape>(shape: S, description: string, keyKind: string): z.ZodObject<S, z.core.$loose> {
  return withMeta(z.looseObject(shape), 'an object', { description, strictKeys: keyKind });
}

/**
 * A section of the config. Loose: keys we do not know are kept (ivadomed keeps them too and writes
 * them back into config_file.json); they are reported as warnings by the unknown-key walker.
 */
export function section<S extends z.core.$ZodLooseShape>(shape: S, d?: Doc): z.ZodObject<S, z.core.$loose> {
  return withMeta(z.looseObject(shape), 'an object', d);
}
