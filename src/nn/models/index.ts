/** The ivadomed architectures and the factory that builds one from a config's model parameters. */
export { createModel, registerModel, modelNames, keptOutputs, type BuiltModel, type ModelSpec, type ForwardExtras, type ModelTask } from './factory';
export * from './unet';
export { FiLMedUnet, FiLMlayer, FiLMgenerator } from './film';
export { HeMISUnet, fuseModalities, missingModalityMask, nextMissingProbability } from './hemis';
export { Modified3DUNet } from './modified3dunet';
export { Countception } from './countception';
export { ResNet, resnet18 } from './resnet';
export { DenseNet, densenet121 } from './densenet';
