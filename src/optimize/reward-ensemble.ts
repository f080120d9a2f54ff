/**
 * Two LRMs as one reward: one reads the trajectories as sampled (raw, the paper's LRM), the other
 * the same trajectories centred on their question's mean. They fail in opposite places. Centred, a
 * run that agrees with most of its question's runs sits near zero, and the LRM learns that
 * agreement: it ranks the runs of a question well where the majority answer is right and below
 * chance where it is wrong. The raw LRM ranks the correct minority first more often where the
 * majority is wrong, but is weak where it is right. Measured on validation halves (the LRMs trained
 * on 4800 training questions x 20 runs, see datasets/model/README.md): within-question AUROC where
 * the majority is right / wrong, centred .97 / .53, .95 / .42, .94 / .31 (math, code, choice), raw
 * .78 / .73, .65 / .61, .82 / .71.
 *
 * The ensemble's reward is sigmoid(w logit(raw) + (1 - w) logit(centred)), a weighted product of
 * the two models' odds, with the raw weight w chosen together with LTO's beta on validation.
 */
import { logit } from '../stats/logit.js';
import type { QuestionPool } from './candidate-pool.js';
import { chooseBeta } from './sweeps.js';

/** Raw weights tried on validation (0 = the centred LRM alone, 1 = the raw LRM alone). */
export const ENSEMBLE_RAW_WEIGHTS: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

/** sigmoid(w logit(raw[i]) + (1 - w) logit(centred[i])) for every run i. */
export function mixRewards(raw: ArrayLike<number>, centred: ArrayLike<number>, rawWeight: number): Float32Array {
  if (raw.length !== centred.length) throw new Error(`mixRewards: ${raw.length} raw rewards but ${centred.length} centred ones; expected one of each per run`);
  if (!(rawWeight >= 0 && rawWeight <= 1)) throw new Error(`mixRewards: raw weight ${rawWeight}; expected a number in [0, 1]`);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const c = centred[i]!;
    if (!(r >= 0 && r <= 1) || !(c >= 0 && c <= 1)) throw new Error(`mixRewards: run ${i} has rewards ${r} (raw) and ${c} (centred); expected probabilities in [0, 1]`);
    out[i] = 1 / (1 + Math.exp(-(rawWeight * logit(r) + (1 - rawWeight) * logit(c))));
  }
  return out;
}

export interface EnsembleChoice {
  readonly rawWeight: number;
  readonly beta: number;
  /** Expected LTO accuracy on the validation pools at this weight and beta. */
  readonly expectedAccuracy: number;
  /** Every weight tried, each with its best beta. */
  readonly all: readonly { readonly rawWeight: number; readonly beta: number; readonly expectedAccuracy: number }[];
}

/**
 * The raw weight and beta with the highest expected LTO accuracy on validation (chooseBeta for
 * every weight; the first best in `weights` order wins a tie). `poolsAt(w)` gives the validation
 * pools with the rewards mixed at weight w.
 */
export function chooseEnsembleWeight(poolsAt: (rawWeight: number) => readonly QuestionPool[], betas: readonly number[], weights: readonly number[] = ENSEMBLE_RAW_WEIGHTS): EnsembleChoice {
  if (weights.length === 0) throw new Error('chooseEnsembleWeight: weights is empty; expected at least one raw weight in [0, 1]');
  const all = weights.map((rawWeight) => {
    const { beta, expectedAccuracy } = chooseBeta(poolsAt(rawWeight), betas);
    return { rawWeight, beta, expectedAccuracy };
  });
  const best = all.reduce((a, b) => (b.expectedAccuracy > a.expectedAccuracy ? b : a));
  return { ...best, all };
}
