/**
 * Trajectory analysis: per-step representation metrics (correct vs incorrect, with bootstrap
 * bands), separability (linear probe and metric AUROCs per step), and PCA / UMAP projections.
 * Pure maths on plain data (TrajectoryArray, StateMatrix): no I/O, no rendering.
 */
export { stateMatrix, statesAt, allStates, InsufficientDataError, type StateMatrix, type PreprocessOptions } from './state-matrix.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { matrixEntropy, effectiveRank, anisotropy, meanPairwiseCosine, stateSpectrum, shannonEntropy } from './population-metrics.js';
export { intrinsicDimensionTwoNN, twoNnRatios } from './intrinsic-dimension.js';
export { stepChangeNorms, successiveCosines, successiveAngles, type TransitionValues } from './step-dynamics.js';
export { chainOfEmbedding, chainOfEmbeddingByStep, coeScores, type ChainOfEmbedding, type ChainOfEmbeddingOptions } from './chain-of-embedding.js';
export {
  metricsByStep,
  curveArrays,
  runMetricsByStep,
  splitIntoPopulations,
  RUN_METRICS,
  POPULATION_METRICS,
  METRIC_DESCRIPTIONS,
  type MetricName,
  type RunMetricName,
  type PopulationMetricName,
  type MetricsByStep,
  type MetricsByStepOptions,
  type MetricStepCurve,
  type CurveArrays,
  type StepComparison,
  type Band,
} from './metrics-by-step.js';
export { stratifiedFolds, type FoldOptions } from './cross-validation.js';
export { fitLogisticRegression, logisticLogits, type LogisticModel, type LogisticRegressionOptions } from './logistic-regression.js';
export { probeAurocByStep, metricAurocByStep, type ProbeOptions, type ProbeSeparability, type ProbeStepResult, type MetricStepAuroc } from './separability.js';
export { fitPca, pcaTransform, pcaFromJSON, pcaByStep, pcaOverSteps, type PcaModel, type PcaOptions, type PcaStepProjection } from './pca.js';
export { fitUmap, type UmapOptions, type UmapProjection, type UmapSettings, type UmapJson } from './umap-projection.js';
