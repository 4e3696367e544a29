/** Evaluation: metrics, connected components, distance transforms, surface metrics, tables. */
export { labelComponents, fillHoles, fillHolesPerSlice, type Dims3, type Connectivity, type Labelling } from './components';
export { squaredDistanceToFeatures, distanceTransformEdt } from './distance';
export {
  surfaceVoxels, surfaceDistances, hausdorffDistance, hausdorffFromDistances, averageSurfaceDistance,
  averageSurfaceDistanceFromDistances, surfaceDice, surfaceDiceFromDistances, percentile,
  type SurfaceDistances, type Spacing3,
} from './surface';
export {
  numericScore, diceScore, multiClassDiceScore, precisionScore, recallScore, specificityScore,
  intersectionOverUnion, accuracyScore, mseIvadomed, hausdorffScoreIvadomed, sampleMetrics, MetricManager, nanMean,
  type SoftCounts, type MetricName,
} from './metrics';
export {
  evaluate3D, sizeBins, pyFloatRepr, TP_COLOUR, FP_COLOUR, FN_COLOUR,
  type EvaluationParams, type ImageEvaluation, type SizeBins, type OverlapParam,
} from './evaluation3d';
export { EvaluationTable, evaluateImages, type EvaluationItem } from './table';
export { thresholdAnalysis, thresholdList, type ThresholdCurve } from './threshold';
