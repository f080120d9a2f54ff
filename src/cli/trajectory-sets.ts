/**
 * Trajectory sets of the task splits for the CLI: one cached set per (model, domain, split,
 * question count, sampling settings) under a sets folder (default `out/sets`), sampled on first
 * use (resumably) and loaded afterwards.
 */
import { join, resolve } from 'node:path';
import type { LoadedModel } from '../model/default-model.js';
import type { GenerationPool } from '../model/generation-pool.js';
import type { TestTimeNoise } from '../model/test-time-noise.js';
import { checkpointFingerprint } from '../io/checkpoint-fingerprint.js';
import { readTaskJsonl } from '../tasks/jsonl.js';
import type { Domain } from '../tasks/task.js';
import { sampleOrLoadTrajectorySet } from '../thoughts/cached-sampling.js';
import type { TrajectorySet } from '../thoughts/trajectory-set.js';
import { DEFAULT_TASKS_DIR } from './train-command.js';

export const DEFAULT_SETS_DIR = resolve(process.cwd(), 'out', 'sets');

export interface SplitSetOptions {
  readonly domain: Domain;
  readonly split: string;
  /** First N questions of the split (default: all). */
  readonly limit?: number;
  readonly runs: number;
  readonly steps: number;
  readonly seed: number;
  readonly noise: TestTimeNoise;
  readonly initScale: number;
  readonly tasksDir?: string;
  readonly setsDir?: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Worker threads opened on loaded.dir that generate the batches (default: in-process). */
  readonly pool?: GenerationPool;
}

/** The cached (or freshly sampled) set of one domain's split. */
export async function splitTrajectorySet(loaded: LoadedModel, o: SplitSetOptions): Promise<TrajectorySet> {
  let items = await readTaskJsonl(join(o.tasksDir ?? DEFAULT_TASKS_DIR, o.domain, `${o.split}.jsonl`));
  if (o.limit !== undefined) items = items.slice(0, o.limit);
  const fingerprint = (await checkpointFingerprint(loaded.dir)).slice('sha256:'.length, 'sha256:'.length + 12);
  const name = `${o.domain}-${o.split}-q${items.length}-r${o.runs}-t${o.steps}-s${o.seed}-init${o.initScale}-noise${o.noise.scale}${o.noise.schedule}`;
  return sampleOrLoadTrajectorySet(join(o.setsDir ?? DEFAULT_SETS_DIR, fingerprint, name), loaded.model, loaded.tokenizer, items, {
    runs: o.runs,
    steps: o.steps,
    seed: o.seed,
    noise: o.noise,
    initScale: o.initScale,
    split: o.split,
    onProgress: o.onProgress,
    ...(o.pool ? { pool: o.pool } : {}),
  });
}
