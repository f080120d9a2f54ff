/**
 * Sampling with a cache folder: the first call samples (resumably, batch by batch, into
 * `dir/parts`) and saves the set to `dir`; later calls with the same model, questions and
 * settings load it instead. A folder holding a set sampled differently is an error, never a
 * silent reuse.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import type { Tokenizer } from '../model/tokenizer/tokenizer.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import { GenerationPool } from '../model/generation-pool.js';
import { initBackend } from '../tensor/backend.js';
import { sampleTrajectories, type SampleOptions, type SamplingItem } from './sample.js';
import { samplingDifferences } from './sampling-differences.js';
import { MANIFEST_FILE, loadTrajectorySet, saveTrajectorySet } from './storage.js';
import type { TrajectorySet } from './trajectory-set.js';

/** Why a cached set cannot stand for the requested sampling, or undefined when it can. */
function mismatch(set: TrajectorySet, fingerprint: string, items: readonly SamplingItem[], model: RecurrentDepthModel, o: SampleOptions): string | undefined {
  const differing = samplingDifferences(set.manifest, fingerprint, model, o);
  if (set.questionIds().join('\n') !== items.map((i) => i.id).join('\n')) differing.push('questions');
  return differing.length ? differing.join(', ') : undefined;
}

export interface CachedSamplingOptions extends SampleOptions {
  /**
   * When the set has to be sampled and no `pool` is given, sample it in this many worker threads:
   * a GenerationPool opened on the model's folder, on this thread's backend, for that sampling
   * only (so loading a cached set starts no workers). Default 1 (in-process).
   */
  readonly workers?: number;
}

/** Loads the set cached in `dir`, or samples and caches it (see the module comment). */
export async function sampleOrLoadTrajectorySet(dir: string, model: RecurrentDepthModel, tokenizer: Tokenizer, items: readonly SamplingItem[], options: CachedSamplingOptions): Promise<TrajectorySet> {
  const { workers = 1, ...sampling } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`sampleOrLoadTrajectorySet: workers must be a positive integer, got ${workers}`);
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const cached = await loadTrajectorySet(dir);
    const fingerprint = await checkpointFingerprint(model.source);
    const differs = mismatch(cached, fingerprint, items, model, sampling);
    if (differs) throw new Error(`${dir}: holds a trajectory set sampled with another ${differs}; use another folder or delete it`);
    sampling.onProgress?.(items.length, items.length);
    return cached;
  }
  const partsDir = join(dir, 'parts');
  const pool = workers > 1 && sampling.pool === undefined ? await GenerationPool.open(model.source, { workers, backend: (await initBackend()).name }) : undefined;
  let set: TrajectorySet;
  try {
    set = await sampleTrajectories(model, tokenizer, items, { ...sampling, partsDir, ...(pool ? { pool } : {}) });
  } finally {
    await pool?.close();
  }
  await saveTrajectorySet(set, dir);
  await fsp.rm(partsDir, { recursive: true, force: true });
  return set;
}
