export { balancedIndices, batchIndices, epochOrder, gtLabel, stackBatch, type BalanceSamples } from './sampler';
