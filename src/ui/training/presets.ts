/**
 * The configurations the Training panel offers: a fast sample preset tuned to the synthetic dataset
 * (deterministic: fixed seed), ivadomed's template presets, or an imported config.json.
 */
import { getPreset, parseConfig, PRESET_IDS, resolveModelParams, type PresetId } from '../../config/index';
import { syntheticTrainingConfig } from '../../train/testing';

/**
 * The sample preset's settings: 2D Unet depth 3, 8 filters, 7 epochs at lr 0.025 (cosine). Chosen
 * because software WebGPU (SwiftShader in Chromium) takes ~45 s per epoch: on lavapipe in Node this
 * reaches validation Dice 0.912 / 0.958 / 0.960 at epochs 5 / 6 / 7 (12 epochs at 0.02 reach 0.975,
 * 6 epochs at 0.025 only 0.913, 5 at 0.03 0.901: too little margin). See docs/studio.md.
 */
export const SAMPLE_FAST = { epochs: 7, lr: 0.025 } as const;
export const SAMPLE_SEED = 6;

/** 'config-tab': the configuration being edited in the Configuration tab's forms. */
export type ConfigChoice = 'config-tab' | 'sample-fast' | `preset:${PresetId}` | 'imported';

export interface ConfigOption {
  id: ConfigChoice;
  label: string;
}

export function configOptions(): ConfigOption[] {
  return [
    { id: 'config-tab', label: 'Configuration tab' },
    { id: 'sample-fast', label: 'Sample: 2D U-Net (fast)' },
    ...PRESET_IDS.map((id) => ({ id: `preset:${id}` as ConfigChoice, label: `Preset: ${getPreset(id).label}` })),
    { id: 'imported', label: 'Imported config.json' },
  ];
}

/** The config file text for a choice (imported text and the Configuration tab's text pass through). */
export function configText(choice: ConfigChoice, imported: string | null, configTab: string | null = null): string | null {
  if (choice === 'config-tab') return configTab;
  if (choice === 'sample-fast') return JSON.stringify(syntheticTrainingConfig(SAMPLE_FAST), null, 2);
  if (choice === 'imported') return imported;
  return JSON.stringify(getPreset(choice.slice('preset:'.length) as PresetId).file, null, 2);
}

/** Validation errors of a config text (the worker checks again; this shows them before starting). */
export function configErrors(text: string): string[] {
  const r = parseConfig(text);
  return r.ok ? [] : r.errors.map((e) => e.message);
}

/** The epoch count and model a config asks for, for the setup summary line. */
export function configSummary(text: string): string {
  const r = parseConfig(text);
  if (!r.ok) return 'invalid configuration';
  const c = r.config;
  let model = 'model';
  try {
    model = resolveModelParams(c, 'train').name;
  } catch {
    // The worker reports what is wrong with the model sections when training starts.
  }
  return `${c.model_name}: ${model}, ${c.training_parameters.training_time.num_epochs} epochs, batch ${c.training_parameters.batch_size}, lr ${c.training_parameters.scheduler.initial_lr}`;
}
