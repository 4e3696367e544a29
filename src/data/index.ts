/**
 * Public API of the data layer (see docs/data.md).
 */
export * from './volume';
export * from './nifti/index';
