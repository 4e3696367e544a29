/**
 * What a transform or postprocessing step starts with when added in the form: its required
 * parameters with the values of ivadomed's documentation and templates; random augmentations
 * start on the training set only, intensity transforms on the image only.
 */
const TRAINING = { dataset_type: ['training'] };

const TRANSFORM_STARTERS: Record<string, Record<string, unknown>> = {
  Resample: { hspace: 0.75, wspace: 0.75, dspace: 1 },
  CenterCrop: { size: [128, 128] },
  ROICrop: { size: [48, 48] },
  BoundingBoxCrop: { size: [48, 48] },
  NormalizeInstance: { applied_to: ['im'] },
  RandomAffine: { degrees: 5, scale: [0.1, 0.1], translate: [0.03, 0.03], applied_to: ['im', 'gt'], ...TRAINING },
  RandomReverse: { applied_to: ['im', 'gt'], ...TRAINING },
  RandomShiftIntensity: { shift_range: [-0.1, 0.1], prob: 0.5, applied_to: ['im'], ...TRAINING },
  ElasticTransform: { alpha_range: [28.0, 30.0], sigma_range: [3.5, 4.5], p: 0.5, applied_to: ['im', 'gt'], ...TRAINING },
  AdditiveGaussianNoise: { mean: 0, std: 0.02, applied_to: ['im'], ...TRAINING },
  Clahe: { clip_limit: 3.0, kernel_size: [8, 8], applied_to: ['im'] },
  HistogramClipping: { min_percentile: 3, max_percentile: 97, applied_to: ['im'] },
  RandomGamma: { log_gamma_range: [-0.5, 0.5], p: 0.5, applied_to: ['im'], ...TRAINING },
  RandomBiasField: { coefficients: 0.5, order: 3, p: 0.5, applied_to: ['im'], ...TRAINING },
  RandomBlur: { sigma_range: [0.0, 1.0], p: 0.5, applied_to: ['im'], ...TRAINING },
  DilateGT: { dilation_factor: 0.25, applied_to: ['gt'], ...TRAINING },
};

const STEP_STARTERS: Record<string, Record<string, unknown>> = {
  binarize_prediction: { thr: 0.5 },
  binarize_maxpooling: {},
  fill_holes: {},
  keep_largest: {},
  remove_noise: { thr: 0.01 },
  remove_small: { unit: 'vox', thr: 3 },
  uncertainty: { thr: 0.5, suffix: '_unc-vox.nii.gz' },
};

export function transformStarter(name: string): Record<string, unknown> {
  return structuredClone(TRANSFORM_STARTERS[name] ?? {});
}

export function postprocessingStarter(name: string): Record<string, unknown> {
  return structuredClone(STEP_STARTERS[name] ?? {});
}
