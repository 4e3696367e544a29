/**
 * Metadata for forms: a tree mirroring the config, one node per key, with its description, what it
 * allows, ivadomed's default, and the structure needed to render an input (enum values, ranges, list
 * items, the variants of "name"-selected objects, ordered sections). Built from the same schema that
 * validates, so the form and the validator cannot disagree.
 */
import type * as z from 'zod';
import { IVADOMED_DEFAULTS } from './defaults';
import { IvadomedConfigSchema } from './schema';
import { defOf, isNullable, isOptional, isPlainObject, metaDeep, unwrap } from './walk';

export type FieldKind = 'object' | 'boolean' | 'integer' | 'number' | 'string' | 'enum' | 'literal' | 'list' | 'union' | 'record' | 'choice';

export interface ConfigNode {
  key: string;
  /** Dotted path from the root ("" for the root). Inside a choice variant, paths are those of the chosen object. */
  path: string;
  kind: FieldKind;
  description: string;
  /** What the value may be, as in error messages ("an integer >= 1"). */
  allowed: string;
  /** False when the key may be absent (ivadomed then applies `codeDefault`). */
  required: boolean;
  nullable: boolean;
  /** Value in ivadomed's config_default.json, when the key is there. */
  default?: unknown;
  /** Value ivadomed's code uses when the key is absent (keys not in config_default.json). */
  codeDefault?: unknown;
  /** Read but not used (kept so files round-trip). */
  ignored?: boolean;
  enumValues?: readonly (string | number | boolean | null)[];
  min?: number;
  max?: number;
  /** List element, for kind "list". */
  item?: ConfigNode;
  /** Fields, for kind "object". */
  children?: ConfigNode[];
  /** kind "choice": one object per value of `discriminator` (loss, lr_scheduler). */
  discriminator?: string;
  variants?: { name: string; node: ConfigNode }[];
  /** True for objects whose key order is meaningful (transformation, postprocessing): every child is an optional entry. */
  ordered?: boolean;
}

const ORDERED_SECTIONS = new Set(['transformation', 'postprocessing']);

function defaultAt(path: string[]): unknown {
  let cur: unknown = IVADOMED_DEFAULTS;
  for (const k of path) {
    if (!isPlainObject(cur) || !(k in cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function build(schema: z.ZodType, key: string, path: string[], inDefaults: boolean): ConfigNode {
  const meta = metaDeep(schema);
  const inner = unwrap(schema);
  const d = defOf(inner);
  const node: ConfigNode = {
    key,
    path: path.join('.'),
    kind: 'union',
    description: meta?.description ?? '',
    allowed: meta?.allowed ?? '',
    required: !isOptional(schema),
    nullable: isNullable(schema),
  };
  const dv = inDefaults ? defaultAt(path) : undefined;
  if (dv !== undefined) node.default = structuredClone(dv);
  if (meta?.codeDefault !== undefined) node.codeDefault = structuredClone(meta.codeDefault);
  if (meta?.ignored) node.ignored = true;

  switch (d.type) {
    case 'object': {
      node.kind = 'object';
      node.children = Object.entries(d.shape ?? {}).map(([k, s]) => build(s, k, [...path, k], inDefaults && dv !== undefined));
      if (ORDERED_SECTIONS.has(key) && path.length === 1) node.ordered = true;
      break;
    }
    case 'boolean':
      node.kind = 'boolean';
      break;
    case 'string':
      node.kind = 'string';
      break;
    case 'number': {
      const n = inner as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
      node.kind = n.isInt ? 'integer' : 'number';
      if (n.minValue !== null && Number.isFinite(n.minValue)) node.min = n.minValue;
      if (n.maxValue !== null && Number.isFinite(n.maxValue)) node.max = n.maxValue;
      break;
    }
    case 'enum':
      node.kind = 'enum';
      node.enumValues = Object.values(d.entries ?? {});
      break;
    case 'literal':
      node.kind = 'literal';
      node.enumValues = (d.values ?? []) as (string | number)[];
      break;
    case 'array':
      node.kind = 'list';
      if (d.element) node.item = build(d.element, '[]', [...path, '[]'], false);
      break;
    case 'record':
      node.kind = 'record';
      break;
    case 'union': {
      if (d.discriminator && d.options) {
        node.kind = 'choice';
        node.discriminator = d.discriminator;
        node.variants = d.options.map((o) => {
          const lit = defOf(unwrap(defOf(o).shape![d.discriminator!]!)).values?.[0] as string;
          const v = build(o, key, path, false);
          return { name: lit, node: v };
        });
      } else {
        node.kind = 'union';
      }
      break;
    }
    default:
      node.kind = 'union';
  }
  return node;
}

let cached: ConfigNode | undefined;

/** The whole tree (built once; treat as read-only). */
export function describeConfig(): ConfigNode {
  cached ??= build(IvadomedConfigSchema, '', [], true);
  return cached;
}

/** The node of one key, e.g. describeKey("training_parameters.batch_size"). */
export function describeKey(path: string): ConfigNode | undefined {
  let node: ConfigNode | undefined = describeConfig();
  if (path === '') return node;
  for (const k of path.split('.')) {
    node = node?.children?.find((c) => c.key === k);
  }
  return node;
}

/** Every leaf (non-object) node, depth first: handy for tables and for tests. */
export function listFields(node: ConfigNode = describeConfig()): ConfigNode[] {
  if (node.kind === 'object' && node.children) return node.children.flatMap((c) => listFields(c));
  return [node];
}
