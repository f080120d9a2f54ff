/**
 * latent-thinking: the public API. Everything a notebook or another package should use is
 * exported here; deeper paths are internal and may change.
 */

// Tensor backend and seeded randomness
export { initBackend, describeBackend, parseBackendChoice, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './tensor/backend.js';
export { Rng, deriveSeed, type Seed } from './tensor/random.js';
export { liveTensorCount, disposeAll } from './tensor/memory.js';

// Files
export { SafetensorsFile, writeSafetensors, writeSafetensorsStreaming, encodeSafetensors, type WritableTensor, type WritableDtype, type SafetensorsDtype, type TensorEntry } from './io/safetensors.js';
export { openCheckpointTensors, type TensorSource } from './io/checkpoint.js';
export { writeFileAtomic } from './io/atomic.js';

// The latent model
export { parseHuginnConfig, parameterCount, type HuginnConfig } from './model/config.js';
export { RecurrentDepthModel, type ForwardOptions, type ForwardResult, type PositionSelection } from './model/recurrent-depth-model.js';
export { InitialStateSampler } from './model/initial-state.js';
export { StepNoiseSampler, NOISE_SCHEDULES, type TestTimeNoise, type NoiseSchedule } from './model/test-time-noise.js';
export { loadDefaultModel, loadStandardModel, loadModelWithTokenizer, defaultModelDir, DEFAULT_MODEL_DIR, STANDARD_MODEL_DIR, STANDARD_MODEL_LAYERS, type LoadedModel } from './model/default-model.js';
export { evaluateAccuracy, summarizeOutcomes, promptIds, type AccuracyReport, type AccuracyOptions, type RunOutcome } from './evaluation/accuracy.js';
export { GenerationPool, type GenerationPoolOptions } from './model/generation-pool.js';
export { ForwardPool, type ForwardPoolOptions, type PoolForwardOptions, type PoolForwardResult, type PoolTensor } from './model/worker-pool.js';
export { selectNames, FIXED_NAMES, STEP_FAMILIES } from './model/latent-names.js';
export { KvCache } from './model/kv-cache.js';
export { generate, leftPad, type GenerateOptions, type GenerationResult, type GeneratedSequence, type StopReason } from './model/generate.js';
export { EXIT_CRITERIA, type EarlyExitOptions, type ExitCriterion } from './model/early-exit.js';
export type { Decoding, SamplingOptions } from './model/sampling.js';
export { checkFixture, PARITY_TOLERANCE, type FixtureReport } from './model/fixture-check.js';

// Tokenizers
export * from './model/tokenizer/index.js';
// Tasks: synthetic task suite, real dataset loaders, answer scoring
export * from './tasks/index.js';

// Notebook display: the display protocol, display(), rich summaries, progress bars
export * from './display/index.js';

// Analysis: per-step metrics, separability, PCA and UMAP
export * from './analysis/index.js';
// Trajectory sets: sampling, storage, import
export * from './thoughts/index.js';
// The Latent Reward Model (LRM) and probes
export * from './reward/index.js';
// Latent Thinking Optimization and the baselines
export * from './optimize/index.js';
// Shared statistics
export { rocAuc, rocCurve, withinGroupAuc, type RocCurve as RocCurveData, type WithinGroupAuc } from './stats/roc.js';
export { bootstrapInterval, meanInterval, pairedBootstrapPValue, type Interval, type BootstrapOptions } from './stats/bootstrap.js';
export { trajectoryArray, statesAtStep, runTrajectory, selectRuns, type TrajectoryArray } from './tensor/trajectory-array.js';
