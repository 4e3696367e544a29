/**
 * The engine's public API: tensors on CPU or WebGPU, define-by-run autograd, and the ops neural
 * networks need. See docs/engine.md.
 */
export { Tensor } from './tensor';
export type { DType, FloatArray } from './dtype';
export type { BackendName } from './backend';
export { setBackend, getBackend, flush, sync, webgpuBackend, type SetBackendOptions } from './registry';
export { scope, memory, resetPeakMemory, type MemoryInfo } from './memory';
export { noGrad, isGradEnabled, record, needsGrad, type BackwardRule } from './autograd';
export { manualSeed } from './rng';
export * from './ops/creation';
export * from './ops/elementwise';
export * from './ops/reduce';
export * from './ops/shape';
export * from './ops/matmul';
export * from './ops/softmax';
export * from './ops/conv';
export * from './ops/pool';
export * from './ops/resize';
export * from './ops/norm';
export * from './ops/dropout';
export * from './ops/film';
export * from './ops/optim';
export { gradcheck, checkInput } from './gradcheck';
export { compareBackends, seededValues } from './testing';
