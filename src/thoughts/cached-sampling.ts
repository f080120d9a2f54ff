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
import { sampleTrajectories, type SampleOptions, type SamplingItem } from './sample.js';
import { MANIFEST_FILE, loadTrajectorySet, saveTrajectorySet } from './storage.js';
import type { TrajectorySet } from './trajectory-set.js';

/** Why a cached set cannot stand for the requested sampling, or undefined when it can. */
function mismatch(set: TrajectorySet, fingerprint: string, items: readonly SamplingItem[], model: RecurrentDepthModel, o: SampleOptions): string | undefined {
  const s = set.manifest.sampling;
  const noise = o.noise ?? model.config.testTimeNoise;
  const want: [string, unknown, unknown][] = [
    ['model', set.manifest.model?.fingerprint, fingerprint],
    ['runs', s.runs_per_question, o.runs],
    ['steps', s.steps, o.steps ?? model.config.meanRecurrence],
    ['seed', s.seed, o.seed ?? 0],
    ['init scale', s.init_scale, o.initScale ?? 1],
    ['noise', JSON.stringify(s.noise), JSON.stringify({ scale: noise.scale, schedule: noise.schedule })],
    ['pooling', s.pooling, o.pooling ?? 'mean'],
    ['recorded states', JSON.stringify(s.record ?? null), JSON.stringify(o.record ?? null)],
    ['decoding', JSON.stringify(s.decoding ?? 'greedy'), JSON.stringify(o.decoding ?? 'greedy')],
    ['questions', set.questionIds().join('\n'), items.map((i) => i.id).join('\n')],
  ];
  const differing = want.filter(([, a, b]) => a !== b).map(([name]) => name);
  return differing.length ? differing.join(', ') : undefined;
}

/** Loads the set cached in `dir`, or samples and caches it (see the module comment). */
export async function sampleOrLoadTrajectorySet(dir: string, model: RecurrentDepthModel, tokenizer: Tokenizer, items: readonly SamplingItem[], options: SampleOptions): Promise<TrajectorySet> {
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const cached = await loadTrajectorySet(dir);
    const fingerprint = await checkpointFingerprint(model.source);
    const differs = mismatch(cached, fingerprint, items, model, options);
    if (differs) throw new Error(`${dir}: holds a trajectory set sampled with another ${differs}; use another folder or delete it`);
    options.onProgress?.(items.length, items.length);
    return cached;
  }
  const partsDir = join(dir, 'parts');
  const set = await sampleTrajectories(model, tokenizer, items, { ...options, partsDir });
  await saveTrajectorySet(set, dir);
  await fsp.rm(partsDir, { recursive: true, force: true });
  return set;
}
