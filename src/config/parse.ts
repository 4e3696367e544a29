/**
 * parseConfig: ivadomed's resolution of a config file (INVENTORY §a.1) plus validation.
 *   1. JSON text -> object (a parse error names the line and column);
 *   2. migrations of old keys (migrate.ts);
 *   3. deep merge into config_default.json (merge.ts);
 *   4. split_dataset old-key conversion;
 *   5. command-line overrides (command, path_data, path_output);
 *   6. schema validation (every error, with path, value and rule), unknown-key warnings, cross-key checks.
 * serializeConfig writes the resolved config back as JSON; parse(serialize(parse(x))) equals parse(x).
 */
import { IVADOMED_DEFAULTS, defaultsCopy } from './defaults';
import { crossCheck } from './crosscheck';
import { issue, showValue, type ConfigIssue } from './issues';
import { locateJsonError } from './jsonpos';
import { mergeIntoDefaults, type MergeReport } from './merge';
import { migrateSplitDataset, migrateUserConfig, type MigrationNote } from './migrate';
import { IvadomedConfigSchema, type Command, type IvadomedConfig } from './schema';
import { findUnknownKeys } from './unknown';
import { schemaErrors } from './validate';
import { isPlainObject } from './walk';

/** The command-line options of `ivadomed` that override the file (`--train|--test|--segment`, `-pd`, `-po`). */
export interface ConfigOverrides {
  command?: Command;
  /** `-pd/--path-data`: one or more BIDS folders (ivadomed stores the list as given). */
  path_data?: string | string[];
  /** `-po/--path-output`. */
  path_output?: string;
}

export interface ParseOptions {
  overrides?: ConfigOverrides;
}

export interface ParseResult {
  /**
   * The resolved config (defaults merged, migrated, overrides applied), in the user's key order, with
   * unknown keys kept. It matches the IvadomedConfig type only when `errors` is empty; it is returned
   * either way so that a form can show the values next to their errors.
   */
  config: IvadomedConfig;
  ok: boolean;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  migrations: MigrationNote[];
  /** Top-level-first paths of keys that came only from config_default.json (ivadomed logs them when debugging). */
  addedDefaults: string[];
}

function jsonError(text: string, e: unknown): ConfigIssue {
  const at = locateJsonError(text);
  const where = at ? ` at line ${at.line}, column ${at.column} (near ${JSON.stringify(text.slice(at.index, at.index + 12))})` : '';
  const msg = e instanceof Error ? e.message : String(e);
  return { path: '(root)', message: `(root): the file is not valid JSON${where}: ${msg.split('\n')[0]}. ivadomed config files are JSON (YAML is not supported).` };
}

function failed(error: ConfigIssue): ParseResult {
  return {
    config: defaultsCopy() as unknown as IvadomedConfig,
    ok: false,
    errors: [error],
    warnings: [],
    migrations: [],
    addedDefaults: [],
  };
}

export function parseConfig(input: string | object, options: ParseOptions = {}): ParseResult {
  let user: unknown;
  if (typeof input === 'string') {
    try {
      user = JSON.parse(input);
    } catch (e) {
      return failed(jsonError(input, e));
    }
  } else {
    user = structuredClone(input);
  }
  if (!isPlainObject(user)) {
    return failed(issue([], `got ${showValue(user)}; must be a JSON object of ivadomed config keys`));
  }

  const migrations = migrateUserConfig(user);
  const report: MergeReport = { droppedScalars: [], addedDefaults: [] };
  const merged = mergeIntoDefaults(defaultsCopy(), user, report);
  migrations.push(...migrateSplitDataset(merged));

  const o = options.overrides ?? {};
  if (o.command !== undefined) merged.command = o.command;
  if (o.path_output !== undefined) merged.path_output = o.path_output;
  if (o.path_data !== undefined) (merged.loader_parameters as Record<string, unknown>).path_data = structuredClone(o.path_data);

  const warnings: ConfigIssue[] = report.droppedScalars.map((d) =>
    issue(d.path, `got ${showValue(d.value)} where an object is expected; ignored and the default ${showValue(defaultAt(d.path))} kept (as ivadomed does)`),
  );
  const errors = schemaErrors(IvadomedConfigSchema, merged);
  for (const u of findUnknownKeys(merged, IvadomedConfigSchema)) (u.fatal ? errors : warnings).push(u.issue);
  const cross = crossCheck(merged);
  const errorPaths = new Set(errors.map((e) => e.path));
  errors.push(...cross.errors.filter((e) => !errorPaths.has(e.path)));
  warnings.push(...cross.warnings);

  return {
    config: merged as unknown as IvadomedConfig,
    ok: errors.length === 0,
    errors,
    warnings,
    migrations,
    addedDefaults: report.addedDefaults,
  };
}

function defaultAt(path: (string | number)[]): unknown {
  let cur: unknown = IVADOMED_DEFAULTS;
  for (const k of path) cur = isPlainObject(cur) ? cur[String(k)] : undefined;
  return cur;
}

export interface SerializeOptions {
  /** JSON indentation; ivadomed writes config_file.json with 4. */
  indent?: number;
  /**
   * Write only what differs from config_default.json (ordered sections — transformation,
   * postprocessing — and lists are written whole). Parsing the result gives the same config.
   */
  omitDefaults?: boolean;
}

/**
 * The config as JSON text. Unknown keys the user had are kept: ivadomed keeps them too (its saved
 * config_file.json is the merged dict), and dropping them would lose settings meant for other tools.
 */
export function serializeConfig(config: IvadomedConfig, options: SerializeOptions = {}): string {
  const value = options.omitDefaults ? withoutDefaults(config as unknown as Record<string, unknown>, IVADOMED_DEFAULTS) : config;
  return `${JSON.stringify(value, null, options.indent ?? 4)}\n`;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function withoutDefaults(value: Record<string, unknown>, defaults: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const d = isPlainObject(defaults) ? defaults : {};
  for (const [k, v] of Object.entries(value)) {
    const dv = d[k];
    if (dv === undefined) out[k] = v;
    else if (isPlainObject(v) && isPlainObject(dv) && Object.keys(dv).length > 0) {
      const sub = withoutDefaults(v, dv);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (!deepEqual(v, dv)) out[k] = v;
  }
  return out;
}
