/**
 * How early correctness is readable: ROC-AUC of a reward model scoring only the first t steps of
 * each trajectory, for several t (the paper's Fig. 3 reads AUC against the number of steps seen).
 */
import { rocAuc } from '../stats/roc.js';
import { checkLabelled, type LabelledTrajectories } from './labelled-trajectories.js';
import type { LatentRewardModel } from './reward-model.js';

export interface PrefixAuroc {
  /** Prefix lengths (number of steps scored, latent.0 .. latent.{t-1}). */
  readonly steps: readonly number[];
  readonly auroc: readonly number[];
}

/** AUROC for each prefix length in `prefixLengths` (default every length 1..steps). */
export function aurocByPrefix(model: LatentRewardModel, set: LabelledTrajectories, prefixLengths?: readonly number[]): PrefixAuroc {
  checkLabelled(set, 'aurocByPrefix: set', true);
  const total = set.trajectories.steps;
  const steps = prefixLengths ? [...prefixLengths] : Array.from({ length: total }, (_, i) => i + 1);
  for (const t of steps) {
    if (!Number.isInteger(t) || t < 1 || t > total) throw new Error(`aurocByPrefix: prefix length ${t}; expected integers in 1..${total}`);
  }
  return { steps, auroc: steps.map((t) => rocAuc(model.score(set.trajectories, { steps: t }), set.correct)) };
}
