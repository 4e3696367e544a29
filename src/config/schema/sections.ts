/**
 * The remaining sections of ivadomed's config (INVENTORY §a.2/§a.3): general keys' sub-objects,
 * loader_parameters, split_dataset, training_parameters, uncertainty, evaluation_parameters.
 */
import * as z from 'zod';
import { bool, int, list, nullable, num, oneOf, optional, section, str, withMeta } from '../fields';
import { LossSchema } from './losses';
import { LrSchedulerSchema } from './schedulers';

export const WandbSchema = section(
  {
    wandb_api_key: str('API key syncing the run to the WandB dashboard; empty = no WandB logging.'),
    project_name: str('WandB project name.'),
    group_name: str('WandB group name.'),
    run_name: str('WandB run name.'),
    log_grads_every: int({ min: 1 }, 'Gradient-histogram logging frequency, in steps.'),
  },
  'Weights & Biases logging (not used by ivadomed-web; kept for round trips).',
);

export const ObjectDetectionParamsSchema = section(
  {
    object_detection_path: nullable(str(), 'Folder of a detection model whose prediction gives bounding boxes (cascaded models).'),
    safety_factor: list(num({ gt: 0 }), { length: 3 }, 'Factors multiplying each bounding-box dimension about its centre.'),
    gpu_ids: optional(int({ min: 0 }, { description: 'Written by ivadomed at run time (first of gpu_ids).', ignored: true })),
    path_output: optional(str({ description: 'Written by ivadomed at run time (path_output).', ignored: true })),
  },
  'Cascaded models: crop around a detection model\'s prediction.',
);

const contrastList = (description: string) => list(str({}, { nonEmpty: true }), {}, description);

export const LoaderParametersSchema = section(
  {
    path_data: withMeta(
      z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      'a non-empty string or a non-empty list of non-empty strings',
      'Path(s) of the BIDS folder(s).',
    ),
    // INVENTORY §a.3: the docs name ivadomed/config/config_bids.json, the code passes None (pybids' own config).
    bids_config: optional(str('Custom pybids configuration for non-BIDS modalities; absent = pybids\' default (the docs name ivadomed/config/config_bids.json).'), {
      codeDefault: null,
    }),
    bids_validate: optional(bool('Validate the dataset for BIDS compliance.'), { codeDefault: true }),
    subject_selection: section(
      {
        n: list(int({ min: 1 }), {}, 'Number of subjects to draw for each (metadata, value) pair.'),
        metadata: list(str(), {}, 'participants.tsv column of each selection.'),
        value: list(withMeta(z.union([z.string(), z.number(), z.boolean()]), 'a string, number or boolean'), {}, 'Value of that column to select.'),
      },
      'Custom subject selection; the three lists have the same length.',
    ),
    target_suffix: withMeta(
      z.union([z.array(z.string().min(1)), z.array(z.array(z.string().min(1)).min(1))]),
      'a list of non-empty strings, or a list of lists of strings (one list of raters per class)',
      'Suffixes of the ground-truth derivatives; one per class (a list of lists for several raters).',
    ),
    extensions: list(str(), {}, 'File extensions to load (raw and derivatives); empty = .nii and .nii.gz.'),
    roi_params: section(
      {
        suffix: nullable(str({}, { nonEmpty: true }), 'Suffix of the ROI derivative used by ROICrop.'),
        slice_filter_roi: nullable(int({ min: 0 }), 'Drop slices whose ROI has at most this many voxels (with ROICrop).'),
      },
      'Region of interest.',
    ),
    contrast_params: section(
      {
        training_validation: contrastList('Contrasts loaded for training and validation (the channels when multichannel).'),
        testing: contrastList('Contrasts loaded for testing (the channels when multichannel).'),
        balance: withMeta(
          z.record(z.string(), z.number().min(0).max(1)),
          'an object mapping a contrast to a fraction in [0, 1]',
          'Keep at most this fraction of each listed contrast, e.g. {"T1w": 0.1}.',
        ),
      },
      'Contrasts (BIDS suffixes) to load.',
    ),
    slice_filter_params: section(
      {
        filter_empty_mask: bool('Drop slices whose ground truth is empty.'),
        filter_empty_input: bool('Drop slices where an input channel is empty or constant.'),
        filter_absent_class: optional(bool('Drop slices where any class is empty.'), { codeDefault: false }),
        filter_classification: optional(bool('Drop slices rejected by a saved classifier (needs classifier_path).'), { codeDefault: false }),
        classifier_path: optional(nullable(str()), { description: 'Saved classifier for filter_classification.' }),
      },
      'Discard 2D slices (train and test).',
    ),
    patch_filter_params: section(
      {
        filter_empty_mask: bool('Drop patches whose ground truth is empty.'),
        filter_empty_input: bool('Drop patches where an input channel is empty.'),
        filter_absent_class: optional(bool('Drop patches where any class is empty.'), { codeDefault: false }),
      },
      'Discard 2D/3D patches (training and validation only).',
    ),
    slice_axis: oneOf(['axial', 'sagittal', 'coronal'], 'Orientation of the 2D slices.'),
    multichannel: bool('Stack the contrasts as input channels (else each contrast is a separate 1-channel sample).'),
    soft_gt: bool('Keep the ground truth soft (no binarization after transforms).'),
    is_input_dropout: bool('Randomly zero input channels during training (at least one kept).'),
  },
  'Data loading.',
);

export const SplitDatasetSchema = section(
  {
    fname_split: nullable(str({}, { nonEmpty: true }), 'joblib split file of a previous training; null = new split.'),
    random_seed: int({}, 'Seed of the split.'),
    split_method: str('Column on which files are shuffled then split (participant_id, sample_id, ...).', { nonEmpty: true }),
    data_testing: section(
      {
        data_type: nullable(str({}, { nonEmpty: true }), 'Column whose values select the test set; null = split_method.'),
        data_value: list(withMeta(z.union([z.string(), z.number()]), 'a string or a number'), {}, 'Values of data_type forming the test set; empty = drawn at random.'),
      },
      'Custom test set.',
    ),
    balance: nullable(str({}, { nonEmpty: true }), 'Categorical participants.tsv column evenly spread over the splits.'),
    train_fraction: num({ min: 0, max: 1 }, 'Fraction of the dataset used for training.'),
    test_fraction: num({ min: 0, max: 1 }, 'Fraction used for testing; validation gets 1 - train - test.'),
    control_randomness: optional(bool('Seed numpy and torch with random_seed as well.'), { codeDefault: false }),
  },
  'Train/validation/test split.',
);

export const TrainingParametersSchema = section(
  {
    batch_size: int({ min: 1 }, 'Samples per batch.'),
    loss: LossSchema,
    training_time: section(
      {
        num_epochs: int({ min: 1 }, 'Maximum number of epochs.'),
        early_stopping_patience: int({ min: 1 }, 'Stop after this many consecutive epochs without sufficient improvement.'),
        early_stopping_epsilon: num({ min: 0 }, 'Minimum improvement of the validation loss.'),
      },
      'Epochs and early stopping.',
    ),
    scheduler: section(
      {
        initial_lr: num({ gt: 0 }, 'Initial learning rate (Adam).'),
        lr_scheduler: LrSchedulerSchema,
      },
      'Learning rate.',
    ),
    balance_samples: section(
      {
        applied: bool('Use a sampler balancing the labels.'),
        type: str('"gt" (positive vs empty ground truth) or a participants.tsv column.', { nonEmpty: true }),
      },
      'Balanced sampling (training and validation).',
    ),
    mixup_alpha: nullable(num({ gt: 0 }), 'Alpha of the Beta distribution of mixup; null = no mixup.'),
    transfer_learning: section(
      {
        retrain_model: nullable(str({}, { nonEmpty: true }), 'Pretrained model to fine-tune; null = train from scratch.'),
        retrain_fraction: num({ gt: 0, max: 1 }, 'Fraction of the last layers that are fine-tuned; the others are frozen.'),
        reset: bool('Re-initialise the layers that are not frozen.'),
      },
      'Transfer learning.',
    ),
  },
  'Training.',
);

export const UncertaintySchema = section(
  {
    epistemic: bool('Model uncertainty by Monte Carlo dropout.'),
    aleatoric: bool('Image uncertainty by test-time augmentation.'),
    n_it: int({ min: 0 }, 'Number of Monte Carlo iterations; 0 = no uncertainty.'),
  },
  'Uncertainty at test time (computed when n_it > 0 and epistemic or aleatoric).',
);

export const EvaluationParametersSchema = section(
  {
    object_detection_metrics: bool('Compute lesion detection metrics (LTPR, LFDR) and the Hausdorff score.'),
    target_size: optional(
      section(
        {
          unit: oneOf(['vox', 'mm3'], 'Unit of thr.'),
          thr: list(num({ min: 0 }), { min: 1 }, 'Increasing bin edges of object sizes.'),
        },
        'Object-size bins for detection metrics.',
      ),
      { codeDefault: { unit: 'vox', thr: [20, 100] } },
    ),
    overlap: optional(
      section(
        {
          unit: oneOf(['vox', 'mm3', 'ratio'], 'Unit of thr.'),
          thr: num({ min: 0 }, 'Minimum overlap for an object to count as detected.'),
        },
        'Overlap needed for a true positive.',
      ),
      { codeDefault: { unit: 'vox', thr: 3 } },
    ),
  },
  'Evaluation after testing.',
);
