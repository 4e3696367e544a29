/**
 * The whole ivadomed config.json, after ivadomed's merge with config_default.json. Sections are loose
 * objects: keys we do not know survive parsing (ivadomed keeps them too) and are reported as warnings.
 */
import * as z from 'zod';
import { bool, list, int, oneOf, optional, section, str, withMeta } from '../fields';
import {
  CountceptionSchema,
  DefaultModelSchema,
  Densenet121Schema,
  FiLMedUnetSchema,
  HeMISUnetSchema,
  Modified3DUNetSchema,
  Resnet18Schema,
} from './models';
import { PostprocessingSchema } from './postprocessing';
import {
  EvaluationParametersSchema,
  LoaderParametersSchema,
  ObjectDetectionParamsSchema,
  SplitDatasetSchema,
  TrainingParametersSchema,
  UncertaintySchema,
  WandbSchema,
} from './sections';
import { TransformationSchema } from './transforms';

export const COMMANDS = ['train', 'test', 'segment'] as const;
export type Command = (typeof COMMANDS)[number];

export const IvadomedConfigSchema = section(
  {
    command: oneOf(COMMANDS, 'What to run: train a model, test it on the test split, or segment a whole dataset.'),
    gpu_ids: list(int({ min: 0 }), { min: 1 }, 'GPU ids (only the first is used; ivadomed-web uses the WebGPU adapter).'),
    path_output: str('Folder receiving the outputs (model, predictions, results).', { nonEmpty: true }),
    model_name: str('Name of the packaged model folder and files inside path_output.', { nonEmpty: true }),
    debugging: bool('Extended verbosity and intermediate outputs.'),
    log_file: str('Log file name inside path_output.', { nonEmpty: true }),
    wandb: WandbSchema,
    object_detection_params: ObjectDetectionParamsSchema,
    loader_parameters: LoaderParametersSchema,
    split_dataset: SplitDatasetSchema,
    training_parameters: TrainingParametersSchema,
    default_model: DefaultModelSchema,
    FiLMedUnet: optional(FiLMedUnetSchema),
    HeMISUnet: optional(HeMISUnetSchema),
    Modified3DUNet: optional(Modified3DUNetSchema),
    resnet18: optional(Resnet18Schema),
    densenet121: optional(Densenet121Schema),
    Countception: optional(CountceptionSchema),
    uncertainty: UncertaintySchema,
    postprocessing: PostprocessingSchema,
    evaluation_parameters: EvaluationParametersSchema,
    transformation: TransformationSchema,
    training_sha256: optional(
      withMeta(z.record(z.string(), z.string()), 'an object mapping a file name to its sha256', {
        description: 'Written by ivadomed when training: sha256 of every training file.',
        ignored: true,
      }),
    ),
  },
  'ivadomed configuration.',
);

/** A fully resolved (defaults merged, migrated, validated) ivadomed configuration. */
export type IvadomedConfig = z.output<typeof IvadomedConfigSchema>;
export type LoaderParameters = IvadomedConfig['loader_parameters'];
export type SplitDataset = IvadomedConfig['split_dataset'];
export type TrainingParameters = IvadomedConfig['training_parameters'];
export type UncertaintyConfig = IvadomedConfig['uncertainty'];
export type EvaluationParameters = IvadomedConfig['evaluation_parameters'];
export type ObjectDetectionParams = IvadomedConfig['object_detection_params'];
