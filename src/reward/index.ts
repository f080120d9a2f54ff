/** The Latent Reward Model: models, training, metrics, files. */
export * from './metrics.js';
export * from './positional-encoding.js';
export * from './labelled-trajectories.js';
export * from './reward-model-config.js';
export * from './weight-init.js';
export * from './reward-model.js';
export * from './transformer-reward-model.js';
export * from './probe-reward-model.js';
export * from './fit.js';
export * from './reward-model-files.js';
export * from './prefix-auroc.js';
export * from './train-reward-model.js';
export * from './question-centring.js';
export * from './cached-reward-model.js';
