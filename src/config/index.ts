/**
 * ivadomed's config.json as a validated, typed schema: parse (migrate, merge defaults, override,
 * validate), serialize, describe for forms, presets. See docs/config.md.
 */
export { parseConfig, serializeConfig } from './parse';
export type { ConfigOverrides, ParseOptions, ParseResult, SerializeOptions } from './parse';
export type { ConfigIssue } from './issues';
export type { MigrationNote } from './migrate';
export { IVADOMED_DEFAULTS, defaultsCopy } from './defaults';
export { describeConfig, describeKey, listFields } from './describe';
export type { ConfigNode, FieldKind } from './describe';
export { PRESET_IDS, getPreset, parsePreset, presetConfig } from './presets';
export type { Preset, PresetId } from './presets';
export { resolveModelParams, appliedSections } from './model';
export type { ResolvedModelParams } from './model';
export { parseHyperparameterGrid } from './sweep';
export type { GridParseResult, SweptParameter } from './sweep';
export { IvadomedConfigSchema, COMMANDS } from './schema';
export type {
  Command,
  EvaluationParameters,
  IvadomedConfig,
  LoaderParameters,
  ObjectDetectionParams,
  SplitDataset,
  TrainingParameters,
  UncertaintyConfig,
} from './schema';
export { LOSS_NAMES, LOSS_SCHEMAS, LossSchema } from './schema/losses';
export type { LossConfig, LossName } from './schema/losses';
export { LR_SCHEDULER_NAMES, LR_SCHEDULER_SCHEMAS } from './schema/schedulers';
export type { LrSchedulerConfig, LrSchedulerName } from './schema/schedulers';
export { CLASSIFIER_NAMES, FINAL_ACTIVATIONS, MODEL_NAMES, MODEL_SECTIONS } from './schema/models';
export type { DefaultModelConfig, FiLMedUnetConfig, HeMISUnetConfig, ModelName, ModelSection, Modified3DUNetConfig } from './schema/models';
export { APPLIED_TO, DATASET_TYPES, PREPROCESSING_TRANSFORMS, TRANSFORM_NAMES, TRANSFORM_SCHEMAS } from './schema/transforms';
export type { TransformName, TransformParams, TransformationConfig } from './schema/transforms';
export { POSTPROCESSING_SCHEMAS, POSTPROCESSING_STEP_NAMES, UNCERTAINTY_SUFFIXES } from './schema/postprocessing';
export type { PostprocessingConfig, PostprocessingStepName } from './schema/postprocessing';
export { contrastList, subdatasetTransforms } from './runtime';
export type { SubDataset } from './runtime';
