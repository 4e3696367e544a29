/**
 * The configuration being edited (zustand): the user's config.json as an object (`raw`, what the forms
 * write: keys left out take ivadomed's defaults) and its parse result (defaults merged, migrated,
 * validated), recomputed shortly after every change. The Training panel reads it through
 * useCurrentConfig() / currentConfig().
 */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { getPreset, parseConfig, serializeConfig, type ConfigIssue, type IvadomedConfig, type MigrationNote, type ParseResult, type PresetId, type SerializeOptions } from '../../config/index';
import { migrateUserConfig } from '../../config/migrate';
import { syntheticTrainingConfig } from '../../train/testing';
import { isPlainObject, setAt, type KeyPath } from './paths';

/** The fast sample preset: the Training panel's measured settings for the synthetic dataset (7 epochs, lr 0.025: docs/studio.md). */
export const SAMPLE_PRESET = { id: 'sample', label: 'Sample: fast 2D U-Net', make: () => syntheticTrainingConfig({ epochs: 7, lr: 0.025 }) } as const;

export type ConfigPresetId = PresetId | 'sample';

export interface ConfigSource {
  kind: 'preset' | 'imported' | 'edited';
  /** What the user sees: "2D U-Net", "config.json". */
  label: string;
  presetId?: ConfigPresetId;
  filename?: string;
}

interface ConfigState {
  /** The config file as the user's object (partial; unknown keys kept). */
  raw: Record<string, unknown>;
  /** parseConfig(raw), at most PARSE_DELAY_MS behind `raw`. */
  parsed: ParseResult;
  /** A parse is scheduled (raw changed since `parsed`). */
  stale: boolean;
  source: ConfigSource;
  /** Migrations applied when the file was imported (the raw object holds the migrated keys). */
  importMigrations: MigrationNote[];
  /** The last import failed (not JSON, not an object): the current config was kept. */
  importError: string | null;
  /** Increments on every change of raw (for components that redraw on change). */
  version: number;
  setField: (path: KeyPath, value: unknown) => void;
  setRaw: (raw: Record<string, unknown>, source?: ConfigSource) => void;
  loadPreset: (id: ConfigPresetId) => void;
  importText: (text: string, filename: string) => boolean;
  exportText: (options?: SerializeOptions) => string;
  /** Parses now (cancelling the pending debounce) and returns the result. */
  flush: () => ParseResult;
}

export const PARSE_DELAY_MS = 150;

let timer: ReturnType<typeof setTimeout> | null = null;

function presetFile(id: ConfigPresetId): { file: Record<string, unknown>; label: string } {
  if (id === 'sample') return { file: SAMPLE_PRESET.make(), label: SAMPLE_PRESET.label };
  const p = getPreset(id);
  return { file: p.file, label: p.label };
}

const initial = presetFile('sample');

export const useConfig = create<ConfigState>((set, get) => {
  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      get().flush();
    }, PARSE_DELAY_MS);
  };
  const replace = (raw: Record<string, unknown>, source: ConfigSource, extra: Partial<ConfigState> = {}) => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    set((s) => ({ raw, source, parsed: parseConfig(raw), stale: false, version: s.version + 1, importMigrations: [], importError: null, ...extra }));
  };
  return {
    raw: initial.file,
    parsed: parseConfig(initial.file),
    stale: false,
    source: { kind: 'preset', label: initial.label, presetId: 'sample' },
    importMigrations: [],
    importError: null,
    version: 0,
    setField: (path, value) => {
      set((s) => ({
        raw: setAt(s.raw, path, value),
        stale: true,
        version: s.version + 1,
        source: s.source.kind === 'edited' ? s.source : { ...s.source, kind: 'edited', label: `${s.source.label} (edited)` },
      }));
      schedule();
    },
    setRaw: (raw, source) => replace(structuredClone(raw), source ?? { kind: 'edited', label: get().source.label }),
    loadPreset: (id) => {
      const { file, label } = presetFile(id);
      replace(file, { kind: 'preset', label, presetId: id });
    },
    importText: (text, filename) => {
      const first = parseConfig(text);
      let user: unknown;
      try {
        user = JSON.parse(text);
      } catch {
        set({ importError: `${filename}: ${first.errors[0]?.message ?? 'not valid JSON'}. The current configuration was kept.` });
        return false;
      }
      if (!isPlainObject(user)) {
        set({ importError: `${filename}: ${first.errors[0]?.message ?? 'must be a JSON object'}. The current configuration was kept.` });
        return false;
      }
      // The forms edit the migrated keys (Modified3DUNet, not UNet3D); the notes say what changed.
      migrateUserConfig(user);
      replace(user, { kind: 'imported', label: filename, filename }, { importMigrations: first.migrations });
      return true;
    },
    exportText: (options) => serializeConfig(get().flush().config, options),
    flush: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const s = get();
      if (!s.stale) return s.parsed;
      const parsed = parseConfig(s.raw);
      set({ parsed, stale: false });
      return parsed;
    },
  };
});

export interface CurrentConfig {
  /** The user's config object (partial: absent keys take ivadomed's defaults). */
  raw: Record<string, unknown>;
  /** The resolved, validated config; null while it has errors. */
  parsed: IvadomedConfig | null;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** Where it came from ("2D U-Net", "config.json (edited)"). */
  label: string;
}

function pick(s: ConfigState): CurrentConfig {
  return { raw: s.raw, parsed: s.parsed.ok ? s.parsed.config : null, errors: s.parsed.errors, warnings: s.parsed.warnings, label: s.source.label };
}

/** React hook: the configuration being edited (re-renders when it is re-parsed or its label changes). */
export function useCurrentConfig(): CurrentConfig {
  return useConfig(useShallow(pick));
}

/** The same outside React, parsed up to the last edit (flushes a pending parse). */
export function currentConfig(): CurrentConfig {
  useConfig.getState().flush();
  return pick(useConfig.getState());
}

/** The resolved config as config.json text (what Export downloads; ivadomed's config_file.json). */
export function currentConfigText(options?: SerializeOptions): string {
  return useConfig.getState().exportText(options);
}
