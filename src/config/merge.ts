/**
 * ivadomed's config_manager.update(): the user's config is merged recursively into the defaults.
 * - a user object merges into the default object of the same key (or into {} if there is none);
 * - a user scalar/list replaces the default, EXCEPT where the default is an object and the user gives
 *   a non-object: then ivadomed keeps the default object (we do the same and report it).
 */
import { isPlainObject } from './walk';

export interface MergeReport {
  /** Paths where a non-object user value was dropped because the default is an object. */
  droppedScalars: { path: (string | number)[]; value: unknown }[];
  /** Paths of keys that came from the defaults only (ivadomed logs these when debugging). */
  addedDefaults: string[];
}

export function mergeIntoDefaults(
  defaults: Record<string, unknown>,
  user: Record<string, unknown>,
  report: MergeReport = { droppedScalars: [], addedDefaults: [] },
  path: string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = defaults;
  for (const [key, value] of Object.entries(user)) {
    if (isPlainObject(value)) {
      const base = isPlainObject(out[key]) ? (out[key] as Record<string, unknown>) : {};
      out[key] = mergeIntoDefaults(base, value, report, [...path, key]);
    } else if (key in out && isPlainObject(out[key])) {
      report.droppedScalars.push({ path: [...path, key], value });
    } else {
      out[key] = value;
    }
  }
  for (const key of Object.keys(defaults)) {
    if (!(key in user)) report.addedDefaults.push([...path, key].join('.'));
  }
  return out;
}
