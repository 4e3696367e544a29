/**
 * A small, fast training config for the synthetic sample dataset (tests, the e2e flow and the
 * studio's "sample" preset): 2D Unet on axial T2w slices, spinal-cord labels.
 */
export function syntheticTrainingConfig(overrides: { epochs?: number; nFilters?: number; depth?: number; batchSize?: number; lr?: number; model?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    command: 'train',
    path_output: 'output',
    model_name: 'synthetic_unet',
    loader_parameters: {
      path_data: ['synthetic'],
      target_suffix: ['_seg-manual'],
      extensions: ['.nii.gz'],
      contrast_params: { training_validation: ['T2w'], testing: ['T2w'], balance: {} },
      slice_filter_params: { filter_empty_mask: false, filter_empty_input: true },
      slice_axis: 'axial',
      multichannel: false,
    },
    split_dataset: {
      fname_split: null, random_seed: 6, split_method: 'participant_id', data_testing: { data_type: null, data_value: [] }, balance: null,
      train_fraction: 0.5, test_fraction: 0.2,
    },
    training_parameters: {
      batch_size: overrides.batchSize ?? 8,
      loss: { name: 'DiceLoss' },
      training_time: { num_epochs: overrides.epochs ?? 10, early_stopping_patience: 50, early_stopping_epsilon: 0.001 },
      scheduler: { initial_lr: overrides.lr ?? 0.005, lr_scheduler: { name: 'CosineAnnealingLR' } },
      balance_samples: { applied: false, type: 'gt' },
      mixup_alpha: null,
      transfer_learning: { retrain_model: null, retrain_fraction: 1.0, reset: true },
    },
    default_model: {
      name: 'Unet', dropout_rate: 0.1, bn_momentum: 0.1, depth: overrides.depth ?? 3, is_2d: true, n_filters: overrides.nFilters ?? 8, final_activation: 'sigmoid',
      ...(overrides.model ?? {}),
    },
    transformation: { NormalizeInstance: { applied_to: ['im'] } },
  };
}
