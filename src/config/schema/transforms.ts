/**
 * `transformation` (INVENTORY §e): an ordered object name → parameters. Every transform also takes
 * `applied_to` (subset of im/gt/roi) and `dataset_type` (subset of training/validation/testing);
 * `preprocessing` is stripped by ivadomed before construction.
 */
import * as z from 'zod';
import { bool, int, list, nullable, num, oneOf, optional, strictSection, withMeta } from '../fields';

export const APPLIED_TO = ['im', 'gt', 'roi'] as const;
export const DATASET_TYPES = ['training', 'validation', 'testing'] as const;

const common = () => ({
  applied_to: optional(list(oneOf(APPLIED_TO), { min: 1 }, 'Which samples the transform applies to.'), {
    codeDefault: ['im', 'gt', 'roi'],
  }),
  dataset_type: optional(list(oneOf(DATASET_TYPES), { min: 1 }, 'Which sub-datasets the transform applies to.'), {
    codeDefault: ['training', 'validation', 'testing'],
  }),
  preprocessing: optional(bool({ description: 'Stripped by ivadomed before the transform is built.', ignored: true })),
});

/** [low, high] with low <= high. */
function range(o: { min?: number; max?: number }, description: string) {
  const item = num(o);
  const s = z
    .array(item)
    .length(2)
    .refine((v) => v.length !== 2 || v[0]! <= v[1]!, { message: 'low must be <= high' });
  const bound = o.min !== undefined && o.max !== undefined ? `, each in [${o.min}, ${o.max}]` : o.min !== undefined ? `, each >= ${o.min}` : '';
  return withMeta(s, `a list [low, high] of 2 numbers with low <= high${bound}`, description);
}

const probability = (codeDefault: number, description = 'Probability of applying the transform.') =>
  optional(num({ min: 0, max: 1 }, description), { codeDefault });

/** A transform: its unknown parameters are errors (ivadomed passes them to the constructor, which fails). */
function transform<S extends z.core.$ZodLooseShape>(name: string, shape: S, description: string) {
  return strictSection(shape, description, `parameter of ${name}`);
}

const cropSize = (description: string) => list(int({ min: 1 }), { min: 2, max: 3 }, description);

export const TRANSFORM_SCHEMAS = {
  Resample: transform('Resample',
    {
      hspace: num({ gt: 0 }, 'Target resolution along the first axis (mm).'),
      wspace: num({ gt: 0 }, 'Target resolution along the second axis (mm).'),
      dspace: optional(num({ gt: 0 }, 'Target resolution along the third axis (mm).'), { codeDefault: 1.0 }),
      ...common(),
    },
    'Resample to a given resolution (preprocessing: applied once when the dataset is loaded).',
  ),
  CenterCrop: transform('CenterCrop',
    { size: cropSize('Crop size [H, W] or [H, W, D].'), ...common() },
    'Centered crop, zero-padded where the image is smaller (preprocessing).',
  ),
  ROICrop: transform('ROICrop',
    { size: cropSize('Crop size [H, W] or [H, W, D].'), ...common() },
    'Crop centered on the ROI\'s center of mass (preprocessing; needs loader_parameters.roi_params.suffix).',
  ),
  BoundingBoxCrop: transform('BoundingBoxCrop',
    { size: cropSize('Crop size.'), ...common() },
    'Crop to the bounding box of a detection model (inserted by ivadomed for cascaded models).',
  ),
  NormalizeInstance: transform('NormalizeInstance', { ...common() }, 'Per-channel (x - mean) / std of the sample itself.'),
  RandomAffine: transform('RandomAffine',
    {
      degrees: optional(
        withMeta(
          z.union([num({ min: 0 }), z.array(num()).length(2)]),
          'a number >= 0 (range [-d, d]) or a list [low, high] of 2 numbers',
          'Rotation angle range in degrees.',
        ),
        { codeDefault: 0 },
      ),
      translate: optional(
        nullable(list(num({ min: 0, max: 1 }), { min: 2, max: 3 }, 'Maximum translation per axis, as a fraction of the size.')),
        { codeDefault: null },
      ),
      scale: optional(
        nullable(list(num({ min: 0, max: 1 }), { min: 2, max: 3 }, 'Maximum scaling per axis: factors drawn in [1 - s, 1 + s].')),
        { codeDefault: null },
      ),
      ...common(),
    },
    'Random rotation, scaling and translation (image and labels get the same parameters).',
  ),
  RandomReverse: transform('RandomReverse', { ...common() }, 'Random flip along each axis with probability 0.5.'),
  RandomShiftIntensity: transform('RandomShiftIntensity',
    {
      shift_range: range({}, 'Range of the random intensity offset.'),
      prob: probability(0.1),
      ...common(),
    },
    'Add a random intensity offset.',
  ),
  ElasticTransform: transform('ElasticTransform',
    {
      alpha_range: range({ min: 0 }, 'Range of the deformation strength alpha.'),
      sigma_range: range({ min: 0 }, 'Range of the Gaussian smoothing sigma of the displacement field.'),
      p: probability(0.1),
      ...common(),
    },
    'Elastic deformation.',
  ),
  AdditiveGaussianNoise: transform('AdditiveGaussianNoise',
    {
      mean: optional(num({}, 'Mean of the Gaussian noise.'), { codeDefault: 0.0 }),
      std: optional(num({ min: 0 }, 'Standard deviation of the Gaussian noise.'), { codeDefault: 0.01 }),
      ...common(),
    },
    'Add Gaussian noise.',
  ),
  Clahe: transform('Clahe',
    {
      clip_limit: optional(num({ gt: 0 }, 'Clipping limit.'), { codeDefault: 3.0 }),
      kernel_size: optional(list(int({ min: 1 }), { min: 2, max: 3 }, 'Contextual region shape; length = image dimension.'), {
        codeDefault: [8, 8],
      }),
      ...common(),
    },
    'Contrast Limited Adaptive Histogram Equalization.',
  ),
  HistogramClipping: transform('HistogramClipping',
    {
      min_percentile: optional(num({ min: 0, max: 100 }, 'Lower clipping percentile.'), { codeDefault: 5.0 }),
      max_percentile: optional(num({ min: 0, max: 100 }, 'Upper clipping percentile.'), { codeDefault: 95.0 }),
      ...common(),
    },
    'Clip intensities to percentiles.',
  ),
  RandomGamma: transform('RandomGamma',
    {
      log_gamma_range: range({}, 'Range of log(gamma).'),
      p: probability(0.5),
      ...common(),
    },
    'Random gamma contrast change.',
  ),
  RandomBiasField: transform('RandomBiasField',
    {
      coefficients: num({ min: 0 }, 'Maximum magnitude of the polynomial coefficients.'),
      order: int({ min: 0 }, 'Order of the basis polynomials.'),
      p: probability(0.5),
      ...common(),
    },
    'Random MRI bias field (torchio RandomBiasField).',
  ),
  RandomBlur: transform('RandomBlur',
    {
      sigma_range: range({ min: 0 }, 'Range of the Gaussian blur sigma.'),
      p: probability(0.5),
      ...common(),
    },
    'Random Gaussian blur.',
  ),
  DilateGT: transform('DilateGT',
    {
      dilation_factor: num({ min: 0 }, 'Controls the number of dilation iterations per object (0 disables).'),
      ...common(),
    },
    'Soft labels: dilate each ground-truth object with decreasing values.',
  ),
} as const;

export type TransformName = keyof typeof TRANSFORM_SCHEMAS;
export const TRANSFORM_NAMES = Object.keys(TRANSFORM_SCHEMAS) as TransformName[];
/** Applied once at load time, not per item (INVENTORY §e). */
export const PREPROCESSING_TRANSFORMS: readonly TransformName[] = ['Resample', 'CenterCrop', 'ROICrop'];

export const TransformationSchema = strictSection(
  Object.fromEntries(TRANSFORM_NAMES.map((n) => [n, optional(TRANSFORM_SCHEMAS[n])])) as {
    [K in TransformName]: z.ZodOptional<(typeof TRANSFORM_SCHEMAS)[K]>;
  },
  'Ordered transforms: preprocessing and data augmentation, applied in the order written.',
  'transform',
);

export type TransformationConfig = z.output<typeof TransformationSchema>;
export type TransformParams<K extends TransformName> = z.output<(typeof TRANSFORM_SCHEMAS)[K]>;
