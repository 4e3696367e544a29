/**
 * Views of a resolved config that ivadomed computes at run time and that the loaders and the training
 * loop need: the transforms of each sub-dataset (transforms.get_subdatasets_transforms) and the contrast
 * list of a command (main.set_loader_params).
 */
import type { Command, IvadomedConfig } from './schema';
import { DATASET_TYPES } from './schema/transforms';

export type SubDataset = (typeof DATASET_TYPES)[number];

/**
 * The transformation dict split by `dataset_type` (absent = all three), in the written order, with the
 * `dataset_type` key removed, exactly as ivadomed's get_subdatasets_transforms.
 */
export function subdatasetTransforms(transformation: IvadomedConfig['transformation']): Record<SubDataset, Record<string, Record<string, unknown>>> {
  const out: Record<SubDataset, Record<string, Record<string, unknown>>> = { training: {}, validation: {}, testing: {} };
  for (const [name, raw] of Object.entries(transformation)) {
    const params = (raw ?? {}) as Record<string, unknown>;
    const types = Array.isArray(params.dataset_type) ? (params.dataset_type as string[]) : DATASET_TYPES;
    for (const ds of DATASET_TYPES) {
      if (!types.includes(ds)) continue;
      const { dataset_type: _dropped, ...rest } = params;
      void _dropped;
      out[ds][name] = structuredClone(rest);
    }
  }
  return out;
}

/** The contrasts loaded by a command: training_validation for train, testing otherwise. */
export function contrastList(config: IvadomedConfig, command: Command = config.command): string[] {
  const c = config.loader_parameters.contrast_params;
  return [...(command === 'train' ? c.training_validation : c.testing)];
}
