export * from './ndarray';
export * from './types';
export { Compose, applyTransform, buildTransforms, createTransform, pipelinesFromConfig, undoTransforms, TRANSFORM_NAMES } from './compose';
export { BoundingBoxCrop, CenterCrop, ElasticTransform, RandomAffine, RandomReverse, Resample, ROICrop, cropWindow, uncropWindow, flipAxes } from './geometric';
export { AdditiveGaussianNoise, Clahe, HistogramClipping, NormalizeInstance, RandomBiasField, RandomBlur, RandomGamma, RandomShiftIntensity, meanStd, percentile } from './intensity';
export { DilateGT, connectedComponents } from './labels';
export { zoom3, affineLinear3, warpLinearReflect3, gaussianFilter3, gaussianKernel } from './interp';
