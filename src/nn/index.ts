/**
 * Neural-network layer: Module (parameters, buffers, state dicts), leaf layers, initialisation,
 * safetensors weights, the ivadomed models and losses. Depends only on the engine.
 */
export { Module, ModuleList, type StateDict, type StateEntry } from './module';
export { Conv, Linear, BatchNorm, InstanceNorm, Dropout, reinit, type SpatialDims, type ConvLayerOptions, type BatchNormLayerOptions } from './layers';
export * as init from './init';
export { encodeSafetensors, decodeSafetensors } from './safetensors';
export * from './models/index';
export * from './losses/index';
