/**
 * Starting configurations for the forms, one per architecture, each based on one of ivadomed's shipped
 * templates (INVENTORY §a.4) and each valid under the schema without warnings. They are partial files,
 * as a user would write them: parsePreset() merges them with config_default.json like any config.
 */
import { parseConfig, type ParseResult } from './parse';
import type { IvadomedConfig } from './schema';

export type PresetId = 'unet2d' | 'filmedunet' | 'hemisunet' | 'modified3dunet';

export interface Preset {
  id: PresetId;
  label: string;
  description: string;
  /** The ivadomed template it follows, and how it departs from it. */
  basis: string;
  /** The preset as a (partial) config file. */
  file: Record<string, unknown>;
}

/** ivadomed/config/config.json: 2D U-Net segmenting the spinal cord on T1w, T2w and T2star. */
const spineGeneric2D = (): Record<string, unknown> => ({
  command: 'train',
  gpu_ids: [0],
  path_output: 'spineGeneric',
  model_name: 'my_model',
  debugging: false,
  object_detection_params: { object_detection_path: null, safety_factor: [1.0, 1.0, 1.0] },
  loader_parameters: {
    path_data: ['data_example_spinegeneric'],
    subject_selection: { n: [], metadata: [], value: [] },
    target_suffix: ['_seg-manual'],
    extensions: ['.nii.gz'],
    roi_params: { suffix: null, slice_filter_roi: null },
    contrast_params: { training_validation: ['T1w', 'T2w', 'T2star'], testing: ['T1w', 'T2w', 'T2star'], balance: {} },
    slice_filter_params: { filter_empty_mask: false, filter_empty_input: true },
    slice_axis: 'axial',
    multichannel: false,
    soft_gt: false,
  },
  split_dataset: {
    fname_split: null,
    random_seed: 6,
    split_method: 'participant_id',
    data_testing: { data_type: null, data_value: [] },
    balance: null,
    train_fraction: 0.6,
    test_fraction: 0.2,
  },
  training_parameters: {
    batch_size: 18,
    loss: { name: 'DiceLoss' },
    training_time: { num_epochs: 100, early_stopping_patience: 50, early_stopping_epsilon: 0.001 },
    scheduler: { initial_lr: 0.001, lr_scheduler: { name: 'CosineAnnealingLR', base_lr: 1e-5, max_lr: 1e-2 } },
    balance_samples: { applied: false, type: 'gt' },
    mixup_alpha: null,
    transfer_learning: { retrain_model: null, retrain_fraction: 1.0, reset: true },
  },
  default_model: { name: 'Unet', dropout_rate: 0.3, bn_momentum: 0.1, final_activation: 'sigmoid', depth: 3 },
  uncertainty: { epistemic: false, aleatoric: false, n_it: 0 },
  postprocessing: {
    remove_noise: { thr: -1 },
    keep_largest: {},
    binarize_prediction: { thr: 0.5 },
    uncertainty: { thr: -1, suffix: '_unc-vox.nii.gz' },
    fill_holes: {},
    remove_small: { unit: 'vox', thr: 3 },
  },
  evaluation_parameters: { target_size: { unit: 'vox', thr: [20, 100] }, overlap: { unit: 'vox', thr: 3 } },
  transformation: {
    Resample: { hspace: 0.75, wspace: 0.75, dspace: 1 },
    CenterCrop: { size: [128, 128] },
    RandomAffine: { degrees: 5, scale: [0.1, 0.1], translate: [0.03, 0.03], applied_to: ['im', 'gt'], dataset_type: ['training'] },
    ElasticTransform: { alpha_range: [28.0, 30.0], sigma_range: [3.5, 4.5], p: 0.1, applied_to: ['im', 'gt'], dataset_type: ['training'] },
    NormalizeInstance: { applied_to: ['im'] },
  },
});

function unet2d(): Record<string, unknown> {
  return spineGeneric2D();
}

function filmedunet(): Record<string, unknown> {
  const c = spineGeneric2D();
  // config.json ships a 10-entry film_layers with depth 3, which ivadomed rejects once FiLM is applied
  // (2*depth+2 = 8): same FiLM position (after the second encoder level), correct length.
  c.FiLMedUnet = { applied: true, metadata: 'contrasts', film_layers: [0, 1, 0, 0, 0, 0, 0, 0] };
  c.path_output = 'spineGeneric_film';
  return c;
}

function hemisunet(): Record<string, unknown> {
  const c = spineGeneric2D();
  c.path_output = 'spineGeneric_hemis';
  const loader = c.loader_parameters as Record<string, unknown>;
  // HeMIS sees every contrast of a subject at once: one encoder per contrast.
  loader.multichannel = true;
  loader.slice_filter_params = { filter_empty_mask: true, filter_empty_input: true };
  (c.training_parameters as Record<string, unknown>).batch_size = 64;
  c.default_model = { name: 'Unet', dropout_rate: 0.3, bn_momentum: 0.1, depth: 2 };
  c.HeMISUnet = { applied: true, missing_probability: 0.00001, missing_probability_growth: 0.9, contrasts: ['T1w', 'T2w', 'T2star'] };
  c.transformation = {
    Resample: { hspace: 0.75, wspace: 0.75, dspace: 1 },
    CenterCrop: { size: [128, 128] },
    RandomAffine: { degrees: 4.6, scale: [0.02, 0.02], translate: [0.03, 0.03], applied_to: ['im', 'gt'], dataset_type: ['training'] },
    NormalizeInstance: { applied_to: ['im'] },
  };
  return c;
}

function modified3dunet(): Record<string, unknown> {
  const c = spineGeneric2D();
  c.path_output = 'tumorSeg';
  const loader = c.loader_parameters as Record<string, unknown>;
  loader.contrast_params = { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} };
  loader.slice_filter_params = { filter_empty_mask: true, filter_empty_input: true };
  (c.training_parameters as Record<string, unknown>).batch_size = 1;
  c.default_model = { name: 'Unet', dropout_rate: 0.3, bn_momentum: 0.1, depth: 4 };
  c.Modified3DUNet = { applied: true, length_3D: [128, 128, 16], stride_3D: [128, 128, 16], attention: false, n_filters: 8 };
  c.transformation = {
    Resample: { hspace: 1, wspace: 1, dspace: 2 },
    CenterCrop: { size: [128, 128, 16] },
    RandomAffine: { degrees: 4.6, translate: [0.03, 0.03], applied_to: ['im', 'gt'], dataset_type: ['training'] },
    NormalizeInstance: { applied_to: ['im'] },
  };
  return c;
}

const PRESET_DEFS: Record<PresetId, Omit<Preset, 'file'> & { make: () => Record<string, unknown> }> = {
  unet2d: {
    id: 'unet2d',
    label: '2D U-Net',
    description: 'Spinal-cord segmentation with a 2D U-Net (depth 3) on axial slices of T1w, T2w and T2star.',
    basis: 'ivadomed/config/config.json without its inactive FiLMedUnet and Modified3DUNet sections.',
    make: unet2d,
  },
  filmedunet: {
    id: 'filmedunet',
    label: 'FiLMed U-Net',
    description: 'The 2D U-Net conditioned by FiLM on the image contrast.',
    basis: 'ivadomed/config/config.json with FiLMedUnet applied; film_layers shortened to 2*depth+2 = 8 entries (the template has 10, which ivadomed rejects).',
    make: filmedunet,
  },
  hemisunet: {
    id: 'hemisunet',
    label: 'HeMIS U-Net',
    description: 'U-Net with one encoder per contrast fused by mean and variance, trained with missing contrasts.',
    basis: 'ivadomed/config/config_spineGeHemis.json (depth 2, batch 64, missing_probability 1e-5, growth 0.9); HDF5 keys dropped (loader removed in ivadomed 2.9.1), multichannel on, scale 0.02 in the new RandomAffine convention.',
    make: hemisunet,
  },
  modified3dunet: {
    id: 'modified3dunet',
    label: 'Modified 3D U-Net',
    description: '3D U-Net on 128×128×16 patches of T1w and T2w.',
    basis: 'ivadomed/config/config_tumorSeg.json (Resample 1×1×2, n_filters 8, no attention) with the documented default patch [128, 128, 16] instead of 512×256×16, and _seg-manual labels.',
    make: modified3dunet,
  },
};

export const PRESET_IDS = Object.keys(PRESET_DEFS) as PresetId[];

export function getPreset(id: PresetId): Preset {
  const { make, ...rest } = PRESET_DEFS[id];
  return { ...rest, file: make() };
}

/** The preset parsed like a user file (defaults merged, validated). */
export function parsePreset(id: PresetId, options: Parameters<typeof parseConfig>[1] = {}): ParseResult {
  return parseConfig(getPreset(id).file, options);
}

/** The preset's resolved config; throws if it does not validate (the tests keep that from happening). */
export function presetConfig(id: PresetId): IvadomedConfig {
  const r = parsePreset(id);
  if (!r.ok) throw new Error(`Preset ${id} is invalid: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.config;
}
