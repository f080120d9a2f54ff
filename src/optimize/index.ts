/** Latent Thinking Optimization: the sampler, the baselines, evaluation and sweeps. */
export * from './candidate-pool.js';
export * from './lto-sampler.js';
export * from './voting.js';
export * from './majority-split-auroc.js';
export * from './reward-ensemble.js';
export * from './selection.js';
export * from './methods.js';
export * from './evaluation.js';
export * from './sweeps.js';
export * from './early-rejection.js';
export * from './experiment.js';
