/**
 * Schema validation with messages that name the key path, the value given and what is allowed:
 *   "training_parameters.batch_size: got -2; must be an integer >= 1".
 * All problems are collected (zod does not stop at the first); one message per key path.
 */
import type * as z from 'zod';
import { closest, issue, mustBe, showValue, type ConfigIssue } from './issues';
import { discriminatorOf, metaDeep, schemaAt, valueAt, variantNames, type Path } from './walk';

function hasKey(root: unknown, path: Path): boolean {
  if (path.length === 0) return true;
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) return typeof last === 'number' && last < parent.length;
  return typeof parent === 'object' && parent !== null && Object.prototype.hasOwnProperty.call(parent, last);
}

function describeIssue(root: z.ZodType, raw: unknown, zi: z.core.$ZodIssue): ConfigIssue {
  const path = zi.path.filter((k): k is string | number => typeof k === 'string' || typeof k === 'number');
  const value = valueAt(raw, path);
  const schema = schemaAt(root, path, raw);

  // A "name"-selected union (loss, lr_scheduler) whose name matches no member: report the name
  // against every member's name (zod reports it at the union or at its "name" key).
  const last = path[path.length - 1];
  const parentSchema = path.length > 0 ? schemaAt(root, path.slice(0, -1), raw) : undefined;
  if (parentSchema && typeof last === 'string' && discriminatorOf(parentSchema) === last) {
    return discriminatorIssue(parentSchema, path.slice(0, -1), valueAt(raw, path.slice(0, -1)));
  }
  if (schema && zi.code === 'invalid_union' && discriminatorOf(schema) !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return mustBe(path, value, metaDeep(schema)?.allowed ?? 'an object', hasKey(raw, path));
    }
    return discriminatorIssue(schema, path, value);
  }

  const meta = schema ? metaDeep(schema) : undefined;
  if (zi.code === 'custom' && meta) {
    return issue(path, `got ${showValue(value)}; must be ${meta.allowed} (${zi.message})`);
  }
  if (meta) {
    const present = hasKey(raw, path);
    if (zi.code === 'invalid_value' && typeof value === 'string' && 'values' in zi) {
      const suggestion = closest(value, (zi.values as unknown[]).filter((v): v is string => typeof v === 'string'));
      const base = mustBe(path, value, meta.allowed, present);
      return suggestion !== undefined ? { ...base, message: `${base.message} (did you mean "${suggestion}"?)`, suggestion } : base;
    }
    return mustBe(path, value, meta.allowed, present);
  }
  return issue(path, `got ${showValue(value)}; ${zi.message}`);
}

function discriminatorIssue(union: z.ZodType, unionPath: Path, value: unknown): ConfigIssue {
  const disc = discriminatorOf(union)!;
  const names = variantNames(union);
  const given = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[disc] : undefined;
  const suggestion = typeof given === 'string' ? closest(given, names) : undefined;
  const allowed = `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`;
  const hint = suggestion !== undefined ? ` (did you mean "${suggestion}"?)` : '';
  const namePath = [...unionPath, disc];
  const base =
    given === undefined ? issue(namePath, `missing; must be ${allowed}`) : issue(namePath, `got ${showValue(given)}; must be ${allowed}${hint}`);
  return suggestion !== undefined ? { ...base, suggestion } : base;
}

export function schemaErrors(root: z.ZodType, raw: unknown): ConfigIssue[] {
  const result = root.safeParse(raw);
  if (result.success) return [];
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const zi of result.error.issues) {
    const ci = describeIssue(root, raw, zi);
    if (seen.has(ci.path)) continue;
    seen.add(ci.path);
    out.push(ci);
  }
  return out;
}
