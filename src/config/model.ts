/**
 * Which architecture a config selects, and its parameters, as ivadomed's main.set_model_params does:
 * default_model ∪ the one MODEL_LIST section whose "applied" is true (Modified3DUNet + FiLMedUnet is the
 * one allowed pair, giving a FiLM-conditioned Modified3DUNet); is_2d forced false for Modified3DUNet;
 * in_channel and out_channel derived from the loader parameters.
 */
import type { IvadomedConfig } from './schema';
import { MODEL_SECTIONS, type ModelName, type ModelSection } from './schema/models';
import { isPlainObject } from './walk';

export interface ResolvedModelParams {
  name: ModelName;
  /** Sections whose parameters were merged over default_model (empty for a plain default_model). */
  sections: ModelSection[];
  is_2d: boolean;
  depth: number;
  /** len(contrast list of the command) when multichannel, else 1. */
  in_channel: number;
  /** len(target_suffix), + 1 for a background channel when > 1 (ivadomed drops it from the output). */
  out_channel: number;
  folder_name: string;
  /** default_model merged with the applied section(s): every other architecture key. */
  params: Record<string, unknown>;
}

/** Sections with `"applied": true`, in ivadomed's MODEL_LIST order. */
export function appliedSections(config: Record<string, unknown>): ModelSection[] {
  return MODEL_SECTIONS.filter((s) => isPlainObject(config[s]) && (config[s] as Record<string, unknown>).applied === true);
}

/** Throws when several sections are applied (ivadomed exits); validate with parseConfig first. */
export function resolveModelParams(config: IvadomedConfig, command: IvadomedConfig['command'] = config.command): ResolvedModelParams {
  const raw = config as unknown as Record<string, unknown>;
  const applied = appliedSections(raw);
  const params: Record<string, unknown> = { ...config.default_model };
  let name = config.default_model.name as ModelName;
  if (applied.length === 1) {
    name = applied[0]!;
    Object.assign(params, raw[applied[0]!]);
  } else if (applied.length === 2 && applied.includes('Modified3DUNet') && applied.includes('FiLMedUnet')) {
    name = 'Modified3DUNet';
    for (const s of applied) Object.assign(params, raw[s]);
  } else if (applied.length > 1) {
    throw new Error(`Several models are selected in the configuration (${applied.join(', ')}): set "applied": true in only one.`);
  }
  delete params.applied;
  params.name = name;
  const is_2d = name === 'Modified3DUNet' ? false : config.default_model.is_2d;
  params.is_2d = is_2d;
  const loader = config.loader_parameters;
  const contrasts = command === 'train' ? loader.contrast_params.training_validation : loader.contrast_params.testing;
  const in_channel = loader.multichannel ? contrasts.length : 1;
  const nTargets = loader.target_suffix.length;
  const out_channel = nTargets > 1 ? nTargets + 1 : nTargets;
  params.in_channel = in_channel;
  params.out_channel = out_channel;
  params.folder_name = config.model_name;
  return { name, sections: applied, is_2d, depth: config.default_model.depth, in_channel, out_channel, folder_name: config.model_name, params };
}
