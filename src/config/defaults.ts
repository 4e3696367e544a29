/**
 * ivadomed 2.9.10's `ivadomed/config/config_default.json` (INVENTORY §a.2), key for key. The user's
 * file is deep-merged over this object exactly as ivadomed's config_manager does (see merge.ts).
 * Keys ivadomed documents but leaves out of this file are optional in the schema and carry their
 * code default in the field metadata (INVENTORY §a.3).
 */
export const IVADOMED_DEFAULTS = {
  command: 'train',
  gpu_ids: [0],
  path_output: 'path_output',
  model_name: 'my_model',
  debugging: false,
  log_file: 'log',
  wandb: {
    wandb_api_key: '',
    project_name: 'my_project',
    group_name: 'my_group',
    run_name: 'run-1',
    log_grads_every: 100,
  },
  object_detection_params: {
    object_detection_path: null,
    safety_factor: [1.0, 1.0, 1.0],
  },
  loader_parameters: {
    path_data: ['path_data'],
    subject_selection: { n: [], metadata: [], value: [] },
    target_suffix: [],
    extensions: [],
    roi_params: { suffix: null, slice_filter_roi: null },
    contrast_params: { training_validation: [], testing: [], balance: {} },
    slice_filter_params: { filter_empty_mask: false, filter_empty_input: true },
    patch_filter_params: { filter_empty_mask: false, filter_empty_input: false },
    slice_axis: 'axial',
    multichannel: false,
    soft_gt: false,
    is_input_dropout: false,
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
    training_time: {
      num_epochs: 100,
      early_stopping_patience: 50,
      early_stopping_epsilon: 0.001,
    },
    scheduler: {
      initial_lr: 0.001,
      lr_scheduler: { name: 'CosineAnnealingLR', base_lr: 1e-5, max_lr: 1e-2 },
    },
    balance_samples: { applied: false, type: 'gt' },
    mixup_alpha: null,
    transfer_learning: { retrain_model: null, retrain_fraction: 1.0, reset: true },
  },
  default_model: {
    name: 'Unet',
    dropout_rate: 0.3,
    bn_momentum: 0.1,
    depth: 3,
    is_2d: true,
  },
  uncertainty: { epistemic: false, aleatoric: false, n_it: 0 },
  postprocessing: {},
  evaluation_parameters: { object_detection_metrics: true },
  transformation: {},
} as const;

/** A fresh, mutable deep copy of the defaults (never hand out the frozen constant). */
export function defaultsCopy(): Record<string, unknown> {
  return structuredClone(IVADOMED_DEFAULTS) as unknown as Record<string, unknown>;
}
