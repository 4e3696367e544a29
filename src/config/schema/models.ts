/**
 * Model sections (INVENTORY §a.2, §a.3, §b): `default_model` and the optional per-architecture sections
 * FiLMedUnet, HeMISUnet, Modified3DUNet, resnet18, densenet121, Countception. ivadomed builds the model
 * parameters as default_model ∪ the one section whose `applied` is true (set_model_params), so every
 * architecture key is also accepted inside default_model.
 */
import * as z from 'zod';
import { bool, int, list, nullable, num, oneOf, optional, section, str } from '../fields';

export const MODEL_NAMES = ['Unet', 'FiLMedUnet', 'HeMISUnet', 'Modified3DUNet', 'Countception', 'resnet18', 'densenet121'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** ivadomed's MODEL_LIST: sections selected with `"applied": true`, in ivadomed's order. */
export const MODEL_SECTIONS = ['Modified3DUNet', 'HeMISUnet', 'FiLMedUnet', 'resnet18', 'densenet121', 'Countception'] as const;
export type ModelSection = (typeof MODEL_SECTIONS)[number];
export const CLASSIFIER_NAMES = ['resnet18', 'densenet121'] as const;
export const FINAL_ACTIVATIONS = ['sigmoid', 'relu', 'softmax'] as const;

const size2 = (description: string) => list(int({ min: 1 }), { length: 2 }, description);
const size3 = (description: string) => list(int({ min: 1 }), { length: 3 }, description);

// ivadomed's docs give [128, 128, 16] as the default of both, but its 3D loader reads them without a
// fallback (KeyError): they have no code default, and 3D models must set them (crosscheck.ts).
const length3D = () =>
  optional(size3('Size of the 3D patches fed to the model, each a multiple of 16; required for 3D models (docs suggest [128, 128, 16]).'));
const stride3D = () =>
  optional(size3('Voxel shift between consecutive 3D patches; required for 3D models (docs suggest [128, 128, 16]).'));

export const DefaultModelSchema = section(
  {
    name: oneOf(MODEL_NAMES, 'Architecture when no section below is applied ("Unet" by default).'),
    dropout_rate: num({ min: 0, lt: 1 }, 'Dropout probability.'),
    bn_momentum: num({ min: 0, max: 1 }, 'BatchNorm momentum (PyTorch convention: weight of the new batch statistics).'),
    depth: int({ min: 1 }, 'Number of down-sampling (max-pool) operations.'),
    is_2d: bool('true: 2D model on slices; false: 3D model on patches (needs length_3D and stride_3D).'),
    final_activation: optional(
      oneOf(FINAL_ACTIVATIONS, 'Final activation: sigmoid, relu (normalized ReLU, for soft ground truth) or softmax.'),
      { codeDefault: 'sigmoid' },
    ),
    n_filters: optional(int({ min: 1 }, 'Filters of the first convolution, doubled at each level.'), { codeDefault: 64 }),
    length_2D: optional(size2('Size of the 2D patches fed to the model (2D patching).')),
    stride_2D: optional(size2('Pixel shift between consecutive 2D patches.')),
    length_3D: length3D(),
    stride_3D: stride3D(),
  },
  'Default model and the parameters shared by every architecture.',
);

export const FiLMedUnetSchema = section(
  {
    applied: bool('Set to true to use this model.'),
    metadata: str(
      'Conditioning data: "mri_params" (FlipAngle, EchoTime, RepetitionTime, Manufacturer), "contrasts", or a participants.tsv column.',
      { nonEmpty: true },
    ),
    film_layers: list(int({ min: 0, max: 1 }), { min: 1 }, 'One 0/1 flag per FiLM slot: 2*depth+2 slots (10 with Modified3DUNet).'),
  },
  'U-Net with FiLM layers conditioned on metadata.',
);

export const HeMISUnetSchema = section(
  {
    applied: bool('Set to true to use this model.'),
    missing_probability: num({ min: 0, max: 1 }, 'Initial probability that a contrast is missing from the input.'),
    missing_probability_growth: num({ gt: 0 }, 'Each epoch missing_probability becomes missing_probability ** growth.'),
    contrasts: optional(list(str(), { min: 1 }, 'Contrasts given one encoder each; required when applied.')),
    ram: optional(bool({ description: 'HDF5 loader option (loader removed in ivadomed 2.9.1).', ignored: true })),
    path_hdf5: optional(nullable(str(), { description: 'HDF5 file (loader removed in ivadomed 2.9.1).', ignored: true })),
    csv_path: optional(nullable(str(), { description: 'HDF5 index CSV (loader removed in ivadomed 2.9.1).', ignored: true })),
    target_lst: optional(nullable(list(str()), { description: 'HDF5 targets (loader removed in ivadomed 2.9.1).', ignored: true })),
    roi_lst: optional(nullable(list(str()), { description: 'HDF5 ROIs (loader removed in ivadomed 2.9.1).', ignored: true })),
  },
  'U-Net inspired by HeMIS, robust to missing contrasts.',
);

export const Modified3DUNetSchema = section(
  {
    applied: bool('Set to true to use this model.'),
    length_3D: length3D(),
    stride_3D: stride3D(),
    attention: optional(bool('Attention gates in the decoder.'), { codeDefault: false }),
    n_filters: optional(int({ min: 1 }, 'Filters of the first convolution, doubled at each level.'), { codeDefault: 16 }),
  },
  '3D U-Net (Isensee et al.) with LeakyReLU, InstanceNorm and deep supervision.',
);

const appliedOnly = (description: string) => section({ applied: bool('Set to true to use this model.') }, description);

export const Resnet18Schema = appliedOnly('ResNet-18 slice classifier (one input channel).');
export const Densenet121Schema = appliedOnly('DenseNet-121 slice classifier (one input channel).');
export const CountceptionSchema = appliedOnly('Count-ception keypoint heat-map regressor.');

export type DefaultModelConfig = z.output<typeof DefaultModelSchema>;
export type FiLMedUnetConfig = z.output<typeof FiLMedUnetSchema>;
export type HeMISUnetConfig = z.output<typeof HeMISUnetSchema>;
export type Modified3DUNetConfig = z.output<typeof Modified3DUNetSchema>;
