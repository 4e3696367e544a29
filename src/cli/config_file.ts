/**
 * The config file of a CLI run, resolved as `ivadomed` does: read the JSON, migrate, merge into the
 * defaults, apply -pd/-po and the command, validate. Errors stop the run (exit code 2) with one line
 * per problem naming the key, the value and what is allowed; warnings and migrations are returned to
 * be printed and logged.
 */
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Command, type IvadomedConfig } from '../config/index';
import { createMergedSource, type FileSource } from '../data/index';
import { createNodeSource } from '../data/node';
import { CliError, EXIT } from './errors';

export interface LoadedConfig {
  config: IvadomedConfig;
  /** Absolute path of the config file (relative paths inside it may be resolved against its folder). */
  file: string;
  /** Warnings and migration notes, one line each, to print and log. */
  notes: string[];
}

export interface PathOverrides {
  pathData?: string[];
  pathOutput?: string;
}

export async function loadConfigFile(file: string, command: Command, overrides: PathOverrides = {}): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `Config file not found: ${abs}` : `Cannot read the config file ${abs}: ${(err as Error).message}`, EXIT.usage);
  }
  if (/\.ya?ml$/i.test(abs)) throw new CliError(`${abs}: YAML config files are not supported (ivadomed reads JSON only).`, EXIT.usage);
  const parsed = parseConfig(text, {
    overrides: {
      command,
      ...(overrides.pathData ? { path_data: overrides.pathData } : {}),
      ...(overrides.pathOutput !== undefined ? { path_output: overrides.pathOutput } : {}),
    },
  });
  if (!parsed.ok) {
    const lines = parsed.errors.map((e) => `  - ${e.message}`);
    throw new CliError(`The config file ${abs} has ${parsed.errors.length} error${parsed.errors.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, EXIT.usage);
  }
  const notes = [
    ...parsed.migrations.map((m) => `config: ${m.message}${m.ivadomed ? '' : ' (ivadomed-web)'}`),
    ...parsed.warnings.map((w) => `config warning: ${w.message}`),
  ];
  return { config: parsed.config, file: abs, notes };
}

/**
 * loader_parameters.path_data as absolute folders that exist, and one read-only source over them: a
 * single dataset as is, several merged as ivadomed concatenates them (src/data/sources/merged.ts).
 */
export async function dataFolders(config: IvadomedConfig): Promise<{ folders: string[]; source: FileSource }> {
  const raw = config.loader_parameters.path_data as unknown;
  const list = (Array.isArray(raw) ? raw : [raw]).filter((p): p is string => typeof p === 'string' && p !== '');
  if (list.length === 0) throw new CliError('loader_parameters.path_data is empty: give the BIDS dataset folder in the config or with -pd <folder>.', EXIT.usage);
  const folders = list.map((p) => path.resolve(p));
  for (const folder of folders) {
    let isDir = false;
    try { isDir = statSync(folder).isDirectory(); } catch { /* absent */ }
    if (!isDir) throw new CliError(`loader_parameters.path_data: ${folder} is not a folder. Give the BIDS dataset folder with -pd <folder>.`, EXIT.usage);
  }
  const source = createMergedSource(folders.map((f) => createNodeSource(f, { writable: false })));
  if (folders.length > 1) {
    // Merging lists every dataset: an image in two of them is a usage error, reported before anything runs.
    try {
      await source.list();
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
  }
  return { folders, source };
}

/**
 * A file path from the config (fname_split, retrain_model) as ivadomed reads it: relative to the
 * working directory; failing that, relative to the config file's folder (so a config and its split
 * file can travel together). Null when neither exists.
 */
export function resolveConfigPath(p: string, configFile: string): string | null {
  const candidates = path.isAbsolute(p) ? [p] : [path.resolve(p), path.resolve(path.dirname(configFile), p)];
  for (const c of candidates) {
    try {
      statSync(c);
      return c;
    } catch { /* next */ }
  }
  return null;
}
