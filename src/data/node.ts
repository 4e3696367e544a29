/**
 * The data layer for Node (CLI, tests, benchmarks): everything in ./index plus the fs file source.
 */
export * from './index';
export { createNodeSource } from './sources/node';
