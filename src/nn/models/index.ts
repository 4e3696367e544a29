/** The ivadomed architectures and the factory that builds one from a config's model parameters. */
export { createModel, registerModel, modelNames, keptOutputs, type BuiltModel, type ModelSpec, type ForwardExtras, type ModelTask } from './factory';
export * from './unet';
