/**
 * Whether a stored trajectory set can stand for a requested sampling: the one comparison of a
 * manifest with sampleTrajectories' resolved settings, shared by the set cache
 * (sampleOrLoadTrajectorySet) and the part store of `lto optimize`, so neither can forget a
 * setting the other checks.
 */
import type { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import type { TrajectoryManifest } from './manifest.js';
import { resolveSampling, type SampleOptions } from './sample.js';

/**
 * The settings, model fingerprint included, in which `manifest` differs from `options` resolved
 * for `model`, each as "name (stored value here, requested value asked)"; empty when the stored
 * set was sampled exactly so. Questions are left to the caller: a cache refuses other questions,
 * a part store samples them afresh.
 */
export function samplingDifferences(manifest: TrajectoryManifest, fingerprint: string, model: RecurrentDepthModel, options: SampleOptions): string[] {
  const s = manifest.sampling;
  const r = resolveSampling(model, options);
  const pairs: [string, unknown, unknown][] = [
    ['model', manifest.model?.fingerprint ?? null, fingerprint],
    ['runs', s.runs_per_question, r.runs],
    ['steps', s.steps, r.steps],
    ['seed', s.seed, r.seed],
    ['init scale', s.init_scale, r.initScale],
    ['noise', s.noise && { scale: s.noise.scale, schedule: s.noise.schedule }, { scale: r.noise.scale, schedule: r.noise.schedule }],
    ['pooling', s.pooling, r.pooling],
    ['max new tokens', s.max_new_tokens, r.maxNewTokens],
    // Sets sampled before these were recorded hold no record (latent states) and greedy decoding.
    ['recorded states', s.record ?? null, r.record],
    ['decoding', s.decoding ?? 'greedy', r.decoding],
  ];
  return pairs
    .map(([name, stored, asked]) => [name, JSON.stringify(stored), JSON.stringify(asked)] as const)
    .filter(([, stored, asked]) => stored !== asked)
    .map(([name, stored, asked]) => `${name} (${stored} here, ${asked} asked)`);
}
