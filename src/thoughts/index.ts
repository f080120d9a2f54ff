/** Trajectory sets: sampling, pooling, storage, import (re-exported by src/index.ts). */
export { TrajectorySet, type TokenLatents } from './trajectory-set.js';
export { sampleTrajectories, concatTrajectorySets, type SampleOptions, type SamplingItem } from './sample.js';
export { saveTrajectorySet, loadTrajectorySet, type SaveOptions } from './storage.js';
export { loadSavedTrajectories } from './saved-parts.js';
export { sampleOrLoadTrajectorySet, type CachedSamplingOptions } from './cached-sampling.js';
export { importTrajectories, parseLabelLines, type ImportOptions } from './import.js';
export { POOLINGS, poolTokenLatents, isPooling, type Pooling } from './pooling.js';
export { RUN_RECORD_FIELDS, type RunRecord } from './run-record.js';
export { MANIFEST_FORMAT, MANIFEST_VERSION, type TrajectoryManifest, type SamplingSettings } from './manifest.js';
