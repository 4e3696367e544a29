/**
 * Public API of the data layer (see docs/data.md). Browser-safe: Node-only pieces (the fs source) are
 * exported from ./node.
 */
export * from './volume';
export * from './nifti/index';
export * from './sources/index';
export * from './orientation';
export * from './images/index';
export * from './bids/index';
export * from './synthetic/index';
export * from './transforms/index';
export * from './split/index';
export * from './sampler/index';
export * from './patches/index';
export * from './dataset/index';
export { DataRng } from './rng';
export * from './film/index';
