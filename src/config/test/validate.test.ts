import { describe, expect, it } from 'vitest';
import { parseConfig } from '..';

const errorsOf = (file: unknown, overrides?: Parameters<typeof parseConfig>[1]) =>
  parseConfig(file as object, overrides).errors.map((e) => e.message);
const warningsOf = (file: unknown) => parseConfig(file as object).warnings.map((e) => e.message);

describe('error messages name the path, the value and what is allowed', () => {
  it.each([
    [{ training_parameters: { batch_size: -2 } }, 'training_parameters.batch_size: got -2; must be an integer >= 1'],
    [{ training_parameters: { batch_size: 2.5 } }, 'training_parameters.batch_size: got 2.5; must be an integer >= 1'],
    [{ command: 'predict' }, 'command: got "predict"; must be one of "train", "test", "segment"'],
    [{ loader_parameters: { slice_axis: 'axail' } }, 'loader_parameters.slice_axis: got "axail"; must be one of "axial", "sagittal", "coronal" (did you mean "axial"?)'],
    [
      { training_parameters: { loss: { name: 'dice' } } },
      'training_parameters.loss.name: got "dice"; must be one of "DiceLoss", "MultiClassDiceLoss", "BinaryCrossEntropyLoss", "FocalLoss", "FocalDiceLoss", "GeneralizedDiceLoss", "TverskyLoss", "FocalTverskyLoss", "L2loss", "AdapWingLoss", "LossCombination" (did you mean "DiceLoss"?)',
    ],
    [{ training_parameters: { loss: { name: 'FocalLoss', alpha: 1.5 } } }, 'training_parameters.loss.alpha: got 1.5; must be a number in [0, 1]'],
    [{ split_dataset: { train_fraction: 1.2 } }, 'split_dataset.train_fraction: got 1.2; must be a number in [0, 1]'],
    [{ default_model: { dropout_rate: 1 } }, 'default_model.dropout_rate: got 1; must be a number in [0, 1)'],
    [{ default_model: { final_activation: 'tanh' } }, 'default_model.final_activation: got "tanh"; must be one of "sigmoid", "relu", "softmax"'],
    [{ loader_parameters: { path_data: 3 } }, 'loader_parameters.path_data: got 3; must be a non-empty string or a non-empty list of non-empty strings'],
    [{ transformation: { CenterCrop: { size: [128, -1] } } }, 'transformation.CenterCrop.size[1]: got -1; must be an integer >= 1'],
    [{ transformation: { CenterCrop: {} } }, 'transformation.CenterCrop.size: missing; must be a list of 2 to 3 items, each an integer >= 1'],
    [
      { transformation: { ElasticTransform: { alpha_range: [30, 28], sigma_range: [3.5, 4.5] } } },
      'transformation.ElasticTransform.alpha_range: got [30,28]; must be a list [low, high] of 2 numbers with low <= high, each >= 0 (low must be <= high)',
    ],
    [{ transformation: { RandomAffine: { applied_to: ['im', 'label'] } } }, 'transformation.RandomAffine.applied_to[1]: got "label"; must be one of "im", "gt", "roi"'],
    [{ postprocessing: { binarize_prediction: { thr: 1.5 } } }, 'postprocessing.binarize_prediction.thr: got 1.5; must be -1 (disabled) or a number in [0, 1]'],
    [{ postprocessing: { uncertainty: { thr: 0.2, suffix: '_unc.nii.gz' } } }, 'postprocessing.uncertainty.suffix: got "_unc.nii.gz"; must be one of "_unc-vox.nii.gz", "_unc-avgUnc.nii.gz", "_unc-cv.nii.gz", "_unc-iou.nii.gz", "_soft.nii.gz" (did you mean "_unc-cv.nii.gz"?)'],
    [
      { training_parameters: { scheduler: { lr_scheduler: { name: 'CosineAnnealingWarmRestarts' } } } },
      'training_parameters.scheduler.lr_scheduler.T_0: missing; must be an integer >= 1',
    ],
    [{ FiLMedUnet: { metadata: 'contrasts', film_layers: [0, 1, 0, 0, 0, 0, 0, 0] } }, 'FiLMedUnet.applied: missing; must be true or false'],
    [{ uncertainty: { n_it: -1 } }, 'uncertainty.n_it: got -1; must be an integer >= 0'],
  ])('%j', (file, message) => {
    expect(errorsOf(file)).toContain(message);
  });

  it('collects every error, not only the first, one message per key', () => {
    const errors = errorsOf({
      command: 'fit',
      training_parameters: { batch_size: 0, training_time: { num_epochs: 0, early_stopping_patience: 'x' } },
      default_model: { depth: 0 },
    });
    expect(errors).toEqual([
      'command: got "fit"; must be one of "train", "test", "segment"',
      'training_parameters.batch_size: got 0; must be an integer >= 1',
      'training_parameters.training_time.num_epochs: got 0; must be an integer >= 1',
      'training_parameters.training_time.early_stopping_patience: got "x"; must be an integer >= 1',
      'default_model.depth: got 0; must be an integer >= 1',
    ]);
  });

  it('invalid JSON names the position', () => {
    const r = parseConfig('{\n  "command": "train",\n  "gpu_ids": [0,]\n}');
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.message).toMatch(/^\(root\): the file is not valid JSON at line 3, column 17 \(near "\]\\n\}"\): /);
    expect(parseConfig('command: train').errors[0]!.message).toMatch(/^\(root\): the file is not valid JSON at line 1, column 1 .*YAML is not supported\)\.$/);
  });

  it('a JSON array is not a config', () => {
    expect(errorsOf([1, 2])).toEqual(['(root): got [1,2]; must be a JSON object of ivadomed config keys']);
  });
});

describe('cross-key checks', () => {
  it('FiLMedUnet film_layers must have 2*depth+2 entries when applied', () => {
    expect(errorsOf({ default_model: { depth: 3 }, FiLMedUnet: { applied: true, metadata: 'contrasts', film_layers: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0] } })).toEqual([
      'FiLMedUnet.film_layers: got 10 entries; must have 8 (2*depth+2 for default_model.depth 3)',
    ]);
  });

  it('FiLMedUnet with Modified3DUNet needs 10 FiLM slots', () => {
    const file = {
      Modified3DUNet: { applied: true, length_3D: [32, 32, 16], stride_3D: [32, 32, 16] },
      FiLMedUnet: { applied: true, metadata: 'contrasts', film_layers: [0, 1, 0, 0, 0, 0, 0, 0] },
    };
    expect(errorsOf(file)).toEqual(['FiLMedUnet.film_layers: got 8 entries; must have 10 (Modified3DUNet has 10 FiLM slots)']);
  });

  it('only one model section may be applied', () => {
    expect(errorsOf({ HeMISUnet: { applied: true, missing_probability: 0.1, missing_probability_growth: 0.9, contrasts: ['T2w'] }, resnet18: { applied: true } })).toEqual([
      'resnet18.applied: several models are selected (HeMISUnet, resnet18); set "applied": true in only one section (Modified3DUNet with FiLMedUnet is the one allowed pair)',
    ]);
  });

  it('3D models need length_3D and stride_3D, multiples of 16', () => {
    expect(errorsOf({ Modified3DUNet: { applied: true } })).toEqual([
      'Modified3DUNet.length_3D: missing; must be a list of 3 integers >= 1, required for 3D models (Modified3DUNet)',
      'Modified3DUNet.stride_3D: missing; must be a list of 3 integers >= 1, required for 3D models (Modified3DUNet)',
    ]);
    expect(errorsOf({ default_model: { is_2d: false } })).toEqual([
      'default_model.length_3D: missing; must be a list of 3 integers >= 1, required for 3D models (Unet with is_2d false)',
      'default_model.stride_3D: missing; must be a list of 3 integers >= 1, required for 3D models (Unet with is_2d false)',
    ]);
    expect(errorsOf({ Modified3DUNet: { applied: true, length_3D: [48, 40, 16], stride_3D: [48, 40, 16] } })).toEqual([
      'Modified3DUNet.length_3D: got [48,40,16]; each entry must be a multiple of 16 (the 3D loader requires it)',
    ]);
  });

  it('a 3D model with a 2D CenterCrop', () => {
    expect(errorsOf({ Modified3DUNet: { applied: true, length_3D: [32, 32, 16], stride_3D: [32, 32, 16] }, transformation: { CenterCrop: { size: [128, 128] } } })).toEqual([
      'transformation.CenterCrop.size: got [128,128]; must have 3 entries [H, W, D] for a 3D model',
    ]);
  });

  it('2D patches: both length_2D and stride_2D, stride <= length', () => {
    expect(errorsOf({ default_model: { length_2D: [256, 256] } })).toEqual([
      'default_model.stride_2D: missing; must be a list of 2 integers >= 1 when length_2D is set (2D patching needs both)',
    ]);
    expect(errorsOf({ default_model: { length_2D: [256, 256], stride_2D: [244, 300] } })).toEqual([
      'default_model.stride_2D[1]: got 300; must be <= length_2D[1] = 256 (0 < stride <= length)',
    ]);
  });

  it('multichannel: testing must list as many contrasts as training_validation', () => {
    expect(
      errorsOf({ loader_parameters: { multichannel: true, contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T2w'] } } }),
    ).toEqual([
      'loader_parameters.contrast_params.testing: got 1 contrasts; must list as many as training_validation (2) when multichannel is true: they are the model\'s input channels',
    ]);
  });

  it('multichannel HeMISUnet: testing may list a subset of training_validation (missing encoders are masked), not an unknown contrast', () => {
    const hemis = { applied: true, missing_probability: 0.1, missing_probability_growth: 0.9, contrasts: ['T1w', 'T2w'] };
    expect(errorsOf({ HeMISUnet: hemis, loader_parameters: { multichannel: true, contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T2w'] } } })).toEqual([]);
    expect(errorsOf({ HeMISUnet: hemis, loader_parameters: { multichannel: true, contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T2star'] } } })).toEqual([
      'loader_parameters.contrast_params.testing: ["T2star"] not in training_validation: HeMISUnet has no encoder for it',
    ]);
  });

  it('multi-rater targets only for training', () => {
    expect(errorsOf({ command: 'test', loader_parameters: { target_suffix: [['_seg-rater1', '_seg-rater2']], contrast_params: { testing: ['T2w'] } } })).toEqual([
      'loader_parameters.target_suffix: got [["_seg-rater1","_seg-rater2"]]; several raters per class are only allowed for command "train" (give one suffix per class)',
    ]);
  });

  it('HeMISUnet needs its contrasts', () => {
    expect(errorsOf({ HeMISUnet: { applied: true, missing_probability: 0.1, missing_probability_growth: 0.9 } })).toEqual([
      'HeMISUnet.contrasts: missing; must be a non-empty list of contrasts (one encoder each) when HeMISUnet is applied',
    ]);
  });

  it('train_fraction + test_fraction <= 1', () => {
    expect(errorsOf({ split_dataset: { train_fraction: 0.8, test_fraction: 0.3 } })).toEqual([
      'split_dataset.test_fraction: got 0.3; train_fraction + test_fraction must be <= 1 (train_fraction is 0.8, validation gets the rest)',
    ]);
  });

  it('ROICrop needs an ROI suffix', () => {
    expect(errorsOf({ transformation: { ROICrop: { size: [48, 48] } } })).toEqual([
      'loader_parameters.roi_params.suffix: missing; must name the ROI derivative suffix (e.g. "_seg-manual") because transformation.ROICrop is used',
    ]);
  });

  it('LossCombination validates each params_list entry against its loss', () => {
    expect(
      errorsOf({
        training_parameters: {
          loss: { name: 'LossCombination', losses_list: ['AdapWingLoss', 'DiceLoss'], params_list: [{ theta: -1 }, null] },
        },
      }),
    ).toEqual(['training_parameters.loss.params_list[0].theta: got -1; must be a number > 0']);
    expect(errorsOf({ training_parameters: { loss: { name: 'LossCombination', losses_list: ['L2loss', 'Dice'] } } })).toEqual([
      'training_parameters.loss.losses_list[1]: got "Dice"; must be one of "DiceLoss", "MultiClassDiceLoss", "BinaryCrossEntropyLoss", "FocalLoss", "FocalDiceLoss", "GeneralizedDiceLoss", "TverskyLoss", "FocalTverskyLoss", "L2loss", "AdapWingLoss" (did you mean "DiceLoss"?)',
    ]);
  });

  it('LossCombination params_list entries reject unknown keyword arguments and need one entry per loss', () => {
    expect(
      errorsOf({ training_parameters: { loss: { name: 'LossCombination', losses_list: ['FocalLoss', 'DiceLoss'], params_list: [{ gama: 2 }] } } }),
    ).toEqual([
      'training_parameters.loss.params_list: got 1 entries; must have one per losses_list entry (2)',
      'training_parameters.loss.params_list[0].gama: unknown keyword argument of FocalLoss, ivadomed fails on it; did you mean "gamma"?',
    ]);
  });

  it('schedulers: CyclicLR bounds in order; CosineAnnealingWarmRestarts accepts the base_lr/max_lr the merge adds', () => {
    expect(errorsOf({ training_parameters: { scheduler: { lr_scheduler: { name: 'CyclicLR', base_lr: 0.1, max_lr: 0.01 } } } })).toEqual([
      'training_parameters.scheduler.lr_scheduler.max_lr: got 0.01; must be >= base_lr (0.1)',
    ]);
    const r = parseConfig({ training_parameters: { scheduler: { lr_scheduler: { name: 'CosineAnnealingWarmRestarts', T_0: 10 } } } });
    expect(r.errors).toEqual([]);
    expect(r.config.training_parameters.scheduler.lr_scheduler).toEqual({ name: 'CosineAnnealingWarmRestarts', base_lr: 1e-5, max_lr: 1e-2, T_0: 10 });
  });

  it('warnings: multichannel channel order, input dropout without multichannel, a WandB key in clear', () => {
    expect(warningsOf({ loader_parameters: { multichannel: true, target_suffix: ['_seg'], contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T2w', 'T1w'] } } })).toEqual([
      'loader_parameters.contrast_params.testing: channel order ["T2w","T1w"] differs from training_validation ["T1w","T2w"]; channels follow list order',
    ]);
    expect(warningsOf({ loader_parameters: { is_input_dropout: true, target_suffix: ['_seg'], contrast_params: { training_validation: ['T1w'] } } })).toEqual([
      'loader_parameters.is_input_dropout: has no effect unless multichannel is true (a single input channel is never dropped)',
    ]);
    expect(warningsOf({ wandb: { wandb_api_key: 'abc' }, loader_parameters: { target_suffix: ['_seg'], contrast_params: { training_validation: ['T1w'] } } })).toEqual([
      'wandb.wandb_api_key: is set: ivadomed-web does not use WandB, and an exported config file carries this key in clear',
    ]);
  });

  it('remove_small: one threshold per class', () => {
    expect(errorsOf({ loader_parameters: { target_suffix: ['_seg-manual'] }, postprocessing: { remove_small: { unit: 'vox', thr: [3, 5] } } })).toEqual([
      'postprocessing.remove_small.thr: got 2 thresholds; must have one per class (1 in loader_parameters.target_suffix)',
    ]);
  });

  it('evaluation target_size bins must increase', () => {
    expect(errorsOf({ evaluation_parameters: { target_size: { unit: 'vox', thr: [100, 20] } } })).toEqual([
      'evaluation_parameters.target_size.thr: got [100,20]; must be strictly increasing (they are size-bin edges)',
    ]);
  });

  it('warnings: uncertainty thresholds without uncertainty maps, unused n_it, softmax on one class', () => {
    const w = warningsOf({
      loader_parameters: { target_suffix: ['_seg-manual'], contrast_params: { training_validation: ['T2w'] } },
      default_model: { final_activation: 'softmax' },
      uncertainty: { n_it: 5 },
      postprocessing: { uncertainty: { thr: 0.3, suffix: '_unc-vox.nii.gz' } },
    });
    expect(w).toEqual([
      'default_model.final_activation: softmax over a single output channel is constant 1; use sigmoid for one class',
      'uncertainty.n_it: got 5; no uncertainty is computed unless epistemic or aleatoric is true',
      'postprocessing.uncertainty.thr: got 0.3; this step needs uncertainty maps (uncertainty.n_it > 0 with epistemic or aleatoric), otherwise testing fails',
    ]);
  });
});

describe('unknown keys: warnings with suggestions (errors where ivadomed fails on them), kept in the config', () => {
  it('suggests the closest key and keeps the value', () => {
    const r = parseConfig({ training_parameters: { batch_sise: 8 }, loader_parameters: { multichanel: true } });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContainEqual({
      path: 'training_parameters.batch_sise',
      message: 'training_parameters.batch_sise: unknown key, ignored (kept on export); did you mean "batch_size"?',
      suggestion: 'batch_size',
    });
    expect(r.warnings.map((w) => w.suggestion)).toContain('multichannel');
    expect((r.config.training_parameters as Record<string, unknown>).batch_sise).toBe(8);
  });

  it('unknown transforms, steps and keyword arguments are errors (ivadomed fails on them), with suggestions', () => {
    const r = parseConfig({
      transformation: { RandomAfine: { degrees: 5 }, Resample: { hspace: 1, wspace: 1, dpace: 2 }, NormalizeInstance: { foo: 1 } },
      training_parameters: { loss: { name: 'FocalLoss', gama: 2 }, scheduler: { lr_scheduler: { name: 'CyclicLR', mode: 'triangular' } } },
      postprocessing: { fill_hole: {}, keep_largest: { thr: 1 } },
    });
    expect(r.errors.map((e) => e.message)).toEqual([
      'training_parameters.loss.gama: unknown keyword argument of FocalLoss, ivadomed fails on it; did you mean "gamma"?',
      'training_parameters.scheduler.lr_scheduler.mode: unknown keyword argument of CyclicLR, ivadomed fails on it (ivadomed forces mode "triangular2"); must be one of "base_lr", "max_lr", "step_size_up", "step_size_down", "gamma", "last_epoch"',
      'postprocessing.fill_hole: unknown postprocessing step, ivadomed fails on it; did you mean "fill_holes"?',
      'postprocessing.keep_largest.thr: unknown parameter of keep_largest, ivadomed fails on it (it takes none)',
      'transformation.RandomAfine: unknown transform, ivadomed fails on it; did you mean "RandomAffine"?',
      'transformation.Resample.dpace: unknown parameter of Resample, ivadomed fails on it; did you mean "dspace"?',
      'transformation.NormalizeInstance.foo: unknown parameter of NormalizeInstance, ivadomed fails on it; must be one of "applied_to", "dataset_type", "preprocessing"',
    ]);
    expect(r.errors.find((e) => e.path === 'transformation.RandomAfine')?.suggestion).toBe('RandomAffine');
    // Kept in the config all the same, so the user can fix them in a form.
    expect(Object.keys(r.config.transformation)).toEqual(['RandomAfine', 'Resample', 'NormalizeInstance']);
  });

  it('CosineAnnealingLR takes no keyword arguments from the file: extra keys there are only warnings', () => {
    const r = parseConfig({ training_parameters: { scheduler: { lr_scheduler: { name: 'CosineAnnealingLR', T_max: 10 } } } });
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toContain('training_parameters.scheduler.lr_scheduler.T_max: unknown key, ignored (kept on export)');
  });

  it('keys of old ivadomed versions get a pointer to their new place', () => {
    expect(warningsOf({ gpu: 1 })).toContain('gpu: unknown key, ignored (kept on export); did you mean "gpu_ids"? (old ivadomed key: ivadomed 2.9 reads "gpu_ids", a list such as [0])');
    expect(warningsOf({ evaluation_parameters: { targetSize: { unit: 'vox', thr: [20] } } })).toContain(
      'evaluation_parameters.targetSize: unknown key, ignored (kept on export); did you mean "target_size"? (old ivadomed key: now evaluation_parameters.target_size)',
    );
  });

  it('derived model keys are flagged as ignored', () => {
    expect(warningsOf({ default_model: { in_channel: 2 } })).toContain(
      'default_model.in_channel: derived by ivadomed at run time (number of contrasts when multichannel, else 1); the value in the file is ignored',
    );
  });

  it('keys written by ivadomed itself into config_file.json are known', () => {
    const r = parseConfig({ training_sha256: { 'sub-01_T2w.nii.gz': 'ab12' }, object_detection_params: { gpu_ids: 0, path_output: 'out' } });
    expect(r.warnings.filter((w) => w.message.includes('unknown'))).toEqual([]);
  });
});
